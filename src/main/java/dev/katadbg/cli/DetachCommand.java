package dev.katadbg.cli;

import dev.katadbg.discovery.Shim;
import dev.katadbg.discovery.Target;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session;
import dev.katadbg.session.SessionControl;
import dev.katadbg.session.SessionRegistry;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "detach", mixinStandardHelpOptions = true,
    description = {"Detach the debugger from a shim: breakpoints removed, the shim keeps"
        + " running untouched, the session ends."})
final class DetachCommand implements Callable<Integer> {
  private final Map<String, String> env;

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "TARGET",
      description = "Shim pid, sandbox id, container id, NAMESPACE/ID or a unique prefix.")
  String target;

  DetachCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    SessionRegistry registry = Registries.open(env);
    List<Shim> shims = Shims.find(registry);
    Session s;
    if (Target.resolve(target, shims) instanceof Target.Resolution.NotFound) {
      // The shim may be gone while its session is still recorded.
      s = Registries.find(registry, target);
    } else {
      Shim shim = Shims.resolve(target, shims);
      s = shim.session().orElseThrow(() -> new CliException(ExitCode.NOT_FOUND,
          "no katadbg session holds " + shim.describe() + " (katadbg attach " + shim.pid()
              + " makes one)"));
    }
    PrintWriter out = spec.commandLine().getOut();
    String name = s.namespace() + "/" + s.id();
    if (!registry.isLive(s)) {
      registry.remove(s);
      out.println("session " + name + " had already ended; cleaned");
      return ExitCode.OK;
    }
    SessionControl.Outcome outcome;
    try {
      outcome = new SessionControl(Processes.linux()).stop(s, false);
    } catch (IllegalStateException e) {
      throw new CliException(ExitCode.FAILURE, e.getMessage());
    }
    registry.remove(s);
    String shim = s.shim().map(r -> "shim pid " + r.pid()).orElse("the shim");
    out.println("detached from " + name + "; " + shim + " keeps running"
        + (outcome == SessionControl.Outcome.DEBUGGER_KILLED
            ? " (Delve could not halt it and was ended; it had no breakpoints)" : ""));
    return ExitCode.OK;
  }
}
