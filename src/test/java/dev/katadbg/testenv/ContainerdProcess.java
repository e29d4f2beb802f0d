package dev.katadbg.testenv;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** The containerd child process: exactly the given environment, output appended to a log file. */
final class ContainerdProcess {

  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

  private final Process process;

  private ContainerdProcess(Process process) {
    this.process = process;
  }

  /**
   * Starts {@code containerd --config CONFIG} in {@code workDir}: containerd looks up shim
   * binaries in its working directory too, so that directory must be one of ours.
   */
  static ContainerdProcess start(Path containerd, Path config, Path workDir, Path log, Map<String, String> environment) {
    ProcessBuilder builder = new ProcessBuilder(containerd.toString(), "--config", config.toString())
        .directory(workDir.toFile())
        .redirectInput(new File("/dev/null"))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().clear();
    // The wrapper's resident katadbg, started by the first shim start, in a directory of the
    // test's own: removing it at the end ends the server too.
    builder.environment().put("KATADBG_SERVER_DIR", workDir.resolve("cli").toString());
    builder.environment().putAll(environment);
    try {
      return new ContainerdProcess(builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException("start " + containerd, e);
    }
  }

  /** Polls {@code ctr version} until containerd answers; fails with the log tail otherwise. */
  void awaitReady(Ctr ctr, Duration timeout, Supplier<String> logTail) {
    AtomicReference<String> last = new AtomicReference<>();
    try {
      Awaitility.await().atMost(timeout).pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(50)).pollInSameThread().until(() -> {
            if (!process.isAlive()) {
              throw new IllegalStateException("containerd exited with status "
                  + process.exitValue() + " while starting\n--- containerd log tail ---\n"
                  + logTail.get());
            }
            try {
              CommandResult r = ctr.run(PROBE_TIMEOUT, "version");
              last.set(r.describe());
              return r.succeeded();
            } catch (AssertionError timedOut) {
              // A restarted containerd takes its socket before it serves: it first loads the
              // shims it had, and a halted one holds it up to the shim load timeout (5 s).
              last.set(timedOut.getMessage());
              return false;
            }
          });
    } catch (ConditionTimeoutException e) {
      throw new IllegalStateException("containerd did not answer within " + timeout
          + (last.get() != null ? "; last try: " + last.get() : "")
          + "\n--- containerd log tail ---\n" + logTail.get());
    }
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  int exitValue() {
    return process.exitValue();
  }

  /** SIGTERM (containerd then closes its plugins and removes its socket), SIGKILL after {@code grace}. */
  void stop(Duration grace) {
    process.destroy();
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  void kill() {
    process.destroyForcibly();
  }
}
