package dev.katadbg.cli;

import dev.katadbg.control.Control;
import dev.katadbg.control.ControlException;
import dev.katadbg.control.TargetState;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session;
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
    String name = s.namespace() + "/" + s.id();
    Processes processes = Processes.linux();
    // Running it on would leave a shim nobody serves, with its containers, for good.
    Registries.orphaned(s).ifPresent(why -> {
      throw new CliException(ExitCode.FAILURE, "not continuing " + name + ": " + why);
    });
    Control.Continued c;
    try (Control control = Control.connect(s, processes)) {
      TargetState now = control.state();
      Optional<String> unserved = Registries.unserved(s, Optional.of(now), processes);
      if (unserved.isPresent()) {
        throw new CliException(ExitCode.FAILURE, "not continuing " + name + ": "
            + unserved.get());
      }
      c = control.continueTarget(now);
    } catch (ControlException e) {
      throw new CliException(ExitCode.FAILURE, e.getMessage());
    }
    spec.commandLine().getOut().println(c.describe());
    return ExitCode.OK;
  }
}
