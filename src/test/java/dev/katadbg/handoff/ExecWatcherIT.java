package dev.katadbg.handoff;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katadbg.testenv.Await;
import dev.katadbg.testenv.TestDirs;
import dev.katadbg.testenv.TestEnv;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The real exec watcher (target/katadbg/libexec) on real processes. busybox plays the shim: its
 * {@code sh -c} is the start, an {@code exec busybox sleep} in the background the daemon (matched
 * by command line, since busybox re-executes itself for other applets too).
 */
class ExecWatcherIT {
  /** Like a Go shim's daemon, it does not keep the start's stdio (exec.Cmd gives it /dev/null). */
  static final String DAEMON = "(exec /usr/bin/busybox sleep 30 </dev/null >/dev/null 2>&1) & ";
  static TestEnv env;
  static Path busybox;
  Path dir;
  final List<Integer> started = new ArrayList<>();

  @BeforeAll
  static void parts() throws IOException {
    env = TestEnv.require(TestEnv.Part.BUSYBOX);
    busybox = env.busybox().toRealPath();
  }

  @BeforeEach
  void makeDir() {
    dir = TestDirs.create("execwatch");
  }

  /** Ends what a test left, checking by command line that a pid is still ours. */
  @AfterEach
  void cleanUp() {
    for (int p : started) {
      try {
        String cmd = Files.readString(Path.of("/proc/" + p + "/cmdline"));
        if (cmd.startsWith("/usr/bin/busybox\0sleep\0") || cmd.startsWith(busybox + "\0")) {
          ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly);
        }
      } catch (IOException e) {
        // Gone: nothing to end.
      }
    }
    TestDirs.delete(dir);
  }

  ExecWatcher watcher() {
    Path w = env.dist().resolve("libexec/" + ExecWatcher.NAME);
    assertThat(w).as("built watcher (mvn package)").isExecutable();
    return new ExecWatcher(w);
  }

  ExecWatcher.Spec spec(String script, ProcessBuilder.Redirect stdin, Duration timeout) {
    return new ExecWatcher.Spec(busybox, List.of("sh", "-c", script),
        Optional.of("sleep 30$"), Map.of("PATH", TestEnv.SYSTEM_PATH), dir, stdin,
        dir.resolve("start.stderr"), timeout);
  }

  /** Runs {@code spec}; every process it reports is ended after the test, even if it fails. */
  Handoff run(ExecWatcher.Spec spec) throws IOException {
    return watcher().start(spec).await(e -> {
      if (e instanceof WatchEvent.Daemon d) {
        started.add(d.pid());
      } else if (e instanceof WatchEvent.Started s) {
        started.add(s.pid());
      }
    });
  }

  static Optional<Character> state(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return Optional.of(stat.charAt(stat.lastIndexOf(')') + 2));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  static int tracer(int pid) throws IOException {
    return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
        .filter(l -> l.startsWith("TracerPid:")).map(l -> Integer.parseInt(l.split("\\s+")[1]))
        .findFirst().orElseThrow();
  }

  static void awaitGone(int pid) {
    Await.until("pid " + pid + " gone", Duration.ofSeconds(10),
        () -> state(pid).filter(s -> s != 'Z').isEmpty() ? Optional.of(true) : Optional.empty(),
        () -> "");
  }

  @Test
  void theDaemonIsLeftStoppedAndUntracedAndTheStartKeepsItsReplyAndStatus() throws Exception {
    Handoff h = run(spec(DAEMON + "echo unix:///run/x.sock; echo said >&2",
        ProcessBuilder.Redirect.from(new java.io.File("/dev/null")), Duration.ofSeconds(20)));
    assertThat(h.problem()).isEmpty();
    assertThat(h.startSucceeded()).isTrue();
    assertThat(new String(h.reply(), StandardCharsets.UTF_8)).isEqualTo("unix:///run/x.sock\n");
    assertThat(Files.readString(dir.resolve("start.stderr"))).isEqualTo("said\n");
    int daemon = h.daemon().orElseThrow();
    assertThat(state(daemon)).contains('T');
    assertThat(tracer(daemon)).isZero();
    assertThat(Files.readString(Path.of("/proc/" + daemon + "/cmdline")).replace('\0', ' '))
        .isEqualTo("/usr/bin/busybox sleep 30 ");
    // Stopped before its first instruction of the new program and resumable as if untouched.
    ProcessHandle.of(daemon).orElseThrow();
    new ProcessBuilder("kill", "-CONT", Integer.toString(daemon)).start().waitFor();
    Await.until("the daemon running", Duration.ofSeconds(5),
        () -> state(daemon).filter(s -> s == 'S' || s == 'R'), () -> "");
  }

  /** The runtime options reach the start unread and unchanged, whatever stdin is. */
  @ParameterizedTest
  @ValueSource(strings = {"pipe", "file", "empty", "devnull", "large"})
  void stdinReachesTheStartByteForByte(String kind) throws Exception {
    byte[] data = switch (kind) {
      case "empty", "devnull" -> new byte[0];
      case "large" -> random(8 << 20, 7);
      default -> random(4099, 3);
    };
    Path file = dir.resolve("stdin");
    ProcessBuilder.Redirect in;
    CompletableFuture<Void> writer = CompletableFuture.completedFuture(null);
    if (kind.equals("devnull")) {
      in = ProcessBuilder.Redirect.from(new java.io.File("/dev/null"));
    } else if (kind.equals("pipe")) {
      new ProcessBuilder("mkfifo", file.toString()).start().waitFor();
      writer = CompletableFuture.runAsync(() -> {
        try (OutputStream o = Files.newOutputStream(file)) {
          o.write(data);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      in = ProcessBuilder.Redirect.from(file.toFile());
    } else {
      Files.write(file, data);
      in = ProcessBuilder.Redirect.from(file.toFile());
    }
    Handoff h = run(spec(DAEMON + "busybox sha256sum", in, Duration.ofSeconds(30)));
    writer.get();
    assertThat(h.problem()).isEmpty();
    assertThat(new String(h.reply(), StandardCharsets.US_ASCII))
        .startsWith(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)));
  }

  @Test
  void aFailingStartKeepsItsStatusAndWordsAndNothingIsHeld() throws Exception {
    Handoff h = run(spec("echo partial; echo 'no such config' >&2; exit 3",
        ProcessBuilder.Redirect.from(new java.io.File("/dev/null")), Duration.ofSeconds(20)));
    assertThat(h.problem()).isEmpty();
    assertThat(h.daemon()).isEmpty();
    assertThat(h.exitStatus()).hasValue(3);
    assertThat(h.reply()).isEqualTo("partial\n".getBytes(StandardCharsets.UTF_8));
    assertThat(Files.readString(dir.resolve("start.stderr"))).isEqualTo("no such config\n");
  }

  /** As the runc shim's start does when it fails after spawning its daemon. */
  @Test
  void aDaemonKilledByItsOwnFailingStartLeavesTheStartsOwnAnswer() throws Exception {
    Handoff h = run(spec(DAEMON + "sleep 0.3; kill -9 $!; echo 'bad options' >&2; exit 1",
        ProcessBuilder.Redirect.from(new java.io.File("/dev/null")), Duration.ofSeconds(20)));
    assertThat(h.events()).anyMatch(e -> e instanceof WatchEvent.Lost);
    assertThat(h.problem()).isEmpty();
    assertThat(h.daemon()).isEmpty();
    assertThat(h.exitStatus()).hasValue(1);
    assertThat(Files.readString(dir.resolve("start.stderr"))).isEqualTo("bad options\n");
  }

  @Test
  void aSignalSentToTheStartIsDeliveredNotSwallowed() throws Exception {
    Handoff h = run(spec("trap 'echo got-usr1; exit 0' USR1; kill -USR1 $$; sleep 5; echo late",
        ProcessBuilder.Redirect.from(new java.io.File("/dev/null")), Duration.ofSeconds(20)));
    assertThat(new String(h.reply(), StandardCharsets.UTF_8)).isEqualTo("got-usr1\n");
  }

  @Test
  void aStartThatDoesNotExitIsKilledWithTheProcessItHeld() throws Exception {
    List<Integer> pids = new ArrayList<>();
    Handoff h = watcher().start(spec(DAEMON + "exec busybox sleep 60",
        ProcessBuilder.Redirect.from(new java.io.File("/dev/null")), Duration.ofMillis(800)))
        .await(e -> {
          if (e instanceof WatchEvent.Started s) {
            pids.add(s.pid());
          } else if (e instanceof WatchEvent.Daemon d) {
            pids.add(d.pid());
          }
        });
    started.addAll(pids);
    assertThat(h.problem()).hasValueSatisfying(p -> assertThat(p).contains("within 800 ms")
        .contains("held as its daemon"));
    assertThat(pids).hasSize(2);
    pids.forEach(ExecWatcherIT::awaitGone);
  }

  /**
   * A wrapper killed by its caller kills its watcher: nothing the start began may stay.
   * Repeated: killing closes the start's stdout under its reader, which failed 6 runs in 150
   * with "Stream closed" before the reply of a killed start counted as none.
   */
  @org.junit.jupiter.api.RepeatedTest(150)
  void killingTheWatcherEndsTheStartAndTheHeldDaemon() throws Exception {
    List<Integer> pids = new ArrayList<>();
    ExecWatcher.Watched w = watcher().start(spec(DAEMON + "exec busybox sleep 60",
        ProcessBuilder.Redirect.from(new java.io.File("/dev/null")), Duration.ofSeconds(60)));
    Handoff h = w.await(e -> {
      if (e instanceof WatchEvent.Started s) {
        pids.add(s.pid());
      } else if (e instanceof WatchEvent.Daemon d) {
        pids.add(d.pid());
        w.kill();
      }
    });
    started.addAll(pids);
    assertThat(h.daemon()).isEmpty();
    assertThat(h.problem()).isPresent();
    assertThat(pids).hasSize(2);
    pids.forEach(ExecWatcherIT::awaitGone);
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }
}
