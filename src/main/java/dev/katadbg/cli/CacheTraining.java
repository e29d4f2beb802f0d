package dev.katadbg.cli;

import dev.katadbg.shim.ShimWrapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The training run behind the JVM's class cache (an AOT cache on JDK 25 and later, an AppCDS
 * archive before), run once by the build with the launchers' own JVM flags. Every command and
 * the wrapper pay the JVM's class loading on each call, and a start pays it on the runtime
 * manager's clock; the cache holds the classes this run loads, parsed and linked, so a call
 * loads them mapped instead. It touches nothing outside the scratch directory it is given: the
 * configuration, the state directory and the "real shim" ({@code /bin/true}) are its own.
 */
public final class CacheTraining {
  private static final String CONFIG = """
      [shim]
      binary = "/bin/true"

      [debugger]
      path = "%1$s/no-dlv"
      listen = "127.0.0.1:0"
      wait_for_client = true
      breakpoints = ["main.main", "service.go:10"]
      start_timeout = "30s"

      [state]
      dir = "%1$s/state"
      """;

  private CacheTraining() {}

  /** {@code CacheTraining SCRATCH_DIR JAR}: runs the commands, then loads the jar's classes. */
  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      throw new IllegalArgumentException("usage: CacheTraining SCRATCH_DIR KATADBG_JAR");
    }
    Path scratch = Path.of(args[0]).toAbsolutePath();
    Files.createDirectories(scratch);
    Path config = scratch.resolve("config.toml");
    Files.writeString(config, String.format(CONFIG, scratch));
    Map<String, String> env = Map.of("KATADBG_CONFIG", config.toString(),
        "PATH", "/usr/bin:/bin");
    PrintWriter sink = new PrintWriter(OutputStream.nullOutputStream(), true,
        StandardCharsets.UTF_8);
    for (List<String> call : commands()) {
      Main.run(sink, sink, env, call.toArray(String[]::new));
    }
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream(), true,
        StandardCharsets.UTF_8);
    ShimWrapper wrapper = new ShimWrapper(env, scratch, OutputStream.nullOutputStream(), quiet);
    // A start that fails in preflight (no DWARF in /bin/true) walks the session, log and
    // failure path; a delete passes through to the "real shim".
    for (String action : List.of("start", "delete")) {
      wrapper.run(List.of("-namespace", "training", "-id", "c1", "-address",
          scratch.resolve("none.sock").toString(), action));
    }
    loadAll(Path.of(args[1]));
  }

  private static List<List<String>> commands() {
    List<List<String>> calls = new ArrayList<>();
    calls.add(List.of("--help"));
    calls.add(List.of("--version"));
    for (String c : List.of("sessions", "stop", "ps", "attach", "reattach", "detach", "connect",
        "state", "break", "continue", "stack", "ide", "run", "shim", "install", "uninstall",
        "doctor", "timeouts", "logs")) {
      calls.add(List.of(c, "--help"));
    }
    calls.add(List.of("sessions"));
    calls.add(List.of("sessions", "--json"));
    calls.add(List.of("state", "training/none"));
    return calls;
  }

  /** Loads, without initializing, every class of katadbg's own jar that the run did not. */
  private static void loadAll(Path jar) throws IOException {
    ClassLoader loader = CacheTraining.class.getClassLoader();
    try (JarFile j = new JarFile(jar.toFile())) {
      Enumeration<JarEntry> entries = j.entries();
      while (entries.hasMoreElements()) {
        String name = entries.nextElement().getName();
        if (!name.endsWith(".class") || name.endsWith("module-info.class")) {
          continue;
        }
        String cls = name.substring(0, name.length() - ".class".length()).replace('/', '.');
        try {
          Class.forName(cls, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
          throw new UncheckedIOException(new IOException("cannot load " + cls + ": " + e, e));
        }
      }
    }
  }
}
