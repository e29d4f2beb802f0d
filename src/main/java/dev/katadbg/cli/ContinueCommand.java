package dev.katadbg.cli;

import dev.katadbg.control.Control;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "continue", mixinStandardHelpOptions = true,
    description = {"Resume a session's stopped shim and return at once; it keeps running.",
        "katadbg state tells when it stops again."})
final class ContinueCommand implements Callable<Integer> {
  private final Map<String, String> env;

  @Spec CommandSpec spec;

  @Mixin SessionArgs.Live session;

  ContinueCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    Session s = Registries.live(Registries.open(env), session.query());
    Registries.orphaned(s).or(() -> Registries.unserved(s,
        Control.peek(s, Processes.linux(), Duration.ofSeconds(2)), Processes.linux()))
        .ifPresent(why -> {
      // Running it on would leave a shim nobody serves, with its containers, for good.
      throw new CliException(ExitCode.FAILURE, "not continuing " + s.namespace() + "/" + s.id()
          + ": " + why);
    });
    Control.Continued c = ControlCommands.withControl(env,
        Optional.of(s.namespace() + "/" + s.id()), Control::continueTarget);
    spec.commandLine().getOut().println(c.describe());
    return ExitCode.OK;
  }
}
