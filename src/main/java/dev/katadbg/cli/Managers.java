package dev.katadbg.cli;

import dev.katadbg.config.KatadbgConfig;
import dev.katadbg.manager.Installer;
import dev.katadbg.manager.ManagerException;
import dev.katadbg.manager.Plan;
import java.io.File;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** What install and uninstall commands share: options, defaults and outcome mapping. */
final class Managers {
  /** Set by the katadbg launcher: the installation, whose bin/ holds the wrapper. */
  static final String HOME_PROPERTY = "katadbg.home";
  static final String WRAPPER = "containerd-shim-katadbg-v2";

  private Managers() {}

  /** Options every install takes. */
  static final class CommonOptions {
    @Option(names = "--runtime-name", defaultValue = "katadbg", paramLabel = "NAME",
        description = "The runtime class / handler name (default: ${DEFAULT-VALUE}).")
    String runtimeName;

    @Option(names = "--shim", paramLabel = "BINARY",
        description = "The real shim to debug (a build with -gcflags=all=-N -l). Default: the one already in"
            + " katadbg's config, else the binary of the runtime class the settings are copied from.")
    Path shim;

    @Option(names = "--copy-from", paramLabel = "NAME",
        description = "The existing runtime class to copy settings from. Default: a Kata class, else the default runtime.")
    String copyFrom;

    @Option(names = "--bin-dir", defaultValue = "/usr/local/bin", paramLabel = "DIR",
        description = "Where to link the wrapper " + WRAPPER + " (default: ${DEFAULT-VALUE}); must be on the runtime"
            + " manager's PATH or containerd's <opt>/bin.")
    Path binDir;

    @Option(names = "--wrapper", paramLabel = "FILE",
        description = "The wrapper launcher to link. Default: bin/" + WRAPPER + " of this katadbg installation.")
    Path wrapper;

    @Option(names = "--katadbg-config", paramLabel = "FILE",
        description = "katadbg's config, where [shim] binary is written. Default: $KATADBG_CONFIG, else "
            + KatadbgConfig.DEFAULT_PATH + ".")
    Path katadbgConfig;

    @Option(names = "--state-dir", paramLabel = "DIR",
        description = "Where backups and the install record are kept (default: /var/lib/katadbg/install).")
    Path stateDir;

    @Option(names = "--dry-run", description = "Print a unified diff of what would change; change nothing.")
    boolean dryRun;
  }

  static Path wrapper(CommonOptions o) {
    if (o.wrapper != null) {
      return o.wrapper.toAbsolutePath();
    }
    String home = System.getProperty(HOME_PROPERTY);
    if (home == null) {
      throw new CliException(ExitCode.USAGE, "cannot tell where katadbg is installed: name the wrapper with --wrapper");
    }
    return Path.of(home, "bin", WRAPPER).toAbsolutePath().normalize();
  }

  static Path katadbgConfig(CommonOptions o, Map<String, String> env) {
    if (o.katadbgConfig != null) {
      return o.katadbgConfig.toAbsolutePath();
    }
    String e = env.get(KatadbgConfig.ENV);
    return Path.of(e != null && !e.isEmpty() ? e : KatadbgConfig.DEFAULT_PATH).toAbsolutePath();
  }

  static Installer installer(Path stateDir) {
    return new Installer(stateDir != null ? stateDir : Installer.DEFAULT_STATE_DIR);
  }

  /** Where a shim named by a runtime type may be: the bin dir, containerd's default opt/bin, PATH. */
  static List<Path> shimSearchPath(Path binDir, Map<String, String> env) {
    List<Path> dirs = new ArrayList<>();
    dirs.add(binDir);
    dirs.add(Path.of("/var/lib/containerd/opt/bin"));
    dirs.add(Path.of("/opt/kata/bin"));
    String path = env.getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    for (String d : path.split(File.pathSeparator)) {
      if (!d.isEmpty()) {
        dirs.add(Path.of(d));
      }
    }
    return dirs;
  }

  /** Prints the plan and applies it unless this is a dry run. Returns whether anything changed. */
  static boolean applyOrShow(Plan plan, Installer installer, boolean dryRun, PrintWriter out) {
    if (dryRun) {
      out.print(plan.describe());
      if (plan.isEmpty()) {
        out.println("nothing to change: the runtime class is already installed in " + plan.target());
      }
      plan.notes().forEach(n -> out.println("# " + n));
      return false;
    }
    if (plan.isEmpty()) {
      out.println("nothing to change: the runtime class is already installed in " + plan.target());
      plan.notes().stream().filter(n -> n.startsWith("warning")).forEach(out::println);
      return false;
    }
    installer.apply(plan);
    plan.changes().forEach(c -> out.println(c instanceof dev.katadbg.manager.Change.Symlink s
        ? "linked " + s.path() + " -> " + s.target() : "wrote " + c.path()));
    plan.notes().forEach(out::println);
    return true;
  }

  /** Maps a manager failure to one line and its exit status. */
  static CliException failure(ManagerException e) {
    int code = switch (e.kind()) {
      case NOT_FOUND -> ExitCode.NOT_FOUND;
      case CONFLICT -> ExitCode.CONFLICT;
      case INVALID, IO -> ExitCode.FAILURE;
    };
    return new CliException(code, e.getMessage());
  }
}
