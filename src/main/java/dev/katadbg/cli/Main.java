package dev.katadbg.cli;

import dev.katadbg.errors.ErrorLine;
import java.io.PrintWriter;
import java.util.List;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code katadbg}: the command line. Each subcommand is thin; the work is in the packages. */
@Command(name = "katadbg", mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Debug containerd shim v2 runtimes (Kata, runc, ...) under Delve.")
public final class Main implements Runnable {
  /**
   * The subcommands, in the order the help lists them. Only the one a call names is built:
   * picocli builds each command's model by reflection, and all of them cost a query command
   * more than its own work.
   */
  static final List<Class<?>> SUBCOMMANDS = List.of(SessionsCommand.class, LogsCommand.class,
      StopCommand.class, PsCommand.class, AttachCommand.class, ReattachCommand.class,
      DetachCommand.class, ConnectCommand.class, LendCommand.class, StateCommand.class, BreakCommand.class,
      ContinueCommand.class, StackCommand.class, IdeCommand.class, RunCommand.class,
      ShimCommand.class, InstallCommand.class, UninstallCommand.class, DoctorCommand.class,
      TimeoutsCommand.class, CommandLine.HelpCommand.class);
  private static final Map<String, Class<?>> BY_NAME = SUBCOMMANDS.stream().collect(
      java.util.stream.Collectors.toUnmodifiableMap(
          c -> c.getAnnotation(Command.class).name(), c -> c));

  /** Set (not empty, not 0): a failing command prints its stack trace after its one line. */
  static final String DEBUG_ENV = "KATADBG_DEBUG";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The testable entry: parses, runs and maps every outcome to an {@link ExitCode}. */
  public static int run(PrintWriter out, PrintWriter err, Map<String, String> env,
      String... args) {
    Factory factory = new Factory(env);
    CommandLine cl = new CommandLine(new Main(), factory);
    for (Class<?> c : needed(args)) {
      cl.addSubcommand(c);
    }
    cl.setOut(out);
    cl.setErr(err);
    boolean debug = !env.getOrDefault(DEBUG_ENV, "").isEmpty()
        && !env.getOrDefault(DEBUG_ENV, "").equals("0");
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      err.println("katadbg: " + ErrorLine.of(e));
      if (debug) {
        e.printStackTrace(err);
      }
      return e instanceof CliException c ? c.exitCode() : ExitCode.FAILURE;
    });
    cl.setParameterExceptionHandler((e, a) -> {
      err.println("katadbg: " + e.getMessage() + " (see: "
          + e.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
      return ExitCode.USAGE;
    });
    return cl.execute(args);
  }

  /**
   * The subcommands a call needs: the one it names; none for {@code --version}; all of them
   * for {@code help COMMAND}, the top-level help and a mistyped name (picocli suggests one).
   */
  static List<Class<?>> needed(String... args) {
    if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
      return List.of();
    }
    Class<?> named = args.length > 0 ? BY_NAME.get(args[0]) : null;
    return named == null || named == CommandLine.HelpCommand.class ? SUBCOMMANDS
        : List.of(named);
  }

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    int code = run(out, err, System.getenv(), args);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /** Gives every command the environment it runs in (tests pass their own). */
  static final class Factory implements CommandLine.IFactory {
    private final Map<String, String> env;

    Factory(Map<String, String> env) {
      this.env = Map.copyOf(env);
    }

    @Override
    public <K> K create(Class<K> cls) throws Exception {
      try {
        return cls.getDeclaredConstructor(Map.class).newInstance(env);
      } catch (NoSuchMethodException e) {
        return CommandLine.defaultFactory().create(cls);
      }
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"katadbg " + (v == null ? "dev" : v)};
    }
  }
}
