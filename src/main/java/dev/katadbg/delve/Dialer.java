package dev.katadbg.delve;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Dialer opens a socket to a Delve server, retrying every few milliseconds until a deadline: dlv
 * binds its listener only after it has started (or attached to) the target, which takes from
 * milliseconds to seconds, and the caller usually connects right after starting it.
 */
final class Dialer {
  static final Duration RETRY_INTERVAL = Duration.ofMillis(5);

  private Dialer() {}

  /**
   * Connects to {@code address} within {@code timeout}.
   *
   * @param giveUp polled between attempts; a reason stops retrying at once (e.g. "dlv exited")
   * @throws DelveException with the address, the last error and the time spent
   */
  static Duplex dial(DelveAddress address, Duration timeout, Supplier<Optional<String>> giveUp) {
    long deadline = System.nanoTime() + timeout.toNanos();
    IOException last;
    while (true) {
      Optional<String> stop = giveUp.get();
      if (stop.isPresent()) {
        throw new DelveException("connect to delve at " + address + ": " + stop.get());
      }
      try {
        SocketChannel channel = open(address, deadline);
        return new Duplex(channel, channel);
      } catch (IOException e) {
        last = e;
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new DelveException(
            "connect to delve at "
                + address
                + ": "
                + describe(last)
                + " after "
                + DurationText.of(timeout),
            last);
      }
      try {
        Thread.sleep(RETRY_INTERVAL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new DelveException("connect to delve at " + address + ": interrupted", e);
      }
    }
  }

  /** One connection attempt; the channel is left in blocking mode. */
  private static SocketChannel open(DelveAddress address, long deadline) throws IOException {
    if (address.isUnix()) {
      // A Unix connect fails or succeeds at once, so it needs no timeout of its own.
      SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
      try {
        ch.connect(address.socketAddress());
        return ch;
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
    }
    var target = address.socketAddress();
    SocketChannel ch = SocketChannel.open();
    try {
      // Bound each attempt by the time left: a SYN to a filtered remote port is never refused.
      long leftMillis = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
      ch.socket().connect(target, (int) Math.min(Integer.MAX_VALUE, leftMillis));
      return ch;
    } catch (UnresolvedAddressException | UnknownHostException e) {
      // Name lookup failing is not a server that is still starting: do not retry.
      ch.close();
      throw new DelveException("connect to delve at " + address + ": cannot resolve host", e);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  private static String describe(IOException e) {
    String msg = e.getMessage();
    if (msg == null || msg.isEmpty()) {
      return e.getClass().getSimpleName();
    }
    // Java says "Connection refused"; the rest of katadbg's messages are lower case, like Go's.
    if (msg.length() > 1
        && Character.isUpperCase(msg.charAt(0))
        && Character.isLowerCase(msg.charAt(1))) {
      return Character.toLowerCase(msg.charAt(0)) + msg.substring(1);
    }
    return msg;
  }
}
