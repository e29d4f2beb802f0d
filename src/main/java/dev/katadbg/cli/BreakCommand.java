package dev.katadbg.cli;

import dev.katadbg.delve.Breakpoint;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "break", mixinStandardHelpOptions = true,
    description = {"Set a breakpoint in a session's shim.",
        "A running shim is halted for it and continued again; a location Delve cannot resolve"
            + " is an error."})
final class BreakCommand implements Callable<Integer> {
  private final Map<String, String> env;

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "[SESSION] LOCATION", arity = "1..2",
      description = {"SESSION: sandbox id, NAMESPACE/ID or prefix (default: the newest live one).",
          "LOCATION: a Delve location, e.g. 'pkg.(*T).Method' or file.go:LINE."})
  List<String> args;

  BreakCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    Optional<String> query = args.size() == 2 ? Optional.of(args.get(0)) : Optional.empty();
    String location = args.get(args.size() - 1);
    Breakpoint bp = ControlCommands.withControl(env, query, c -> c.createBreakpoint(location));
    spec.commandLine().getOut().println("breakpoint " + bp.id() + " set at " + bp.functionName()
        + "() " + bp.file() + ":" + bp.line());
    return ExitCode.OK;
  }
}
