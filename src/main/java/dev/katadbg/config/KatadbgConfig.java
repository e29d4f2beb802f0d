package dev.katadbg.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * katadbg's own configuration: which real shim the wrapper runs and how the debugger is set up.
 * It is a file rather than a script to edit (Kata's wrapper needed SHIM_BINARY and PATH changed
 * in place), found at {@value #DEFAULT_PATH} or wherever {@value #ENV} points — containerd passes
 * its environment to shims, so a private containerd can point its wrapper at its own file.
 */
public record KatadbgConfig(
    Optional<Path> source, Optional<Path> shimBinary, DebuggerSettings debugger, Path stateDir) {

  public static final String DEFAULT_PATH = "/etc/katadbg/config.toml";
  public static final String ENV = "KATADBG_CONFIG";
  public static final Path DEFAULT_STATE_DIR = Path.of("/run/katadbg");

  public KatadbgConfig {
    shimBinary.ifPresent(p -> requireAbsolute("shim.binary", p));
    requireAbsolute("state.dir", stateDir);
  }

  /** How each session's Delve is launched and prepared. */
  public record DebuggerSettings(
      String path,
      ListenPolicy listen,
      boolean waitForClient,
      Optional<String> followExecRegex,
      List<String> breakpoints,
      Duration startTimeout,
      OnFailure onFailure,
      boolean checkGoVersion,
      Target target,
      Kind kind,
      String gdb,
      String gdbserver) {

    public DebuggerSettings {
      if (path.isBlank()) {
        throw new IllegalArgumentException("debugger.path is empty");
      }
      breakpoints = List.copyOf(breakpoints);
      java.util.Objects.requireNonNull(target, "debugger.target");
      java.util.Objects.requireNonNull(kind, "debugger.kind");
      if (gdb.isBlank() || gdbserver.isBlank()) {
        throw new IllegalArgumentException("debugger.gdb and debugger.gdbserver must not be empty");
      }
      if (startTimeout.isNegative() || startTimeout.isZero()) {
        throw new IllegalArgumentException("debugger.start_timeout must be positive");
      }
    }

    public static DebuggerSettings defaults() {
      return new DebuggerSettings("dlv", new ListenPolicy.Tcp("127.0.0.1", 0), true,
          Optional.empty(), List.of(), Duration.ofSeconds(30), OnFailure.FAIL, true, Target.DAEMON, Kind.AUTO, "gdb", "gdbserver");
    }
  }

  /** Which debugger a shim's daemon is handed to. */
  public enum Kind {
    /** Delve for a Go binary (its ELF carries Go build info), gdb for any other. */
    AUTO,
    DELVE,
    GDB;

    /**
     * The debugger a shim goes to: this kind, or for {@link #AUTO} Delve when {@code goBinary}
     * says the shim is Go (its ELF carries Go build info, which no other toolchain writes) and
     * gdb otherwise. {@code goBinary} is asked only for AUTO: reading a 68 MB ELF is not free.
     */
    public Kind resolve(java.util.function.BooleanSupplier goBinary) {
      if (this != AUTO) {
        return this;
      }
      return goBinary.getAsBoolean() ? DELVE : GDB;
    }
  }

  /** Which process of a shim's start the debugger gets. */
  public enum Target {
    /**
     * The daemon the start re-executes, alone: the start runs untraced under katadbg's exec
     * watcher, the daemon is stopped before its first instruction and Delve attaches to it.
     */
    DAEMON,
    /**
     * The start process itself, launched by Delve ({@code dlv exec}), for debugging
     * {@code start}; the daemon it spawns runs undebugged.
     */
    START
  }

  /** What the wrapper does when the debugger cannot be set up. */
  public enum OnFailure {
    /** The container fails to start, with the reason as containerd's error text. */
    FAIL,
    /** The container starts without the debugger; the reason goes to the session log. */
    PASSTHROUGH
  }

  public static KatadbgConfig defaults() {
    return new KatadbgConfig(
        Optional.empty(), Optional.empty(), DebuggerSettings.defaults(), DEFAULT_STATE_DIR);
  }

  /**
   * Loads the file named by {@value #ENV}, else {@value #DEFAULT_PATH}. A missing default file
   * means defaults; a missing file named explicitly is an error, since it is surely a typo.
   */
  public static KatadbgConfig load(Map<String, String> env) {
    String explicit = env.get(ENV);
    Path path = Path.of(explicit != null && !explicit.isEmpty() ? explicit : DEFAULT_PATH);
    try {
      return parse(Files.readString(path, StandardCharsets.UTF_8), path);
    } catch (NoSuchFileException e) {
      if (explicit != null && !explicit.isEmpty()) {
        throw new ConfigException(
            "config " + path + " (from " + ENV + ") does not exist: create it or unset " + ENV);
      }
      return defaults();
    } catch (IOException e) {
      throw new ConfigException("cannot read config " + path + ": " + e.getMessage(), e);
    }
  }

  /** Parses and validates TOML text; {@code source} is only used to name the file in errors. */
  public static KatadbgConfig parse(String toml, Path source) {
    return new ConfigReader(source).read(toml);
  }

  /** The real shim, or an error that says which key to set in which file. */
  public Path requireShimBinary() {
    return shimBinary.orElseThrow(() -> new ConfigException(
        "no real shim configured: set [shim] binary in "
            + source.map(Path::toString).orElse(DEFAULT_PATH) + " (or point " + ENV
            + " at a config that does)"));
  }

  private static void requireAbsolute(String key, Path p) {
    if (!p.isAbsolute()) {
      throw new IllegalArgumentException(key + " must be an absolute path, not " + p);
    }
  }
}
