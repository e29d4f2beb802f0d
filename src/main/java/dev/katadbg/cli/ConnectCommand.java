package dev.katadbg.cli;

import dev.katadbg.config.ConfigException;
import dev.katadbg.config.KatadbgConfig;
import dev.katadbg.control.ControlException;
import dev.katadbg.control.DlvTerminal;
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
    description = {"Run the dlv terminal client (dlv connect) on a session, in this terminal.",
        "Delve debugs the shim's daemon alone: set breakpoints and continue. 'quit' leaves"
            + " the session running; 'quit -c' also continues the shim. Exits with dlv's status."})
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

  @SuppressWarnings("restriction")
  private static void ignoreInterrupts() {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("INT"), sig -> { });
    } catch (IllegalArgumentException e) {
      // No SIGINT handling possible here (e.g. -Xrs): Ctrl-C then ends katadbg too.
    }
  }
}
