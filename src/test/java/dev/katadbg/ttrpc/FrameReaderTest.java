package dev.katadbg.ttrpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.katadbg.ttrpc.proto.Request;
import dev.katadbg.ttrpc.proto.Response;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class FrameReaderTest {
  static ReadableByteChannel of(byte[] b) {
    return Channels.newChannel(new ByteArrayInputStream(b));
  }

  /** A channel that hands out at most {@code chunk} bytes per read, like a slow socket. */
  static ReadableByteChannel trickle(byte[] b, int chunk) {
    ByteArrayInputStream in = new ByteArrayInputStream(b);
    return new ReadableByteChannel() {
      @Override
      public int read(ByteBuffer dst) {
        int n = Math.min(chunk, Math.min(dst.remaining(), in.available()));
        if (n == 0) {
          return in.available() == 0 ? -1 : 0;
        }
        byte[] tmp = new byte[n];
        in.read(tmp, 0, n);
        dst.put(tmp);
        return n;
      }

      @Override
      public boolean isOpen() {
        return true;
      }

      @Override
      public void close() {}
    };
  }

  static byte[] header(long length, long stream, int type, int flags) {
    return ByteBuffer.allocate(10).putInt((int) length).putInt((int) stream).put((byte) type)
        .put((byte) flags).array();
  }

  @Test
  void roundTripsFramesAndEndsCleanlyAtAFrameBoundary() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    FrameWriter w = new FrameWriter(new GatheringSink(out));
    w.write(Frame.request(1, "abc".getBytes()));
    w.write(new Frame(0xFFFF_FFFF, Frame.TYPE_DATA, Frame.FLAG_REMOTE_CLOSED, new byte[0]));
    assertThat(out.toByteArray()).startsWith(0, 0, 0, 3, 0, 0, 0, 1, 1, 0, 'a', 'b', 'c');
    FrameReader r = new FrameReader(trickle(out.toByteArray(), 3));
    Frame a = r.read().orElseThrow();
    assertThat(a.streamId()).isEqualTo(1);
    assertThat(a.payload()).containsExactly('a', 'b', 'c');
    Frame b = r.read().orElseThrow();
    assertThat(b.unsignedStreamId()).isEqualTo(0xFFFF_FFFFL);
    assertThat(b.flags()).isEqualTo(Frame.FLAG_REMOTE_CLOSED);
    assertThat(r.read()).isEmpty();
  }

  @Test
  void hasBufferedFrameSaysWhetherTheNextReadCanBlock() throws IOException {
    byte[] two = new byte[10 + 3 + 10 + 5];
    System.arraycopy(header(3, 1, 2, 0), 0, two, 0, 10);
    System.arraycopy(header(5, 3, 2, 0), 0, two, 13, 10);
    FrameReader r = new FrameReader(of(two));
    assertThat(r.hasBufferedFrame()).as("nothing read yet").isFalse();
    r.read().orElseThrow();
    assertThat(r.hasBufferedFrame()).as("second frame arrived with the first").isTrue();
    r.read().orElseThrow();
    assertThat(r.hasBufferedFrame()).isFalse();
    FrameReader partial = new FrameReader(trickle(two, 16));
    partial.read().orElseThrow();
    assertThat(partial.hasBufferedFrame()).as("only 3 bytes of the next header").isFalse();
  }

  @Test
  void oversizeLengthIsRejectedBeforeAnyAllocation() {
    // 0xFFFFFFFF bytes declared, none sent: an allocation would be 4 GiB.
    FrameReader r = new FrameReader(of(header(0xFFFF_FFFFL, 1, 2, 0)));
    assertThatThrownBy(r::read).isInstanceOf(TtrpcProtocolException.class)
        .hasMessageContaining("4294967295").hasMessageContaining("maximum");
    FrameReader justOver = new FrameReader(of(header(Frame.MAX_PAYLOAD + 1, 1, 2, 0)));
    assertThatThrownBy(justOver::read).isInstanceOf(TtrpcProtocolException.class);
  }

  @Test
  void maximumLengthIsAccepted() throws IOException {
    byte[] b = new byte[10 + Frame.MAX_PAYLOAD];
    System.arraycopy(header(Frame.MAX_PAYLOAD, 1, 2, 0), 0, b, 0, 10);
    assertThat(new FrameReader(of(b)).read().orElseThrow().payload()).hasSize(Frame.MAX_PAYLOAD);
  }

  @Test
  void truncatedHeaderAndPayloadAreErrors() {
    assertThatThrownBy(() -> new FrameReader(of(new byte[] {0, 0, 0})).read())
        .isInstanceOf(TtrpcProtocolException.class).hasMessageContaining("3 of 10 header");
    byte[] partial = new byte[14];
    System.arraycopy(header(8, 1, 2, 0), 0, partial, 0, 10);
    assertThatThrownBy(() -> new FrameReader(of(partial)).read())
        .isInstanceOf(TtrpcProtocolException.class).hasMessageContaining("4 of 8 payload");
  }

  static LongStream seeds() {
    return LongStream.range(0, 200).map(i -> 0x5eed_0000L + i);
  }

  /**
   * Randomized decoder test: valid streams mutated (bit flips, truncation, spliced garbage,
   * random lengths up to 2^32-1) must decode into frames or end in a TtrpcProtocolException —
   * never another exception, never a frame over the maximum, and always terminate (the reads are
   * bounded by the input, so a hang would show as a test timeout).
   */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void mutatedStreamsDecodeOrFailWithAProtocolError(long seed) throws IOException {
    Random rnd = new Random(seed);
    byte[] input = mutate(rnd, validStream(rnd));
    FrameReader r = new FrameReader(trickle(input, 1 + rnd.nextInt(64)));
    List<Frame> frames = new ArrayList<>();
    long total = 0;
    try {
      for (Optional<Frame> f = r.read(); f.isPresent(); f = r.read()) {
        frames.add(f.get());
        total += 10 + f.get().payload().length;
        assertThat(f.get().payload().length).isLessThanOrEqualTo(Frame.MAX_PAYLOAD);
        // Every decoded payload is either a valid envelope or a clean protobuf error.
        decodeEnvelopes(f.get().payload());
      }
      assertThat(total).as("a clean end consumed the whole input").isEqualTo(input.length);
    } catch (TtrpcProtocolException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
    assertThat(total).isLessThanOrEqualTo(input.length);
  }

  private static void decodeEnvelopes(byte[] payload) {
    try {
      Request.parseFrom(payload);
    } catch (InvalidProtocolBufferException e) {
      assertThat(e).hasMessageNotContaining("OutOfMemory");
    }
    try {
      Response.parseFrom(payload);
    } catch (InvalidProtocolBufferException e) {
      assertThat(e).hasMessageNotContaining("OutOfMemory");
    }
  }

  private static byte[] validStream(Random rnd) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    FrameWriter w = new FrameWriter(new GatheringSink(out));
    int n = 1 + rnd.nextInt(5);
    for (int i = 0; i < n; i++) {
      byte[] p = Request.newBuilder().setService("containerd.task.v2.Task")
          .setMethod("State").setTimeoutNano(rnd.nextLong()).build().toByteArray();
      w.write(new Frame(1 + 2 * rnd.nextInt(1000), (byte) (1 + rnd.nextInt(3)),
          (byte) rnd.nextInt(8), p));
    }
    return out.toByteArray();
  }

  private static byte[] mutate(Random rnd, byte[] in) {
    byte[] b = in.clone();
    switch (rnd.nextInt(5)) {
      case 0 -> { // bit flips anywhere, headers included
        for (int i = 0, n = 1 + rnd.nextInt(8); i < n; i++) {
          int at = rnd.nextInt(b.length);
          b[at] ^= (byte) (1 << rnd.nextInt(8));
        }
      }
      case 1 -> { // truncated anywhere
        b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length));
      }
      case 2 -> { // a random length in the first header, up to 2^32-1
        ByteBuffer.wrap(b).putInt(0, rnd.nextInt());
      }
      case 3 -> { // pure garbage
        b = new byte[rnd.nextInt(4096)];
        rnd.nextBytes(b);
      }
      default -> { // garbage spliced into the middle
        byte[] g = new byte[1 + rnd.nextInt(32)];
        rnd.nextBytes(g);
        int at = rnd.nextInt(b.length);
        byte[] out = new byte[b.length + g.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(g, 0, out, at, g.length);
        System.arraycopy(b, at, out, at + g.length, b.length - at);
        b = out;
      }
    }
    return b;
  }

  /** A gathering channel into a byte stream, for the writer. */
  static final class GatheringSink implements java.nio.channels.GatheringByteChannel {
    private final ByteArrayOutputStream out;

    GatheringSink(ByteArrayOutputStream out) {
      this.out = out;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) {
      long n = 0;
      for (int i = offset; i < offset + length; i++) {
        n += write(srcs[i]);
      }
      return n;
    }

    @Override
    public long write(ByteBuffer[] srcs) {
      return write(srcs, 0, srcs.length);
    }

    @Override
    public int write(ByteBuffer src) {
      int n = src.remaining();
      byte[] tmp = new byte[n];
      src.get(tmp);
      out.write(tmp, 0, n);
      return n;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }
}
