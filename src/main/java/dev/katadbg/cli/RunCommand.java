package dev.katadbg.cli;

import dev.katadbg.config.ConfigException;
import dev.katadbg.config.KatadbgConfig;
import dev.katadbg.run.RunException;
import dev.katadbg.run.RunSpec;
import dev.katadbg.run.ShimRun;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Run a container through a shim with katadbg as the runtime manager.",
        "No containerd: katadbg runs the shim's start, serves its events socket and sends"
            + " Create, Start, Wait, Delete and Shutdown with no deadlines, so the shim may sit"
            + " at a breakpoint as long as you like. Stdin is relayed to the container (its"
            + " end closes the container's stdin). Exits with the container's status, or "
            + ExitCode.RUN_FAILED + " if it could not run it."})
final class RunCommand implements Callable<Integer> {
  private final Map<String, String> env;

  @Spec CommandSpec spec;

  @Option(names = "--shim", paramLabel = "BINARY",
      description = "The shim v2 binary (default: [shim] binary from katadbg's config).")
  Path shim;

  @Option(names = "--debug", description = "Run the shim's start under Delve, as the wrapper"
      + " does ([debugger] settings from katadbg's config: breakpoints, wait_for_client...).")
  boolean debug;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  static final class Source {
    @Option(names = "--bundle", paramLabel = "DIR",
        description = "An OCI bundle with its own config.json (no COMMAND then).")
    Path bundle;

    @Option(names = "--rootfs", paramLabel = "DIR",
        description = "A root filesystem; katadbg writes the bundle's config.json for COMMAND.")
    Path rootfs;
  }

  @Option(names = "--id", paramLabel = "ID", description = "Container id (default: katadbg-<pid>).")
  String id;

  @Option(names = {"-n", "--namespace"}, paramLabel = "NS", defaultValue = "default",
      description = "The namespace sent to the shim (default: ${DEFAULT-VALUE}).")
  String namespace;

  @Option(names = {"-t", "--tty"}, description = "Give the container a terminal; if stdin is"
      + " one, it is put in raw mode for the run (restored at exit) and its size follows yours.")
  boolean tty;

  @Option(names = "--timeout", paramLabel = "DURATION", converter = GoDurationConverter.class,
      description = "A deadline for every Task call, e.g. 30s (default: none).")
  Duration timeout;

  @Parameters(paramLabel = "COMMAND", arity = "0..*",
      description = "The command to run in the rootfs, after --.")
  List<String> command = new ArrayList<>();

  RunCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    KatadbgConfig config;
    try {
      config = KatadbgConfig.load(env);
    } catch (ConfigException e) {
      throw new CliException(ExitCode.RUN_FAILED, e.getMessage());
    }
    Path binary;
    try {
      binary = shim != null ? shim.toAbsolutePath() : config.requireShimBinary();
    } catch (ConfigException e) {
      throw new CliException(ExitCode.USAGE, "no shim: give --shim BINARY or set [shim] binary"
          + " in katadbg's config");
    }
    RunSpec rs;
    try {
      rs = new RunSpec(binary, debug, Optional.ofNullable(source.bundle),
          Optional.ofNullable(source.rootfs),
          id != null ? id : "katadbg-" + ProcessHandle.current().pid(), namespace, command,
          Optional.ofNullable(timeout), tty);
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCode.USAGE, e.getMessage());
    }
    ShimRun run = new ShimRun(rs, config, env, System.in, spec.commandLine().getOut(),
        spec.commandLine().getErr());
    Thread onCtrlC = new Thread(run::abort, "katadbg-run-abort");
    Runtime.getRuntime().addShutdownHook(onCtrlC);
    try {
      return run.run();
    } catch (RunException e) {
      throw new CliException(ExitCode.RUN_FAILED, e.getMessage());
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(onCtrlC);
      } catch (IllegalStateException e) {
        // Already shutting down: the hook is running.
      }
    }
  }
}
