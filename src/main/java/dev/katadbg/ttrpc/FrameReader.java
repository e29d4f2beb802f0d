package dev.katadbg.ttrpc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Optional;

/**
 * Reads frames from a channel. The length is checked against {@link Frame#MAX_PAYLOAD} before
 * the payload is allocated, so a hostile length costs nothing; a stream that ends inside a frame
 * is an error, one that ends between frames is a clean end.
 *
 * <p>Unlike Go's ttrpc, an oversize frame is not skipped: reading up to 4 GiB to discard it
 * would let a peer keep us busy, and nothing after it can be trusted anyway.
 */
public final class FrameReader {
  /** Small frames (every Task call) usually arrive whole in one read of this many bytes. */
  private static final int BUFFER = 64 * 1024;

  private final ReadableByteChannel in;
  private final ByteBuffer buf = ByteBuffer.allocate(BUFFER).flip();

  public FrameReader(ReadableByteChannel in) {
    this.in = in;
  }

  /** The next frame, or empty at a clean end of stream. Not thread-safe: one reader. */
  public Optional<Frame> read() throws IOException {
    if (!buffer(Frame.HEADER_LENGTH)) {
      return Optional.empty();
    }
    long length = Integer.toUnsignedLong(buf.getInt());
    int streamId = buf.getInt();
    byte type = buf.get();
    byte flags = buf.get();
    if (length > Frame.MAX_PAYLOAD) {
      throw new TtrpcProtocolException("frame on stream " + Integer.toUnsignedLong(streamId)
          + " declares " + length + " payload bytes, more than the ttrpc maximum of "
          + Frame.MAX_PAYLOAD);
    }
    // Allocated only after the check above, and at most 4 MiB.
    ByteBuffer payload = ByteBuffer.allocate((int) length);
    int buffered = Math.min(buf.remaining(), payload.capacity());
    payload.put(payload.position(), buf, buf.position(), buffered);
    payload.position(buffered);
    buf.position(buf.position() + buffered);
    while (payload.hasRemaining()) {
      if (in.read(payload) < 0) {
        throw new TtrpcProtocolException("truncated frame: stream ended after "
            + payload.position() + " of " + payload.capacity() + " payload bytes");
      }
    }
    return Optional.of(new Frame(streamId, type, flags, payload.array()));
  }

  /** Whether a whole frame is already buffered, so the next {@link #read} will not block. */
  public boolean hasBufferedFrame() {
    if (buf.remaining() < Frame.HEADER_LENGTH) {
      return false;
    }
    long length = Integer.toUnsignedLong(buf.getInt(buf.position()));
    return buf.remaining() - Frame.HEADER_LENGTH >= length;
  }

  /**
   * Makes {@code n} bytes (at most the buffer) readable; false on end of stream with nothing
   * buffered, an error on end of stream inside them.
   */
  private boolean buffer(int n) throws IOException {
    if (buf.remaining() >= n) {
      return true;
    }
    buf.compact();
    try {
      while (buf.position() < n) {
        if (in.read(buf) < 0) {
          if (buf.position() == 0) {
            return false;
          }
          throw new TtrpcProtocolException("truncated frame: stream ended after "
              + buf.position() + " of " + n + " header bytes");
        }
      }
    } finally {
      buf.flip();
    }
    return true;
  }
}
