package dev.katadbg.cli;

import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session;
import dev.katadbg.session.SessionControl;
import dev.katadbg.session.SessionRegistry;
import dev.katadbg.session.SessionState;
import java.io.PrintWriter;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "stop", mixinStandardHelpOptions = true,
    description = {"End a debug session.",
        "By default the debugger detaches and the shim keeps running, breakpoints removed.",
        "The session is kept as stopped, with its logs; stop on an ended session removes it."})
final class StopCommand implements Callable<Integer> {
  private final Map<String, String> env;

  @Spec CommandSpec spec;

  @Mixin SessionArgs.Any session;

  @Option(names = "--kill", description = "Kill the shim too (its containers die with it).")
  boolean kill;

  StopCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    SessionRegistry registry = Registries.open(env);
    Session s = Registries.find(registry, session.query());
    PrintWriter out = spec.commandLine().getOut();
    if (!registry.isLive(s)) {
      registry.remove(s);
      out.println("session " + s.namespace() + "/" + s.id() + " was already "
          + s.state().name().toLowerCase(java.util.Locale.ROOT) + "; removed it and its logs");
      return ExitCode.OK;
    }
    SessionControl.Outcome outcome;
    try {
      outcome = new SessionControl(Processes.linux()).stop(s, kill);
    } catch (IllegalStateException e) {
      throw new CliException(ExitCode.FAILURE, e.getMessage());
    }
    String name = s.namespace() + "/" + s.id();
    String shim = s.shim().map(r -> "shim pid " + r.pid()).orElse("the shim");
    // Kept, with its logs, as an ended session (katadbg sessions --clean removes it).
    registry.save(s.withState(SessionState.STOPPED, Optional.of(switch (outcome) {
      case KILLED -> "killed by katadbg stop --kill";
      case DETACHED, DEBUGGER_KILLED -> "detached by katadbg stop; the shim ran on";
    })));
    out.println(switch (outcome) {
      case KILLED -> "killed " + shim + " and the debugger of " + name;
      case DETACHED -> "detached from " + name + "; " + shim + " keeps running";
      case DEBUGGER_KILLED -> "detached from " + name + " by ending its debugger (Delve could not"
          + " halt it; it had no breakpoints); " + shim + " keeps running";
    });
    return ExitCode.OK;
  }
}
