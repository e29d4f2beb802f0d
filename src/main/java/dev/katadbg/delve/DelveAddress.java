package dev.katadbg.delve;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * DelveAddress is where a headless Delve server listens: a TCP {@code host:port} or a Unix socket
 * {@code unix:/abs/path}, in the syntax of {@code dlv --listen}.
 *
 * <p>Hosts are IPv4 literals, bracketed IPv6 literals ({@code [::1]:2345}) or host names; parsing
 * never resolves names. Port 0 is allowed and means "a free port": dlv binds one and says which
 * ({@link DelveLauncher}); gdbserver is given one from {@link #freeLoopbackPort}. Unix sockets
 * need Delve 1.22.1+.
 */
public final class DelveAddress {
  private static final String UNIX_PREFIX = "unix:";
  private static final Pattern DIGITS = Pattern.compile("[0-9]{1,5}");
  private static final Pattern IPV4 =
      Pattern.compile("([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})");
  private static final Pattern HOST_LABEL =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
  private static final Pattern NUMERIC_NAME = Pattern.compile("[0-9.]+");

  private enum Kind {
    IPV4,
    IPV6,
    NAME,
    UNIX
  }

  private final Kind kind;

  /** For TCP: the host as given, without brackets. For Unix: the socket path. */
  private final String host;

  private final int port;

  private DelveAddress(Kind kind, String host, int port) {
    this.kind = kind;
    this.host = host;
    this.port = port;
  }

  /**
   * Parses {@code host:port}, {@code [v6]:port} or {@code unix:/abs/path}.
   *
   * @throws IllegalArgumentException naming the input and what is wrong with it
   */
  public static DelveAddress parse(String text) {
    Objects.requireNonNull(text, "text");
    if (text.startsWith(UNIX_PREFIX)) {
      return parseUnix(text);
    }
    int colon = text.lastIndexOf(':');
    if (colon < 0) {
      throw bad(text, "expected host:port, [ipv6]:port or unix:/path");
    }
    String hostPart = text.substring(0, colon);
    int port = parsePort(text, text.substring(colon + 1));
    if (hostPart.startsWith("[")) {
      if (!hostPart.endsWith("]")) {
        throw bad(text, "IPv6 host must be written [addr]:port");
      }
      String v6 = hostPart.substring(1, hostPart.length() - 1);
      ipv6Literal(text, v6);
      return new DelveAddress(Kind.IPV6, v6, port);
    }
    if (hostPart.isEmpty()) {
      // dlv would listen on every interface; a debugger port open to the network is never what
      // katadbg wants, so make the caller say which host.
      throw bad(text, "host is empty (give 127.0.0.1 to listen on loopback only)");
    }
    if (hostPart.indexOf(':') >= 0) {
      throw bad(text, "IPv6 host must be written [addr]:port");
    }
    if (NUMERIC_NAME.matcher(hostPart).matches()) {
      if (!isIpv4(hostPart)) {
        throw bad(text, "'" + hostPart + "' is not an IPv4 address");
      }
      return new DelveAddress(Kind.IPV4, hostPart, port);
    }
    if (!isHostName(hostPart)) {
      throw bad(text, "'" + hostPart + "' is not a valid host name");
    }
    return new DelveAddress(Kind.NAME, hostPart, port);
  }

  private static DelveAddress parseUnix(String text) {
    String path = text.substring(UNIX_PREFIX.length());
    if (path.isEmpty()) {
      throw bad(text, "unix socket path is empty");
    }
    if (!path.startsWith("/")) {
      throw bad(text, "unix socket path must be absolute");
    }
    if (path.indexOf('\0') >= 0) {
      throw bad(text, "unix socket path contains a NUL byte");
    }
    return new DelveAddress(Kind.UNIX, path, -1);
  }

  private static int parsePort(String text, String portText) {
    if (!DIGITS.matcher(portText).matches()) {
      throw bad(text, "port '" + portText + "' is not a number from 0 to 65535");
    }
    int port = Integer.parseInt(portText);
    if (port > 65535) {
      throw bad(text, "port " + port + " is out of range 0-65535");
    }
    return port;
  }

  private static boolean isIpv4(String host) {
    var m = IPV4.matcher(host);
    if (!m.matches()) {
      return false;
    }
    for (int i = 1; i <= 4; i++) {
      if (Integer.parseInt(m.group(i)) > 255) {
        return false;
      }
    }
    return true;
  }

  private static boolean isHostName(String host) {
    if (host.length() > 253) {
      return false;
    }
    for (String label : host.split("\\.", -1)) {
      if (!HOST_LABEL.matcher(label).matches()) {
        return false;
      }
    }
    return true;
  }

  /** Validates an IPv6 literal without any DNS lookup: bracketed input is never resolved. */
  private static InetAddress ipv6Literal(String text, String v6) {
    if (v6.isEmpty() || v6.indexOf(':') < 0) {
      throw bad(text, "'" + v6 + "' is not an IPv6 address");
    }
    try {
      return InetAddress.getByName("[" + v6 + "]");
    } catch (UnknownHostException e) {
      throw bad(text, "'" + v6 + "' is not an IPv6 address");
    }
  }

  private static IllegalArgumentException bad(String text, String why) {
    return new IllegalArgumentException("invalid delve address '" + text + "': " + why);
  }

  /** True for a Unix socket. */
  public boolean isUnix() {
    return kind == Kind.UNIX;
  }

  /**
   * True if only this machine can reach the address: 127.0.0.0/8, ::1, {@code localhost} and Unix
   * sockets. Other host names count as remote: they are not resolved.
   */
  public boolean isLoopback() {
    return switch (kind) {
      case UNIX -> true;
      case IPV4 -> host.startsWith("127.");
      case IPV6 -> ipv6Literal(host, host).isLoopbackAddress();
      case NAME -> host.toLowerCase(Locale.ROOT).equals("localhost");
    };
  }

  /** The TCP host (without IPv6 brackets), empty for a Unix socket. */
  public Optional<String> host() {
    return isUnix() ? Optional.empty() : Optional.of(host);
  }

  /** The TCP port (0: not chosen yet), empty for a Unix socket. */
  public Optional<Integer> port() {
    return isUnix() ? Optional.empty() : Optional.of(port);
  }

  /** The socket path of a Unix address. */
  public Optional<Path> unixPath() {
    return isUnix() ? Optional.of(Path.of(host)) : Optional.empty();
  }

  /** This TCP address with another port. */
  public DelveAddress withPort(int newPort) {
    if (isUnix()) {
      throw new IllegalStateException("a unix socket address has no port: " + this);
    }
    if (newPort < 0 || newPort > 65535) {
      throw new IllegalArgumentException("port " + newPort + " is out of range 0-65535");
    }
    return new DelveAddress(kind, host, newPort);
  }

  /**
   * The value for {@code dlv --listen=}: {@code 127.0.0.1:1234}, {@code [::1]:1234}, {@code
   * unix:/p}.
   */
  public String toListenArg() {
    return switch (kind) {
      case UNIX -> UNIX_PREFIX + host;
      case IPV6 -> "[" + host + "]:" + port;
      case IPV4, NAME -> host + ":" + port;
    };
  }

  /** The address to connect a socket to; resolves a host name. */
  SocketAddress socketAddress() {
    if (isUnix()) {
      return UnixDomainSocketAddress.of(host);
    }
    if (port == 0) {
      throw new IllegalStateException("cannot connect to port 0: " + this);
    }
    return new InetSocketAddress(host, port);
  }

  /**
   * Finds a TCP port that is free on a loopback host right now, by binding port 0 and closing the
   * socket. Another process can take it before dlv binds it; dlv then exits with "address already
   * in use", which {@link DelveProcess#connect} reports.
   *
   * @param host a loopback host: {@code 127.0.0.1}, {@code ::1} (brackets optional), {@code
   *     localhost}
   */
  public static int freeLoopbackPort(String host) {
    Objects.requireNonNull(host, "host");
    String bare =
        host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    DelveAddress address = parse((bare.indexOf(':') >= 0 ? "[" + bare + "]" : bare) + ":0");
    if (!address.isLoopback()) {
      throw new IllegalArgumentException("not a loopback host: '" + host + "'");
    }
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getByName(bare), 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("find a free port on " + host + ": " + e.getMessage(), e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DelveAddress other
        && kind == other.kind
        && host.equals(other.host)
        && port == other.port;
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, host, port);
  }

  /** Same as {@link #toListenArg()}. */
  @Override
  public String toString() {
    return toListenArg();
  }
}
