package dev.katadbg.delve;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * LaunchSpec says how to start a headless Delve server: which dlv, on what process (a program to
 * exec, or a pid to attach to), where to listen, and the working directory, environment and log
 * file of dlv. All paths must be absolute, because the caller (a containerd shim wrapper) runs in a
 * directory and with a PATH chosen by containerd.
 *
 * @param dlv the dlv executable
 * @param debuggee what dlv debugs
 * @param listen the address for {@code --listen}; a TCP port 0 (loopback only) is left to dlv,
 *     which binds a free one and prints it
 * @param workDir dlv's working directory, inherited by an exec'd program
 * @param environment dlv's whole environment, inherited by an exec'd program
 * @param logFile receives dlv's own stdout and stderr, appended
 * @param checkGoVersion false adds {@code --check-go-version=false}, letting a Delve debug programs
 *     built with a newer Go than it knows (with a warning about undefined behaviour)
 */
public record LaunchSpec(
    Path dlv,
    Debuggee debuggee,
    DelveAddress listen,
    Path workDir,
    Map<String, String> environment,
    Path logFile,
    boolean checkGoVersion) {

  public LaunchSpec {
    requireAbsolute(dlv, "dlv");
    Objects.requireNonNull(debuggee, "debuggee");
    Objects.requireNonNull(listen, "listen");
    requireAbsolute(workDir, "workDir");
    requireAbsolute(logFile, "logFile");
    environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
    for (var e : environment.entrySet()) {
      if (e.getKey().isEmpty() || e.getKey().indexOf('=') >= 0 || hasNul(e.getKey())) {
        throw new IllegalArgumentException(
            "invalid environment variable name '" + e.getKey() + "'");
      }
      if (hasNul(e.getValue())) {
        throw new IllegalArgumentException("environment variable " + e.getKey() + " contains NUL");
      }
    }
  }

  /** What dlv debugs: {@link Exec} or {@link Attach}. */
  public sealed interface Debuggee permits Exec, Attach {}

  /**
   * {@code dlv exec program -- args}: dlv starts the program stopped at its entry point.
   *
   * @param program an absolute path to a Go binary with DWARF
   * @param args the program's arguments
   * @param redirects files for the program's stdin/stdout/stderr; followed children inherit them
   */
  public record Exec(Path program, List<String> args, Redirects redirects) implements Debuggee {
    public Exec {
      requireAbsolute(program, "program");
      args = List.copyOf(args);
      for (String a : args) {
        if (hasNul(a)) {
          throw new IllegalArgumentException("program argument contains NUL: '" + a + "'");
        }
      }
      Objects.requireNonNull(redirects, "redirects");
    }
  }

  /**
   * {@code dlv attach pid}: needs CAP_SYS_PTRACE or kernel.yama.ptrace_scope 0 for others'
   * processes.
   */
  public record Attach(long pid) implements Debuggee {
    public Attach {
      if (pid <= 0) {
        throw new IllegalArgumentException("pid must be positive: " + pid);
      }
    }
  }

  /**
   * Redirects {@code dlv exec -r} for the program's standard streams; an empty one is inherited
   * from dlv (stdin {@code /dev/null}, stdout and stderr the log file).
   */
  public record Redirects(Optional<Path> stdin, Optional<Path> stdout, Optional<Path> stderr) {
    public Redirects {
      Objects.requireNonNull(stdin, "stdin").ifPresent(p -> requireAbsolute(p, "stdin redirect"));
      Objects.requireNonNull(stdout, "stdout")
          .ifPresent(p -> requireAbsolute(p, "stdout redirect"));
      Objects.requireNonNull(stderr, "stderr")
          .ifPresent(p -> requireAbsolute(p, "stderr redirect"));
    }

    public static Redirects none() {
      return new Redirects(Optional.empty(), Optional.empty(), Optional.empty());
    }

    public static Redirects of(Path stdin, Path stdout, Path stderr) {
      return new Redirects(Optional.of(stdin), Optional.of(stdout), Optional.of(stderr));
    }
  }

  private static void requireAbsolute(Path p, String what) {
    Objects.requireNonNull(p, what);
    if (p.toString().isEmpty() || !p.isAbsolute()) {
      throw new IllegalArgumentException(what + " must be an absolute path: '" + p + "'");
    }
  }

  private static boolean hasNul(String s) {
    return s.indexOf('\0') >= 0;
  }
}
