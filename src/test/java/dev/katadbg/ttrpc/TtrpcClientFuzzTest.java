package dev.katadbg.ttrpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.katadbg.ttrpc.proto.Response;
import dev.katadbg.ttrpc.proto.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Randomized malformed peer (a fake, since no real shim sends these): with calls in flight, the
 * peer answers with a random mix of good replies, replies on wrong stream ids (even, never
 * opened, repeated), wrong frame types, oversize lengths, garbage payloads and truncated frames,
 * then hangs up. Every call must end — with its own reply or a TtrpcException — and the client
 * must end up closed; no other exception, no hang.
 */
@Timeout(60)
class TtrpcClientFuzzTest {
  static final int CALLS = 8;

  static LongStream seeds() {
    return LongStream.range(0, 150).map(i -> 0xf022_0000L + i);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void fakeMalformedPeerEndsEveryCallWithAReplyOrATtrpcException(long seed) throws Exception {
    Random rnd = new Random(seed);
    SocketChannel[] pair = pair();
    try (TtrpcClient c = TtrpcClient.over(pair[0], "fuzz peer " + seed);
        SocketChannel peer = pair[1]) {
      List<CompletableFuture<byte[]>> calls = new ArrayList<>();
      for (int i = 0; i < CALLS; i++) {
        calls.add(c.callAsync("fuzz.Svc", "M", ("call " + i).getBytes(StandardCharsets.UTF_8),
            CallOptions.none()));
      }
      FrameReader requests = new FrameReader(peer);
      for (int i = 0; i < CALLS; i++) {
        requests.read().orElseThrow();
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int pieces = 1 + rnd.nextInt(12);
      for (int p = 0; p < pieces; p++) {
        out.writeBytes(piece(rnd));
      }
      byte[] bytes = out.toByteArray();
      if (rnd.nextBoolean() && bytes.length > 0) {
        bytes = java.util.Arrays.copyOf(bytes, rnd.nextInt(bytes.length)); // truncated
      }
      try {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
          peer.write(b);
        }
      } catch (IOException e) {
        // The client hung up first (it saw a protocol error): fine.
      }
      peer.close();
      for (int i = 0; i < CALLS; i++) {
        try {
          byte[] got = calls.get(i).get(10, TimeUnit.SECONDS);
          assertThat(new String(got, StandardCharsets.UTF_8)).isEqualTo("reply " + (2 * i + 1));
        } catch (ExecutionException e) {
          assertThat(e.getCause()).isInstanceOf(TtrpcException.class);
          assertThat(e.getCause().getMessage()).isNotBlank();
        }
      }
      assertThat(c.isClosed()).as("the peer hung up").isTrue();
    }
  }

  /** One random frame (or frame-like bytes); good replies echo "reply <stream>". */
  static byte[] piece(Random rnd) {
    long stream = 1 + 2L * rnd.nextInt(CALLS);
    byte[] good = Response.newBuilder().setPayload(ByteString.copyFromUtf8("reply " + stream))
        .build().toByteArray();
    return switch (rnd.nextInt(9)) {
      case 0, 1, 2 -> frame(good.length, stream, Frame.TYPE_RESPONSE, good);
      case 3 -> frame(good.length, 2L * rnd.nextInt(100), Frame.TYPE_RESPONSE, good); // even
      case 4 -> frame(good.length, 1001 + 2L * rnd.nextInt(100), Frame.TYPE_RESPONSE, good);
      case 5 -> frame(good.length, stream, rnd.nextBoolean() ? Frame.TYPE_DATA
          : Frame.TYPE_REQUEST, good);
      case 6 -> frame(Frame.MAX_PAYLOAD + 1 + (rnd.nextLong() & 0x7FFF_FFFFL), stream,
          Frame.TYPE_RESPONSE, new byte[0]); // oversize length
      case 7 -> {
        // Starts with tag 0, which protobuf rejects: random bytes could otherwise happen to be
        // a valid (empty, OK) Response, a legitimate reply.
        byte[] garbage = new byte[1 + rnd.nextInt(40)];
        rnd.nextBytes(garbage);
        garbage[0] = 0;
        yield frame(garbage.length, stream, Frame.TYPE_RESPONSE, garbage);
      }
      // An error status (OK with no payload would be a legitimate empty reply).
      default -> frame(0, stream, Frame.TYPE_RESPONSE, Response.newBuilder()
          .setStatus(Status.newBuilder().setCode(1 + rnd.nextInt(16)).setMessage("x")).build()
          .toByteArray());
    };
  }

  static byte[] frame(long length, long stream, byte type, byte[] payload) {
    // For case 8 the declared length is fixed up to the payload's.
    long len = length == 0 ? payload.length : length;
    return ByteBuffer.allocate(10 + payload.length).putInt((int) len).putInt((int) stream)
        .put(type).put((byte) 0).put(payload).array();
  }

  static SocketChannel[] pair() throws IOException {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("ttrpc-fuzz");
    java.nio.file.Path sock = dir.resolve("s");
    try (var server = java.nio.channels.ServerSocketChannel.open(
        java.net.StandardProtocolFamily.UNIX)) {
      server.bind(java.net.UnixDomainSocketAddress.of(sock));
      SocketChannel client = SocketChannel.open(java.net.UnixDomainSocketAddress.of(sock));
      SocketChannel accepted = server.accept();
      return new SocketChannel[] {client, accepted};
    } finally {
      java.nio.file.Files.deleteIfExists(sock);
      java.nio.file.Files.deleteIfExists(dir);
    }
  }
}
