package dev.katadbg.delve;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Objects;

/**
 * Duplex is a full-duplex byte stream: one connected socket channel in both roles, or two pipes in
 * tests. Channels are used directly rather than through {@code Channels.newInputStream}: on Java 17
 * those streams lock the channel's blocking lock for a whole read, so a blocked reader thread would
 * stall every writer (JDK-8279339, fixed in 19).
 */
record Duplex(ReadableByteChannel in, WritableByteChannel out) {
  Duplex {
    Objects.requireNonNull(in, "in");
    Objects.requireNonNull(out, "out");
  }

  /**
   * Closes both directions; a reader blocked in {@code read} gets an AsynchronousCloseException.
   */
  void close() {
    closeQuietly(in);
    closeQuietly(out);
  }

  private static void closeQuietly(java.nio.channels.Channel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      // Closing is best effort: the connection is being torn down either way.
    }
  }
}
