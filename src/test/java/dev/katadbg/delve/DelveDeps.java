package dev.katadbg.delve;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Assumptions;

/**
 * DelveDeps finds the real tools the integration tests run, under the directory the system property
 * {@code katadbg.deps} names (scripts/setup-env.sh fills it): Delve 1.24 and Go 1.24 from Debian
 * trixie, Delve 1.20.2 from bookworm. A missing tool fails the test when {@code CI=true} and skips
 * it otherwise, so CI never passes by silently skipping.
 */
final class DelveDeps {
  private DelveDeps() {}

  static Path root() {
    String prop = System.getProperty("katadbg.deps");
    if (prop == null || prop.isBlank()) {
      unavailable("system property katadbg.deps is not set");
    }
    return Path.of(prop).toAbsolutePath();
  }

  static Path dlv124() {
    return executable(root().resolve("trixie/usr/bin/dlv"));
  }

  static Path dlv120() {
    return executable(root().resolve("bookworm/usr/bin/dlv"));
  }

  static Path goroot() {
    Path goroot = root().resolve("trixie/usr/lib/go-1.24");
    executable(goroot.resolve("bin/go"));
    return goroot;
  }

  /** A minimal environment for dlv and the debuggee; HOME so dlv finds a place for its config. */
  static Map<String, String> environment(Path home) {
    return Map.of("PATH", "/usr/bin:/bin", "HOME", home.toString());
  }

  /**
   * Builds the test resource {@code forkexec/main.go} with the real Go 1.24, without optimisations
   * or inlining so Delve can stop in every function.
   */
  static Path buildForkexec(Path workDir) {
    Path goroot = goroot();
    try {
      Path src = Files.createDirectories(workDir.resolve("src"));
      try (InputStream in = DelveDeps.class.getResourceAsStream("forkexec/main.go")) {
        Files.copy(in, src.resolve("main.go"));
      }
      Path binary = workDir.resolve("forkexec");
      Path log = workDir.resolve("go-build.log");
      ProcessBuilder pb =
          new ProcessBuilder(
              goroot.resolve("bin/go").toString(),
              "build",
              "-gcflags=all=-N -l",
              "-o",
              binary.toString(),
              "main.go");
      pb.directory(src.toFile());
      pb.environment().clear();
      pb.environment()
          .putAll(
              Map.of(
                  "GOROOT", goroot.toString(),
                  "GO111MODULE", "off",
                  "GOCACHE", workDir.resolve("gocache").toString(),
                  "GOPATH", workDir.resolve("gopath").toString(),
                  "HOME", workDir.toString(),
                  "PATH", "/usr/bin:/bin",
                  "CGO_ENABLED", "0",
                  "GOFLAGS", "",
                  "GOTOOLCHAIN", "local"));
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      pb.redirectOutput(log.toFile());
      pb.redirectErrorStream(true);
      Process go = pb.start();
      if (!go.waitFor(5, TimeUnit.MINUTES)) {
        go.destroyForcibly();
        fail("go build did not finish within 5 minutes");
      }
      if (go.exitValue() != 0) {
        fail("go build failed: " + Files.readString(log));
      }
      return binary;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** True if {@code pid} exists and is not a zombie (an exited process nobody reaped yet). */
  static boolean running(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (IOException e) {
      return false;
    }
  }

  /** The command line of {@code pid}, arguments joined by spaces. */
  static String cmdline(long pid) {
    try {
      return Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ').strip();
    } catch (IOException e) {
      return "";
    }
  }

  /** Waits until {@code pid} is no longer running. */
  static boolean awaitGone(long pid, Duration timeout) {
    try {
      Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(20)).pollInSameThread()
          .until(() -> !running(pid));
      return true;
    } catch (ConditionTimeoutException e) {
      return false;
    }
  }

  /** Kills each pid still running; for test clean-up. */
  static void killAll(List<Long> pids) {
    for (long pid : pids) {
      ProcessHandle.of(pid).filter(h -> running(pid)).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  private static Path executable(Path p) {
    if (!Files.isExecutable(p)) {
      unavailable(p + " is missing (run scripts/setup-env.sh)");
    }
    return p;
  }

  private static void unavailable(String why) {
    if ("true".equals(System.getenv("CI"))) {
      fail(why);
    }
    Assumptions.abort(why);
  }
}
