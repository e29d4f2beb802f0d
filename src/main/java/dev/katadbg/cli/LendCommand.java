package dev.katadbg.cli;

import dev.katadbg.control.ControlException;
import dev.katadbg.control.GdbTerminal;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "lend", mixinStandardHelpOptions = true,
    description = {"Lend a gdb session's gdbserver to another gdb client (an IDE) until this"
        + " command ends.",
        "gdbserver serves one client at a time and katadbg's own gdb is it: it lets go (its"
            + " breakpoints leave the shim's code, the shim stays as it is) and takes the shim"
            + " back, breakpoints too, when this command gets Ctrl-C or SIGTERM. katadbg ide"
            + " vscode runs it as the configuration's debug server."})
final class LendCommand implements Callable<Integer> {
  /** The line that says the gdbserver is free; the VS Code configuration waits for it. */
  static final String LENT = "katadbg: lent";

  private final Map<String, String> env;

  @Spec CommandSpec spec;

  @Mixin SessionArgs.Live session;

  LendCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() throws InterruptedException {
    Session s = Registries.live(Registries.open(env), session.query());
    if (s.kind() != Session.DebuggerKind.GDB) {
      throw new CliException(ExitCode.USAGE, s.namespace() + "/" + s.id() + " is a Delve"
          + " session: Delve serves any number of clients at " + s.listen() + ", nothing to lend");
    }
    GdbTerminal.Handover h;
    try {
      h = GdbTerminal.takeOver(s, Processes.linux());
    } catch (ControlException e) {
      throw new CliException(ExitCode.FAILURE, e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    CountDownLatch returned = new CountDownLatch(1);
    // The IDE ends its debug server with SIGTERM; a person with Ctrl-C. Either way the JVM's
    // shutdown hooks run, and the shim goes back to katadbg's gdb.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        out.println("katadbg: " + GdbTerminal.giveBack(s, Processes.linux()));
      } catch (ControlException e) {
        out.println("katadbg: " + e.getMessage());
      }
      out.flush();
      returned.countDown();
    }, "katadbg-give-back"));
    out.println(LENT + " " + s.namespace() + "/" + s.id() + ": connect a gdb to "
        + dev.katadbg.gdb.Keeper.clientAddress(s.listen())
        + " (target extended-remote); breakpoints to set again: " + h.breakpoints()
        + "; Ctrl-C gives the shim back to katadbg's gdb");
    out.flush();
    returned.await();
    return ExitCode.OK;
  }
}
