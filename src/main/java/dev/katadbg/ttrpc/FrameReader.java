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
  private final ReadableByteChannel in;
  private final ByteBuffer header = ByteBuffer.allocate(Frame.HEADER_LENGTH);

  public FrameReader(ReadableByteChannel in) {
    this.in = in;
  }

  /** The next frame, or empty at a clean end of stream. Not thread-safe: one reader. */
  public Optional<Frame> read() throws IOException {
    header.clear();
    if (!fill(header, true)) {
      return Optional.empty();
    }
    header.flip();
    long length = Integer.toUnsignedLong(header.getInt());
    int streamId = header.getInt();
    byte type = header.get();
    byte flags = header.get();
    if (length > Frame.MAX_PAYLOAD) {
      throw new TtrpcProtocolException("frame on stream " + Integer.toUnsignedLong(streamId)
          + " declares " + length + " payload bytes, more than the ttrpc maximum of "
          + Frame.MAX_PAYLOAD);
    }
    ByteBuffer payload = ByteBuffer.allocate((int) length);
    if (!fill(payload, false)) {
      throw new TtrpcProtocolException("stream ended inside a frame");
    }
    return Optional.of(new Frame(streamId, type, flags, payload.array()));
  }

  /** Fills {@code b}; false on end of stream before the first byte when {@code atBoundary}. */
  private boolean fill(ByteBuffer b, boolean atBoundary) throws IOException {
    boolean started = false;
    while (b.hasRemaining()) {
      int n = in.read(b);
      if (n < 0) {
        if (atBoundary && !started) {
          return false;
        }
        throw new TtrpcProtocolException("truncated frame: stream ended after "
            + b.position() + " of " + b.capacity() + (atBoundary ? " header" : " payload")
            + " bytes");
      }
      started |= n > 0;
    }
    return true;
  }
}
