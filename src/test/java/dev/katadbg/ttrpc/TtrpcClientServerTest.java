package dev.katadbg.ttrpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.katadbg.ttrpc.proto.Request;
import dev.katadbg.ttrpc.proto.Response;
import dev.katadbg.ttrpc.proto.Status;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Client and server against each other over real unix sockets; faults from scripted peers. */
@Timeout(30)
class TtrpcClientServerTest {
  static final String SVC = "test.Echo";
  @TempDir Path dir;

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  TtrpcServer echoServer(CountDownLatch gate) throws IOException {
    return TtrpcServer.builder()
        .register(SVC, "Echo", (ctx, p) -> p)
        .register(SVC, "Meta", (ctx, p) -> utf8(ctx.metadata(CallOptions.NAMESPACE_KEY)
            .orElse("-") + " " + ctx.timeout().map(Duration::toMillis).orElse(-1L)))
        .register(SVC, "Gate", (ctx, p) -> {
          gate.await();
          return p;
        })
        .register(SVC, "Fail", (ctx, p) -> {
          throw new TtrpcStatusException(StatusCode.NOT_FOUND, "container not created");
        })
        .serve(dir.resolve("echo.sock"));
  }

  @Test
  void unaryCallsCarryPayloadNamespaceAndDeadline() throws Exception {
    try (TtrpcServer s = echoServer(new CountDownLatch(0));
        TtrpcClient c = TtrpcClient.connect(s.socket())) {
      assertThat(c.call(SVC, "Echo", utf8("hi"), CallOptions.none())).isEqualTo(utf8("hi"));
      assertThat(new String(c.call(SVC, "Meta", new byte[0], CallOptions.none()
          .withNamespace("k8s.io").withTimeout(Duration.ofMillis(1500))), StandardCharsets.UTF_8))
          .isEqualTo("k8s.io 1500");
      assertThat(new String(c.call(SVC, "Meta", new byte[0], CallOptions.none()),
          StandardCharsets.UTF_8)).as("no deadline unless asked").isEqualTo("- -1");
      assertThatThrownBy(() -> c.call(SVC, "Fail", new byte[0], CallOptions.none()))
          .isInstanceOfSatisfying(TtrpcStatusException.class,
              e -> assertThat(e.code()).isEqualTo(StatusCode.NOT_FOUND))
          .hasMessage("NOT_FOUND: container not created");
      assertThatThrownBy(() -> c.call(SVC, "Nope", new byte[0], CallOptions.none()))
          .isInstanceOfSatisfying(TtrpcStatusException.class,
              e -> assertThat(e.code()).isEqualTo(StatusCode.UNIMPLEMENTED));
      assertThat(c.isClosed()).isFalse();
    }
    assertThat(Files.exists(dir.resolve("echo.sock"))).as("socket removed on close").isFalse();
  }

  @Test
  void concurrentCallsOnOneConnectionAreMatchedByStreamId() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    try (TtrpcServer s = echoServer(gate); TtrpcClient c = TtrpcClient.connect(s.socket())) {
      List<CompletableFuture<byte[]>> held = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        held.add(c.callAsync(SVC, "Gate", utf8("held " + i), CallOptions.none()));
      }
      // Calls behind the held ones still complete: nothing is serialized per connection.
      for (int i = 0; i < 200; i++) {
        assertThat(c.call(SVC, "Echo", utf8("n" + i), CallOptions.none()))
            .isEqualTo(utf8("n" + i));
      }
      assertThat(held).noneMatch(CompletableFuture::isDone);
      gate.countDown();
      for (int i = 0; i < 16; i++) {
        assertThat(held.get(i).get(10, TimeUnit.SECONDS)).isEqualTo(utf8("held " + i));
      }
    }
  }

  /**
   * Many threads calling at once: writes are batched, yet every frame is whole, stream ids
   * rise on the wire (a real peer is a raw reader that checks) and every reply finds its caller.
   */
  @Test
  void batchedWritesFromManyThreadsKeepFramesWholeAndStreamIdsRising() throws Exception {
    Path p = dir.resolve("order.sock");
    ServerSocketChannel ss = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    ss.bind(UnixDomainSocketAddress.of(p));
    CompletableFuture<String> peer = CompletableFuture.supplyAsync(() -> {
      try (ss; SocketChannel c = ss.accept()) {
        FrameReader r = new FrameReader(c);
        long last = -1;
        for (var f = r.read(); f.isPresent(); f = r.read()) {
          long id = f.get().unsignedStreamId();
          if (id <= last) {
            return "stream " + id + " after " + last;
          }
          last = id;
          Request req = Request.parseFrom(f.get().payload());
          send(c, FrameWriter.encode(Frame.response(f.get().streamId(), Response.newBuilder()
              .setPayload(req.getPayload()).build().toByteArray())));
        }
        return "ok";
      } catch (IOException e) {
        return e.toString();
      }
    });
    try (TtrpcClient c = TtrpcClient.connect(p)) {
      List<Thread> threads = new ArrayList<>();
      List<String> wrong = java.util.Collections.synchronizedList(new ArrayList<>());
      for (int t = 0; t < 16; t++) {
        int tn = t;
        threads.add(new Thread(() -> {
          for (int i = 0; i < 300; i++) {
            String m = tn + "/" + i;
            try {
              byte[] got = c.call(SVC, "Echo", utf8(m), CallOptions.none());
              if (!m.equals(new String(got, StandardCharsets.UTF_8))) {
                wrong.add(m);
              }
            } catch (TtrpcException e) {
              wrong.add(m + ": " + e.getMessage());
            }
          }
        }));
      }
      threads.forEach(Thread::start);
      for (Thread t : threads) {
        t.join();
      }
      assertThat(wrong).isEmpty();
    }
    assertThat(peer.get(10, TimeUnit.SECONDS)).isEqualTo("ok");
  }

  /**
   * Calls sent from callAsync callbacks run on the reader thread and are written once the
   * reader has dispatched its batch: were that flush missing, these chains would hang.
   */
  @Test
  void callsChainedFromCallbacksOnTheReaderThreadAreSent() throws Exception {
    try (TtrpcServer s = echoServer(new CountDownLatch(0));
        TtrpcClient c = TtrpcClient.connect(s.socket())) {
      int chains = 16;
      int length = 200;
      CountDownLatch done = new CountDownLatch(chains);
      List<String> wrong = java.util.Collections.synchronizedList(new ArrayList<>());
      for (int k = 0; k < chains; k++) {
        int chain = k;
        new Object() {
          void next(int i) {
            if (i == length) {
              done.countDown();
              return;
            }
            String m = chain + "/" + i;
            c.callAsync(SVC, "Echo", utf8(m), CallOptions.none()).whenComplete((r, e) -> {
              if (e != null || !m.equals(new String(r, StandardCharsets.UTF_8))) {
                wrong.add(m + ": " + e);
              }
              next(i + 1);
            });
          }
        }.next(0);
      }
      assertThat(done.await(20, TimeUnit.SECONDS)).as("all chains finished").isTrue();
      assertThat(wrong).isEmpty();
    }
  }

  @Test
  void deadlinePassesLocallyAndTheLateReplyIsDropped() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    try (TtrpcServer s = echoServer(gate); TtrpcClient c = TtrpcClient.connect(s.socket())) {
      assertThatThrownBy(() -> c.call(SVC, "Gate", utf8("x"),
          CallOptions.none().withTimeout(Duration.ofMillis(200))))
          .isInstanceOfSatisfying(TtrpcStatusException.class,
              e -> assertThat(e.code()).isEqualTo(StatusCode.DEADLINE_EXCEEDED));
      gate.countDown();
      assertThat(c.call(SVC, "Echo", utf8("after"), CallOptions.none()))
          .isEqualTo(utf8("after"));
    }
  }

  /**
   * A peer that collects a round of requests and answers them one by one in a shuffled order,
   * a little apart: the caller reading the connection gets others' replies before its own and
   * must hand the reading on when its own comes, to a blocked caller or, when only calls that
   * do not block are left, to the reader thread. A lost hand-off hangs a round.
   */
  @Test
  void repliesInAnyOrderReachBlockingTimedAndAsyncCallersAsTheReadingPasses() throws Exception {
    int blocking = 4;
    int timed = 2;
    int async = 2;
    int perRound = blocking + timed + async;
    int rounds = 30;
    Path p = dir.resolve("shuffle.sock");
    ServerSocketChannel ss = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    ss.bind(UnixDomainSocketAddress.of(p));
    Thread peer = new Thread(() -> {
      java.util.Random random = new java.util.Random(42);
      try (ss; SocketChannel c = ss.accept()) {
        FrameReader r = new FrameReader(c);
        while (true) {
          List<Frame> round = new ArrayList<>();
          while (round.size() < perRound) {
            var f = r.read();
            if (f.isEmpty()) {
              return;
            }
            round.add(f.get());
          }
          java.util.Collections.shuffle(round, random);
          for (Frame f : round) {
            Request req = Request.parseFrom(f.payload());
            send(c, FrameWriter.encode(Frame.response(f.streamId(), Response.newBuilder()
                .setPayload(req.getPayload()).build().toByteArray())));
            Thread.sleep(1);
          }
        }
      } catch (IOException | InterruptedException e) {
        // The client hung up: done.
      }
    });
    peer.setDaemon(true);
    peer.start();
    try (TtrpcClient c = TtrpcClient.connect(p)) {
      List<String> wrong = java.util.Collections.synchronizedList(new ArrayList<>());
      for (int round = 0; round < rounds; round++) {
        List<Thread> threads = new ArrayList<>();
        List<CompletableFuture<byte[]>> asyncs = new ArrayList<>();
        for (int t = 0; t < blocking + timed; t++) {
          String m = round + "/" + t;
          CallOptions o = t < blocking ? CallOptions.none()
              : CallOptions.none().withTimeout(Duration.ofSeconds(20));
          threads.add(new Thread(() -> {
            try {
              if (!m.equals(new String(c.call(SVC, "Echo", utf8(m), o),
                  StandardCharsets.UTF_8))) {
                wrong.add(m);
              }
            } catch (TtrpcException e) {
              wrong.add(m + ": " + e.getMessage());
            }
          }));
        }
        threads.forEach(Thread::start);
        for (int a = 0; a < async; a++) {
          asyncs.add(c.callAsync(SVC, "Echo", utf8(round + "/async" + a), CallOptions.none()));
        }
        for (Thread t : threads) {
          t.join(10_000);
          assertThat(t.isAlive()).as("round " + round + ": a caller still waits").isFalse();
        }
        for (int a = 0; a < async; a++) {
          assertThat(asyncs.get(a).get(10, TimeUnit.SECONDS))
              .isEqualTo(utf8(round + "/async" + a));
        }
      }
      assertThat(wrong).isEmpty();
    }
  }

  /** A callback that makes a blocking call reads its reply itself instead of waiting on itself. */
  @Test
  void aBlockingCallFromACallbackCompletes() throws Exception {
    try (TtrpcServer s = echoServer(new CountDownLatch(0));
        TtrpcClient c = TtrpcClient.connect(s.socket())) {
      CompletableFuture<byte[]> nested = c.callAsync(SVC, "Echo", utf8("outer"),
          CallOptions.none()).thenApply(r -> {
            try {
              return c.call(SVC, "Echo", utf8("inner after " + new String(r,
                  StandardCharsets.UTF_8)), CallOptions.none());
            } catch (TtrpcException e) {
              throw new java.util.concurrent.CompletionException(e);
            }
          });
      assertThat(nested.get(10, TimeUnit.SECONDS)).isEqualTo(utf8("inner after outer"));
      assertThat(c.call(SVC, "Echo", utf8("then"), CallOptions.none())).isEqualTo(utf8("then"));
    }
  }

  /**
   * A blocking caller alone in flight reads the connection itself; a second one waits for the
   * reader. Interrupting the one that waits gives up its call only; interrupting the one that
   * reads ends the connection, saying so.
   */
  @Test
  void anInterruptedWaiterGivesUpItsCallAndAnInterruptedReaderEndsTheConnection()
      throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    try (TtrpcServer s = echoServer(gate); TtrpcClient c = TtrpcClient.connect(s.socket())) {
      List<String> outcomes = java.util.Collections.synchronizedList(new ArrayList<>());
      Runnable gated = () -> {
        try {
          c.call(SVC, "Gate", utf8("x"), CallOptions.none());
          outcomes.add("replied");
        } catch (TtrpcException e) {
          outcomes.add(e.getMessage());
        }
      };
      Thread reading = new Thread(gated);
      reading.start();
      Awaitility.await("the lone caller reads its reply itself").atMost(Duration.ofSeconds(10))
          .until(() -> java.util.Arrays.stream(reading.getStackTrace()).anyMatch(f ->
              f.getClassName().equals(FrameReader.class.getName())));
      Thread waiting = new Thread(gated);
      waiting.start();
      Awaitility.await("the second caller waits").atMost(Duration.ofSeconds(10))
          .until(() -> waiting.getState() == Thread.State.WAITING);
      waiting.interrupt();
      waiting.join(10_000);
      assertThat(outcomes).containsExactly("test.Echo/Gate: interrupted");
      assertThat(c.isClosed()).isFalse();
      assertThat(reading.isAlive()).isTrue();

      reading.interrupt();
      reading.join(10_000);
      assertThat(outcomes).hasSize(2);
      assertThat(outcomes.get(1)).contains("a caller reading it was interrupted");
      assertThat(c.isClosed()).isTrue();
    } finally {
      gate.countDown();
    }
  }

  /** A scripted server: reads one request, then writes whatever {@code reply} produces. */
  TtrpcClient clientOfFakePeer(String name, Consumer<SocketChannel> reply) throws IOException {
    Path p = dir.resolve(name + ".sock");
    ServerSocketChannel ss = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    ss.bind(UnixDomainSocketAddress.of(p));
    Thread t = new Thread(() -> {
      try (ss; SocketChannel c = ss.accept()) {
        new FrameReader(c).read();
        reply.accept(c);
        Thread.sleep(60_000); // keep the connection open: only the bytes may end the call
      } catch (IOException | InterruptedException e) {
        // The client hung up: done.
      }
    });
    t.setDaemon(true);
    t.start();
    return TtrpcClient.connect(p);
  }

  static void send(SocketChannel c, byte[] bytes) {
    try {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      while (b.hasRemaining()) {
        c.write(b);
      }
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }

  static byte[] frame(long length, long stream, int type, byte[] payload) {
    return ByteBuffer.allocate(10 + payload.length).putInt((int) length).putInt((int) stream)
        .put((byte) type).put((byte) 0).put(payload).array();
  }

  static byte[] ok(String s) {
    return Response.newBuilder().setPayload(ByteString.copyFromUtf8(s)).build().toByteArray();
  }

  @Test
  void fakePeerOversizeLengthEndsTheConnectionWithAnError() throws Exception {
    try (TtrpcClient c = clientOfFakePeer("oversize",
        ch -> send(ch, frame(0xF000_0000L, 1, 2, new byte[0])))) {
      assertThatThrownBy(() -> c.call(SVC, "Echo", new byte[0], CallOptions.none()))
          .isInstanceOf(TtrpcProtocolException.class).hasMessageContaining("maximum");
      assertThat(c.isClosed()).isTrue();
      assertThatThrownBy(() -> c.call(SVC, "Echo", new byte[0], CallOptions.none()))
          .isInstanceOf(TtrpcException.class);
    }
  }

  @Test
  void fakePeerTruncatedFrameThenHangupIsAnError() throws Exception {
    try (TtrpcClient c = clientOfFakePeer("trunc", ch -> {
      send(ch, java.util.Arrays.copyOf(frame(20, 1, 2, new byte[20]), 15));
      try {
        ch.shutdownOutput();
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    })) {
      assertThatThrownBy(() -> c.call(SVC, "Echo", new byte[0], CallOptions.none()))
          .isInstanceOf(TtrpcProtocolException.class).hasMessageContaining("truncated");
    }
  }

  @Test
  void fakePeerWrongStreamIdsAreProtocolErrors() throws Exception {
    for (long wrong : new long[] {2, 3, 0xFFFF_FFFFL}) {
      try (TtrpcClient c = clientOfFakePeer("stream" + wrong,
          ch -> send(ch, frame(ok("x").length, wrong, 2, ok("x"))))) {
        assertThatThrownBy(() -> c.call(SVC, "Echo", new byte[0], CallOptions.none()))
            .as("stream " + wrong).isInstanceOf(TtrpcProtocolException.class)
            .hasMessageContaining("never opened");
      }
    }
  }

  @Test
  void fakePeerGarbagePayloadFailsTheCallOnly() throws Exception {
    byte[] garbage = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F};
    try (TtrpcClient c = clientOfFakePeer("garbage", ch -> {
      send(ch, frame(garbage.length, 1, 2, garbage));
      try {
        new FrameReader(ch).read();
      } catch (IOException e) {
        return;
      }
      send(ch, frame(ok("fine").length, 3, 2, ok("fine")));
    })) {
      assertThatThrownBy(() -> c.call(SVC, "Echo", new byte[0], CallOptions.none()))
          .isInstanceOf(TtrpcProtocolException.class).hasMessageContaining("undecodable");
      assertThat(c.call(SVC, "Echo", new byte[0], CallOptions.none())).isEqualTo(utf8("fine"));
    }
  }

  @Test
  void fakePeerStatusWithoutPayloadIsTheStatus() throws Exception {
    byte[] r = Response.newBuilder().setStatus(Status.newBuilder().setCode(5)
        .setMessage("gone")).build().toByteArray();
    try (TtrpcClient c = clientOfFakePeer("status", ch -> send(ch, frame(r.length, 1, 2, r)))) {
      assertThatThrownBy(() -> c.call(SVC, "Echo", new byte[0], CallOptions.none()))
          .hasMessage("NOT_FOUND: gone");
    }
  }

  /** A client that breaks the protocol, byte by byte, against our server. */
  @Test
  void serverAnswersGarbageRequestsAndDropsPeersThatBreakTheFraming() throws Exception {
    List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
    try (TtrpcServer s = TtrpcServer.builder().register(SVC, "Echo", (ctx, p) -> p)
        .log(log::add).serve(dir.resolve("srv.sock"))) {
      try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(s.socket()))) {
        send(c, frame(3, 1, 1, new byte[] {(byte) 0xFF, 1, 2}));
        Response r = Response.parseFrom(new FrameReader(c).read().orElseThrow().payload());
        assertThat(r.getStatus().getCode()).isEqualTo(StatusCode.INVALID_ARGUMENT);
        byte[] req = Request.newBuilder().setService(SVC).setMethod("Echo")
            .setPayload(ByteString.copyFromUtf8("ok")).build().toByteArray();
        send(c, frame(req.length, 3, 1, req));
        Frame f = new FrameReader(c).read().orElseThrow();
        assertThat(f.streamId()).isEqualTo(3);
        assertThat(Response.parseFrom(f.payload()).getPayload().toStringUtf8()).isEqualTo("ok");
        send(c, frame(req.length, 4, 1, req)); // even: the server hangs up
        assertThat(new FrameReader(c).read()).isEmpty();
      }
      try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(s.socket()))) {
        send(c, frame(0xFFFF_FFFFL, 1, 1, new byte[0]));
        assertThat(new FrameReader(c).read()).isEmpty();
      }
      // The server still serves well-behaved clients.
      try (TtrpcClient c = TtrpcClient.connect(s.socket())) {
        assertThat(c.call(SVC, "Echo", utf8("still"), CallOptions.none()))
            .isEqualTo(utf8("still"));
      }
      // The server logs a dropped peer on that peer's thread, which may run after our EOF.
      Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
          .untilAsserted(() -> assertThat(List.copyOf(log))
              .anyMatch(l -> l.contains("even stream id 4")).anyMatch(l -> l.contains("maximum")));
    }
  }
}
