package dev.katadbg.handoff;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a shim's {@code start} under the native exec watcher and collects the {@link Handoff}.
 *
 * <p>The start process gets {@link Spec#stdin} as it is (the wrapper passes its own stdin
 * through, so the runtime options are never read or copied here) and a pipe for stdout, whose
 * bytes are the reply; its stderr goes to a file. The watcher's own events come on its stderr.
 */
public final class ExecWatcher {
  /** The watcher's file name in the installed tree: {@code <home>/libexec/katadbg-execwatch}. */
  public static final String NAME = "katadbg-execwatch";
  private static final int MAX_REPLY = 1 << 20;
  /** After the start exited, how long a process it left holding its stdout may delay the reply. */
  private static final Duration STDOUT_GRACE = Duration.ofSeconds(2);

  /**
   * Starts the watcher's command line for a spec: as a child of this JVM ({@link #LOCAL}), or
   * through the native front of a served start, which runs it as its own child.
   */
  public interface Spawner {
    WatcherProcess spawn(List<String> command, Spec spec) throws IOException;
  }

  /** The watcher as a child of this JVM, with the spec's stdin, environment and directory. */
  public static final Spawner LOCAL = (command, spec) -> {
    ProcessBuilder pb = new ProcessBuilder(command).directory(spec.dir().toFile())
        .redirectInput(spec.stdin());
    pb.environment().clear();
    pb.environment().putAll(spec.env());
    return WatcherProcess.of(pb.start());
  };

  private final Path watcher;
  private final Spawner spawner;

  public ExecWatcher(Path watcher) {
    this(watcher, LOCAL);
  }

  public ExecWatcher(Path watcher, Spawner spawner) {
    this.watcher = Objects.requireNonNull(watcher, "watcher");
    this.spawner = Objects.requireNonNull(spawner, "spawner");
  }

  /**
   * What to run.
   *
   * @param shim the real shim, an absolute path; the daemon is the first descendant that execs it
   * @param args the shim's arguments (ending in {@code start})
   * @param daemonRegex when set, a POSIX extended regex the daemon's command line (arguments
   *     joined by spaces) must match instead
   * @param env the start process's whole environment
   * @param dir its working directory (the bundle)
   * @param stdin its stdin
   * @param stderr the file its stderr is appended to
   * @param timeout how long the start may run before it and its daemon are killed
   */
  public record Spec(Path shim, List<String> args, Optional<String> daemonRegex,
      Map<String, String> env, Path dir, ProcessBuilder.Redirect stdin, Path stderr,
      Duration timeout) {
    public Spec {
      if (!shim.isAbsolute()) {
        throw new IllegalArgumentException("shim must be an absolute path: " + shim);
      }
      args = List.copyOf(args);
      env = Map.copyOf(env);
      Objects.requireNonNull(daemonRegex, "daemonRegex");
      Objects.requireNonNull(dir, "dir");
      Objects.requireNonNull(stdin, "stdin");
      Objects.requireNonNull(stderr, "stderr");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive: " + timeout);
      }
    }
  }

  /**
   * Where the watcher is installed: {@code <katadbg.home>/libexec}, else next to the jar katadbg
   * runs from ({@code lib/../libexec}), else, for a build tree's classes, the packaged tree
   * {@code target/katadbg/libexec}.
   */
  public static Optional<Path> locate(Optional<String> home) {
    return dev.katadbg.files.Libexec.find(home, NAME);
  }

  /** The watcher's command line for {@code spec}. */
  List<String> command(Spec spec) {
    List<String> cmd = new ArrayList<>(List.of(watcher.toString(), "--stderr",
        spec.stderr().toString(), "--daemon-exe", spec.shim().toString(), "--timeout-ms",
        Long.toString(spec.timeout().toMillis())));
    spec.daemonRegex().ifPresent(r -> {
      cmd.add("--daemon-regex");
      cmd.add(r);
    });
    cmd.add("--");
    cmd.add(spec.shim().toString());
    cmd.addAll(spec.args());
    return cmd;
  }

  /**
   * Starts the shim's start under the watcher.
   *
   * @throws IOException if the watcher cannot be started
   */
  public Watched start(Spec spec) throws IOException {
    WatcherProcess p = spawner.spawn(command(spec), spec);
    return new Watched(p, readAll(p.stdout()), spec.timeout());
  }

  /** A start running under the watcher. */
  public static final class Watched {
    private final WatcherProcess process;
    private final CompletableFuture<byte[]> stdout;
    private final Duration timeout;
    private final List<WatchEvent> events = new ArrayList<>();
    private volatile boolean killed;

    private Watched(WatcherProcess process, CompletableFuture<byte[]> stdout, Duration timeout) {
      this.process = process;
      this.stdout = stdout;
      this.timeout = timeout;
    }

    /** The watcher's pid. */
    public long pid() {
      return process.pid();
    }

    /**
     * Waits for the start to end and the daemon to be handed over (the watcher ends then).
     * {@code onEvent} sees each event as it comes, for the session log.
     */
    public Handoff await(java.util.function.Consumer<WatchEvent> onEvent) throws IOException {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.events(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = readLine(r)) != null) {
          Optional<WatchEvent> e = WatchEvent.parse(line);
          if (e.isEmpty()) {
            e = Optional.of(new WatchEvent.Error("unexpected watcher output: " + line));
          }
          events.add(e.get());
          onEvent.accept(e.get());
        }
      }
      int exit;
      try {
        // Its stderr closed: the watcher is exiting. The bound only guards against a kernel
        // that keeps it (the watcher's own limit is the start's timeout).
        if (!process.waitFor(timeout.plusSeconds(5))) {
          process.kill();
          throw new IOException("the exec watcher did not exit");
        }
        exit = process.exitValue();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.kill();
        throw new IOException("interrupted while the shim started");
      }
      return Handoff.of(events, reply(), exit);
    }

    /** The next event line; none once the watcher is gone, even if it was killed mid-line. */
    private String readLine(BufferedReader r) throws IOException {
      try {
        return r.readLine();
      } catch (IOException e) {
        // kill() closes the streams under the reader: that is the end of the events.
        if (killed || !process.isAlive()) {
          return null;
        }
        throw e;
      }
    }

    private byte[] reply() throws IOException {
      try {
        return stdout.get(STDOUT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        // A process the start left behind holds its stdout; what the start wrote is the reply.
        stdout.cancel(true);
        throw new IOException("a process the shim's start left behind holds its stdout open"
            + " (the reply cannot be read to its end)");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted reading the shim's reply");
      } catch (ExecutionException e) {
        if (killed) {
          // kill() closes the start's stdout under its reader too (Process.destroyForcibly
          // closes the streams): a killed start has no reply to relay. Seen in CI, 6 in 150.
          return new byte[0];
        }
        throw new IOException("reading the shim's reply: " + e.getCause().getMessage(),
            e.getCause());
      }
    }

    /** Ends the watcher; by PTRACE_O_EXITKILL everything it traces ends with it. */
    public void kill() {
      killed = true;
      process.kill();
    }
  }

  /** Reads up to 1 MiB and keeps draining, so a chatty start never blocks on a full pipe. */
  private static CompletableFuture<byte[]> readAll(InputStream in) {
    CompletableFuture<byte[]> f = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try (in) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) > 0) {
          b.write(buf, 0, Math.min(n, Math.max(0, MAX_REPLY - b.size())));
        }
        f.complete(b.toByteArray());
      } catch (IOException e) {
        f.completeExceptionally(new UncheckedIOException(e));
      }
    }, "shim-stdout");
    t.setDaemon(true);
    t.start();
    return f;
  }

}
