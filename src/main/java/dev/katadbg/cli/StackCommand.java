package dev.katadbg.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.katadbg.control.Control.GoroutineStack;
import dev.katadbg.delve.StackFrame;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "stack", mixinStandardHelpOptions = true,
    description = {"Print goroutine stacks of a session's stopped shim, innermost frame first.",
        "Default: the goroutine of the thread that stopped."})
final class StackCommand implements Callable<Integer> {
  private final Map<String, String> env;

  @Spec CommandSpec spec;

  @Mixin SessionArgs.Live session;

  @ArgGroup(exclusive = true)
  Which which;

  static final class Which {
    @Option(names = "--goroutine", paramLabel = "N", description = "This goroutine.")
    Long goroutine;

    @Option(names = "--all", description = "Every goroutine.")
    boolean all;
  }

  @Option(names = "--depth", paramLabel = "N", defaultValue = "20",
      description = "Frames per goroutine (default: ${DEFAULT-VALUE}).")
  int depth;

  @Option(names = "--json", description = "Print a JSON array of {goroutine, frames}.")
  boolean json;

  StackCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    if (depth < 1) {
      throw new CliException(ExitCode.USAGE, "--depth must be at least 1");
    }
    Optional<Long> g = which == null ? Optional.empty() : Optional.ofNullable(which.goroutine);
    boolean all = which != null && which.all;
    List<GoroutineStack> stacks = ControlCommands.withControl(env, session.query(),
        c -> c.stacks(g, all, depth));
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      JsonArray a = new JsonArray();
      for (GoroutineStack s : stacks) {
        JsonObject o = new JsonObject();
        o.addProperty(s.thread() ? "thread" : "goroutine", s.goroutineId());
        o.add("frames", ControlCommands.json(s.frames()));
        a.add(o);
      }
      out.println(ControlCommands.toJson(a));
      return ExitCode.OK;
    }
    for (GoroutineStack s : stacks) {
      out.println(s.label() + ":");
      int i = 0;
      for (StackFrame f : s.frames()) {
        out.printf("%3d  %s()%n       %s:%d%n", i++, f.function(), f.file(), f.line());
      }
    }
    return ExitCode.OK;
  }
}
