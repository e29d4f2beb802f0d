package dev.katadbg.ttrpc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;

/** Writes whole frames; concurrent writers never interleave inside a frame. */
public final class FrameWriter {
  private final GatheringByteChannel out;

  public FrameWriter(GatheringByteChannel out) {
    this.out = out;
  }

  public void write(Frame f) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(Frame.HEADER_LENGTH);
    header.putInt(f.payload().length).putInt(f.streamId()).put(f.type()).put(f.flags()).flip();
    ByteBuffer[] bufs = {header, ByteBuffer.wrap(f.payload())};
    synchronized (this) {
      while (bufs[1].hasRemaining() || bufs[0].hasRemaining()) {
        out.write(bufs);
      }
    }
  }

  /** Writes the first {@code n} buffers completely, in one gathering write when it can. */
  public void writeFully(ByteBuffer[] bufs, int n) throws IOException {
    synchronized (this) {
      int first = 0;
      while (first < n) {
        out.write(bufs, first, n - first);
        while (first < n && !bufs[first].hasRemaining()) {
          first++;
        }
      }
    }
  }

  /** Puts a frame header into the first {@link Frame#HEADER_LENGTH} bytes of {@code frame}. */
  public static void header(byte[] frame, int length, int streamId, byte type, byte flags) {
    ByteBuffer.wrap(frame, 0, Frame.HEADER_LENGTH).putInt(length).putInt(streamId).put(type)
        .put(flags);
  }

  /** The header and payload bytes of {@code f}, as they go on the wire. */
  public static byte[] encode(Frame f) {
    ByteBuffer b = ByteBuffer.allocate(Frame.HEADER_LENGTH + f.payload().length);
    b.putInt(f.payload().length).putInt(f.streamId()).put(f.type()).put(f.flags())
        .put(f.payload());
    return b.array();
  }
}
