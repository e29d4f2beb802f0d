package dev.katadbg.cli;

import dev.katadbg.config.ConfigException;
import dev.katadbg.config.KatadbgConfig;
import dev.katadbg.control.ControlException;
import dev.katadbg.control.DlvTerminal;
import dev.katadbg.control.GdbTerminal;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "connect", mixinStandardHelpOptions = true,
    description = {"Run the debugger's terminal client on a session, in this terminal.",
        "Delve (dlv connect) debugs the shim's daemon alone: set breakpoints and continue."
            + " 'quit' leaves the session running; 'quit -c' also continues the shim.",
        "gdb (a gdb session): started connected to the session's gdbserver, with its"
            + " breakpoints; katadbg's own gdb lets go meanwhile and takes the shim back after"
            + " 'quit', which leaves the shim as it is. Exits with the client's status."})
final class ConnectCommand implements Callable<Integer> {
  private final Map<String, String> env;

  @Spec CommandSpec spec;

  @Mixin SessionArgs.Live session;

  ConnectCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() throws InterruptedException {
    KatadbgConfig config;
    try {
      config = KatadbgConfig.load(env);
    } catch (ConfigException e) {
      throw new CliException(ExitCode.FAILURE, e.getMessage());
    }
    Session s = Registries.live(Registries.open(env), session.query());
    if (s.kind() == Session.DebuggerKind.GDB) {
      return gdb(config, s);
    }
    Path dlv;
    try {
      dlv = DlvTerminal.locate(config.debugger().path(), Optional.ofNullable(env.get("PATH")));
    } catch (ControlException e) {
      throw new CliException(ExitCode.NOT_FOUND, e.getMessage());
    }
    spec.commandLine().getErr().println("katadbg: connecting to " + s.namespace() + "/" + s.id()
        + " at " + s.listen() + " (" + s.state().name().toLowerCase(java.util.Locale.ROOT)
        + ")");
    spec.commandLine().getErr().flush();
    // Ctrl-C in the terminal goes to the whole foreground group: dlv turns it into a halt, and
    // this JVM must not die of it and leave dlv orphaned on the terminal.
    ignoreInterrupts();
    Process p;
    try {
      p = new ProcessBuilder(DlvTerminal.command(dlv, s.listen())).inheritIO().start();
    } catch (IOException e) {
      throw new CliException(ExitCode.FAILURE, "cannot run " + dlv + ": " + e.getMessage());
    }
    return p.waitFor();
  }

  /** gdb's terminal on a gdb session: katadbg's keeper gdb lets go while it runs. */
  private int gdb(KatadbgConfig config, Session s) throws InterruptedException {
    Path gdb;
    try {
      gdb = DlvTerminal.locate(config.debugger().gdb(), Optional.ofNullable(env.get("PATH")),
          "[debugger] gdb", "install gdb or set [debugger] gdb in the katadbg config");
    } catch (ControlException e) {
      throw new CliException(ExitCode.NOT_FOUND, e.getMessage());
    }
    java.io.PrintWriter err = spec.commandLine().getErr();
    err.println("katadbg: connecting gdb to " + s.namespace() + "/" + s.id() + " at "
        + s.listen() + "; 'quit' leaves the shim as it is and katadbg's gdb takes it back");
    err.flush();
    GdbTerminal.Handover h;
    try {
      h = GdbTerminal.takeOver(s, Processes.linux());
    } catch (ControlException e) {
      throw new CliException(ExitCode.FAILURE, e.getMessage());
    }
    ignoreInterrupts();
    int status;
    try {
      ProcessBuilder pb = new ProcessBuilder(GdbTerminal.command(gdb, s, h)).inheritIO();
      pb.environment().putAll(GdbTerminal.environment(env));
      status = pb.start().waitFor();
    } catch (IOException e) {
      err.println("katadbg: cannot run " + gdb + ": " + e.getMessage());
      status = ExitCode.FAILURE;
    }
    try {
      err.println("katadbg: " + GdbTerminal.giveBack(s, Processes.linux()));
    } catch (ControlException e) {
      throw new CliException(ExitCode.FAILURE, e.getMessage());
    }
    return status;
  }

  @SuppressWarnings("restriction")
  private static void ignoreInterrupts() {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("INT"), sig -> { });
    } catch (IllegalArgumentException e) {
      // No SIGINT handling possible here (e.g. -Xrs): Ctrl-C then ends katadbg too.
    }
  }
}
