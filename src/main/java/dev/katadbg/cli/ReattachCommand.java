package dev.katadbg.cli;

import dev.katadbg.attach.Attacher;
import dev.katadbg.control.Control;
import dev.katadbg.control.ControlException;
import dev.katadbg.control.TargetState;
import dev.katadbg.discovery.Shim;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session;
import dev.katadbg.session.SessionControl;
import dev.katadbg.session.SessionRegistry;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "reattach", mixinStandardHelpOptions = true,
    description = {"Give a shim launched under Delve a debugger of its own, breakpoints kept.",
        "Detaches the launching Delve, attaches a fresh one to the daemon and sets the"
        + " breakpoints again. Only sessions whose Delve launched the shim need it (an older katadbg's follow-exec"
        + " sessions); a wrapper session's daemon already has a Delve of its own. Refuses while"
        + " the shim is stopped: detaching would resume it and lose the stop. Clients connected"
        + " to the old debugger are dropped."})
final class ReattachCommand implements Callable<Integer> {
  private final Map<String, String> env;

  @Spec CommandSpec spec;

  @Mixin SessionArgs.Live session;

  @Option(names = "--listen", paramLabel = "ADDR",
      description = "Where the new Delve listens (default: [debugger] listen of the config).")
  String listen;

  ReattachCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    SessionRegistry registry = Registries.open(env);
    Session s = Registries.live(registry, session.query());
    String name = s.namespace() + "/" + s.id();
    PrintWriter out = spec.commandLine().getOut();
    if (s.origin().attachedByDelve()) {
      out.println(name + " already has a debugger of its own at " + s.listen());
      return ExitCode.OK;
    }
    int pid = s.shim().map(Session.ProcessRef::pid).orElseThrow(() -> new CliException(
        ExitCode.FAILURE, "session " + name + " has no daemon yet (the shim has not replied):"
            + " continue it first"));
    List<String> carried;
    try (Control c = Control.connect(s, Processes.linux())) {
      TargetState t = c.state();
      if (t.status() == TargetState.Status.STOPPED) {
        // Only one tracer at a time: the old Delve must let go before a new one attaches, and
        // letting go resumes the shim.
        throw new CliException(ExitCode.FAILURE, "not reattaching " + name + ": it is "
            + t.describe().replaceFirst("^pid \\d+ ", "").lines().findFirst().orElse("")
            + ", and reattaching detaches first, which resumes the shim and loses this stop:"
            + " debug it here (katadbg connect " + name + "), or continue it, then reattach");
      }
      carried = c.breakpointLocations();
    } catch (ControlException e) {
      throw new CliException(ExitCode.FAILURE, e.getMessage());
    }
    try {
      new SessionControl(Processes.linux()).stop(s, false);
    } catch (IllegalStateException e) {
      throw new CliException(ExitCode.FAILURE, e.getMessage());
    }
    registry.remove(s);
    if (s.shim().filter(p -> Processes.linux().isAlive(p.pid(), p.startTime())).isEmpty()) {
      throw new CliException(ExitCode.FAILURE, "the shim of " + name + " (pid " + pid + ")"
          + " exited once its old debugger let go: there is nothing to reattach to");
    }
    Shim shim = Shims.resolve(Integer.toString(pid), Shims.find(registry));
    Attacher.Attached a = AttachCommand.attach(env, registry, shim, listen, null,
        spec.commandLine().getErr());
    List<String> set = new ArrayList<>();
    try (Control c = Control.connect(a.session(), Processes.linux())) {
      for (String location : carried) {
        c.createBreakpoint(location);
        set.add(location);
      }
    } catch (ControlException e) {
      throw new CliException(ExitCode.FAILURE, "reattached " + name + " at "
          + a.session().listen() + ", but breakpoints " + carried + " not all set again ("
          + e.getMessage() + "); set " + set + " so far");
    }
    out.println("reattached " + name + ": shim pid " + pid + ", debugger "
        + a.session().listen() + " (dlv pid " + a.session().debugger().pid() + ", attached)");
    out.println("breakpoints set again: " + (set.isEmpty() ? "none" : String.join(", ", set)));
    return ExitCode.OK;
  }
}
