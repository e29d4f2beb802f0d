package dev.katadbg.delve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Connecting over real loopback and Unix sockets to a scripted server that starts late. */
class DialerTest {
  private static final Duration LATE = Duration.ofMillis(200);

  @Test
  void retriesUntilATcpServerListens() throws Exception {
    int port = DelveAddress.freeLoopbackPort("127.0.0.1");
    CompletableFuture<Void> server =
        CompletableFuture.runAsync(
            () -> {
              sleep(LATE);
              try (ServerSocket ss = new ServerSocket()) {
                ss.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
                try (var s = ss.accept()) {
                  answerHandshake(
                      new BufferedReader(
                          new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)),
                      s.getOutputStream());
                }
              } catch (IOException e) {
                throw new RuntimeException(e);
              }
            });

    try (DelveClient client =
        DelveClient.connect(DelveAddress.parse("127.0.0.1:" + port), Duration.ofSeconds(5))) {
      assertThat(client.version().delveVersion()).isEqualTo(new Semver(1, 24, 0));
    }
    server.get(5, TimeUnit.SECONDS);
  }

  @Test
  void retriesUntilAUnixServerListens(@TempDir Path dir) throws Exception {
    Path socket = dir.resolve("dlv.sock");
    CompletableFuture<Void> server =
        CompletableFuture.runAsync(
            () -> {
              sleep(LATE);
              try (ServerSocketChannel ss = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                ss.bind(UnixDomainSocketAddress.of(socket));
                try (SocketChannel s = ss.accept()) {
                  answerHandshake(
                      new BufferedReader(Channels.newReader(s, StandardCharsets.UTF_8)),
                      Channels.newOutputStream(s));
                }
              } catch (IOException e) {
                throw new RuntimeException(e);
              }
            });

    try (DelveClient client =
        DelveClient.connect(DelveAddress.parse("unix:" + socket), Duration.ofSeconds(5))) {
      assertThat(client.version().apiVersion()).isEqualTo(2);
    }
    server.get(5, TimeUnit.SECONDS);
  }

  @Test
  void refusedAfterTheTimeout() {
    int port = DelveAddress.freeLoopbackPort("127.0.0.1");
    long start = System.nanoTime();
    assertThatThrownBy(
            () ->
                DelveClient.connect(
                    DelveAddress.parse("127.0.0.1:" + port), Duration.ofMillis(300)))
        .isInstanceOf(DelveException.class)
        .hasMessage("connect to delve at 127.0.0.1:" + port + ": connection refused after 300ms");
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isBetween(Duration.ofMillis(300), Duration.ofSeconds(3));
  }

  @Test
  void missingUnixSocket(@TempDir Path dir) {
    Path socket = dir.resolve("none.sock");
    assertThatThrownBy(
            () -> DelveClient.connect(DelveAddress.parse("unix:" + socket), Duration.ofMillis(50)))
        .isInstanceOf(DelveException.class)
        .hasMessageStartingWith("connect to delve at unix:" + socket + ": ")
        .hasMessageEndingWith(" after 50ms");
  }

  @Test
  void giveUpStopsRetrying() {
    int port = DelveAddress.freeLoopbackPort("127.0.0.1");
    assertThatThrownBy(
            () ->
                Dialer.dial(
                    DelveAddress.parse("127.0.0.1:" + port),
                    Duration.ofSeconds(30),
                    () -> Optional.of("dlv exited with status 1")))
        .isInstanceOf(DelveException.class)
        .hasMessage("connect to delve at 127.0.0.1:" + port + ": dlv exited with status 1");
  }

  @Test
  void silentServerFailsTheHandshake() throws Exception {
    try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      assertThatThrownBy(
              () ->
                  DelveClient.connect(
                      DelveAddress.parse("127.0.0.1:" + ss.getLocalPort()),
                      Duration.ofSeconds(5),
                      Duration.ofMillis(300)))
          .isInstanceOf(DelveException.class)
          .hasMessage(
              "delve GetVersion: no reply from 127.0.0.1:"
                  + ss.getLocalPort()
                  + " within 300ms (is it a delve server?)");
    }
  }

  private static void answerHandshake(BufferedReader in, OutputStream out) {
    try {
      var request = JsonParser.parseString(in.readLine()).getAsJsonObject();
      assertThat(request.get("method").getAsString()).isEqualTo("RPCServer.GetVersion");
      var reply =
          JsonParser.parseString(FakeDelveServer.resource("getversion-1.24.0")).getAsJsonObject();
      reply.add("id", request.get("id"));
      out.write((reply + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      // Hold the connection until the client closes it.
      in.readLine();
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
