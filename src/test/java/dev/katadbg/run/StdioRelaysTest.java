package dev.katadbg.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Relays on real FIFOs (mkfifo), as a run has them. */
class StdioRelaysTest {
  @TempDir Path dir;

  static void awaitStopped(StdioRelays r, StdioRelays.Role role) {
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(10)).until(() -> !r.running(role));
  }

  @Test
  void theLogComesOutWithEachLinePrefixedEvenAcrossWrites() throws Exception {
    Path log = Bundle.mkfifo(dir.resolve("log"));
    StringWriter to = new StringWriter();
    StdioRelays r = new StdioRelays();
    r.fromFifo(StdioRelays.Role.LOG, log, to, "shim: ");
    try (var w = Files.newOutputStream(log)) {
      w.write("one\ntw".getBytes(StandardCharsets.UTF_8));
      w.flush();
      w.write("o\nthree\n".getBytes(StandardCharsets.UTF_8));
    }
    awaitStopped(r, StdioRelays.Role.LOG);
    assertThat(r.running(StdioRelays.Role.LOG)).isFalse();
    assertThat(to.toString()).isEqualTo("shim: one\nshim: two\nshim: three\n");
  }

  @Test
  void releaseEndsARelayStillWaitingForAWriterOfItsRoleOnly() throws Exception {
    StdioRelays r = new StdioRelays();
    StringWriter to = new StringWriter();
    r.fromFifo(StdioRelays.Role.LOG, Bundle.mkfifo(dir.resolve("log")), to, "shim: ");
    r.fromFifo(StdioRelays.Role.STDOUT, Bundle.mkfifo(dir.resolve("stdout")), to, "");
    assertThat(r.running(StdioRelays.Role.LOG)).isTrue();

    r.release(StdioRelays.Role.LOG);
    awaitStopped(r, StdioRelays.Role.LOG);
    assertThat(r.running(StdioRelays.Role.LOG)).isFalse();
    assertThat(r.running(StdioRelays.Role.STDOUT)).as("another role's relay").isTrue();

    r.release(StdioRelays.Role.STDOUT);
    awaitStopped(r, StdioRelays.Role.STDOUT);
    assertThat(r.running(StdioRelays.Role.STDOUT)).isFalse();
    assertThat(to.toString()).isEmpty();
    r.release(StdioRelays.Role.STDERR);
  }

  @Test
  void awaitOutputLetsTheContainersLastOutputThrough() throws Exception {
    Path stdout = Bundle.mkfifo(dir.resolve("stdout"));
    StringWriter to = new StringWriter();
    StdioRelays r = new StdioRelays();
    r.fromFifo(StdioRelays.Role.STDOUT, stdout, to, "");
    try (var w = Files.newOutputStream(stdout)) {
      w.write("last words\n".getBytes(StandardCharsets.UTF_8));
    }
    r.awaitOutput();
    assertThat(to.toString()).isEqualTo("last words\n");
  }

  @Test
  void stdinIsCopiedAndItsEndIsReported() throws Exception {
    Path stdin = Bundle.mkfifo(dir.resolve("stdin"));
    CompletableFuture<byte[]> received = new CompletableFuture<>();
    // The container's end of the FIFO, as the shim holds it open after Create.
    Thread container = new Thread(() -> {
      try (var in = Files.newInputStream(stdin)) {
        received.complete(in.readAllBytes());
      } catch (IOException e) {
        received.completeExceptionally(e);
      }
    });
    container.start();
    CountDownLatch atEnd = new CountDownLatch(1);
    StdioRelays r = new StdioRelays();
    r.toFifo(stdin, new ByteArrayInputStream("hello\n".getBytes(StandardCharsets.UTF_8)),
        atEnd::countDown);
    assertThat(new String(received.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8))
        .isEqualTo("hello\n");
    assertThat(atEnd.await(10, TimeUnit.SECONDS)).isTrue();
    r.release(StdioRelays.Role.STDIN);
    container.join();
  }

  @Test
  void oneRelayPerRoleAndStdinIsNeverRead() throws IOException {
    StdioRelays r = new StdioRelays();
    Path log = Bundle.mkfifo(dir.resolve("log"));
    r.fromFifo(StdioRelays.Role.LOG, log, new StringWriter(), "");
    assertThatThrownBy(() -> r.fromFifo(StdioRelays.Role.LOG, log, new StringWriter(), ""))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> r.fromFifo(StdioRelays.Role.STDIN, log, new StringWriter(), ""))
        .isInstanceOf(IllegalArgumentException.class);
    r.release(StdioRelays.Role.LOG);
  }
}
