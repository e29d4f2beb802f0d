package dev.katadbg.cli;

import dev.katadbg.control.Control;
import dev.katadbg.control.TargetState;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "state", mixinStandardHelpOptions = true,
    description = {"Show what a session's shim is doing: running, or where it stopped and why.",
        "Never waits for the shim to stop."})
final class StateCommand implements Callable<Integer> {
  private final Map<String, String> env;

  @Spec CommandSpec spec;

  @Mixin SessionArgs.Live session;

  @Option(names = "--json", description = "Print a JSON object.")
  boolean json;

  StateCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    TargetState s = ControlCommands.withControl(env, session.query(), Control::state);
    PrintWriter out = spec.commandLine().getOut();
    out.println(json ? ControlCommands.toJson(ControlCommands.json(s)) : s.describe());
    return ExitCode.OK;
  }
}
