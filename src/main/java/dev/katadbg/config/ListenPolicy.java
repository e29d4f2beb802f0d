package dev.katadbg.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a session's debugger listens. Loopback with a free port per session is the default, so
 * several sandboxes can be debugged at once (Kata's script used one fixed port on all interfaces);
 * anything reachable from another host must be asked for explicitly.
 *
 * <p>Forms: {@code 127.0.0.1:0} (a free port chosen per session), {@code HOST:PORT} (fixed),
 * {@code unix:} (a socket inside the session's 0700 directory) and {@code unix:/abs/path}.
 */
public sealed interface ListenPolicy {

  /** What the session's Delve will be told to listen on, given its state directory. */
  default String resolve(Path sessionDir, int freePort) {
    return resolve(sessionDir, freePort, "dlv.sock");
  }

  /**
   * What the session's debugger will be told to listen on; {@code socketName} names a unix
   * socket in {@code sessionDir} when no path is configured.
   */
  String resolve(Path sessionDir, int freePort, String socketName);

  /** True when a client on another host could connect. */
  boolean isRemote();

  /** The text form, as written in the config. */
  String text();

  record Tcp(String host, int port) implements ListenPolicy {
    public Tcp {
      if (host.isBlank()) {
        throw new IllegalArgumentException("empty host (write 127.0.0.1:0 for loopback)");
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port " + port + " is out of range 0-65535");
      }
    }

    /** True when a fresh free port is picked for each session. */
    public boolean picksFreePort() {
      return port == 0;
    }

    @Override
    public String resolve(Path sessionDir, int freePort, String socketName) {
      String h = host.contains(":") ? "[" + host + "]" : host;
      return h + ":" + (port == 0 ? freePort : port);
    }

    @Override
    public boolean isRemote() {
      if (host.equals("localhost")) {
        return false;
      }
      try {
        return !InetAddress.getByName(host).isLoopbackAddress();
      } catch (UnknownHostException e) {
        return true;
      }
    }

    @Override
    public String text() {
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
  }

  /** A unix socket; an empty path means {@code dlv.sock} in the session's own directory. */
  record Unix(Optional<Path> path) implements ListenPolicy {
    public Unix {
      path.ifPresent(p -> {
        if (!p.isAbsolute()) {
          throw new IllegalArgumentException("unix socket path " + p + " must be absolute");
        }
      });
    }

    @Override
    public String resolve(Path sessionDir, int freePort, String socketName) {
      return "unix:" + path.orElse(sessionDir.resolve(socketName));
    }

    @Override
    public boolean isRemote() {
      return false;
    }

    @Override
    public String text() {
      return "unix:" + path.map(Path::toString).orElse("");
    }
  }

  public static ListenPolicy parse(String text) {
    String s = text.strip();
    if (s.startsWith("unix:")) {
      String p = s.substring(5);
      return new Unix(p.isEmpty() ? Optional.empty() : Optional.of(Path.of(p)));
    }
    int colon = s.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(
          "'" + text + "' is not HOST:PORT or unix:PATH (e.g. 127.0.0.1:0 or unix:)");
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' has no numeric port");
    }
    return new Tcp(host, port);
  }
}
