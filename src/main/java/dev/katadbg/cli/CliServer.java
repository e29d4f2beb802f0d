package dev.katadbg.cli;

import dev.katadbg.shim.ServedStart;
import dev.katadbg.wire.Frames;
import dev.katadbg.wire.Wire;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * A resident katadbg that runs query commands for {@code katadbg-client} (src/main/c/client.c),
 * so that {@code katadbg sessions} costs a connection instead of a JVM's start-up: a person
 * types these dozens of times a minute and scripts poll them. It serves one user (the owner of
 * its 0600 socket in a 0700 directory, checked again by peer credentials), runs each command
 * exactly as {@link Main#run} does with the caller's environment, and exits after {@link #IDLE}
 * without a call. Commands that read the caller's terminal, stdin or working directory are not
 * served: the client runs them in a JVM of their own.
 */
public final class CliServer {
  /** How long a server waits for a next call before it exits. */
  static final Duration IDLE = Duration.ofMinutes(10);
  /** How long an ending server waits for calls in flight: longer than any start may take. */
  static final Duration DRAIN = Duration.ofMinutes(5);
  static final byte[] MAGIC = "KDB1".getBytes(StandardCharsets.US_ASCII);
  /** The frame that tells the client a command is not served here: it runs it itself. */
  static final byte REFUSED = 'r';

  static final Set<String> SERVED = Set.of("sessions", "logs", "stop", "ps", "state",
      "break", "continue", "stack", "help");
  static final Set<String> GLOBAL_INFO = Set.of("--help", "-h", "--version", "-V");

  private final Path socket;
  private final Duration idle;
  private final AtomicLong lastCall = new AtomicLong(System.nanoTime());
  private final AtomicInteger running = new AtomicInteger();

  CliServer(Path socket, Duration idle) {
    if (!socket.isAbsolute()) {
      throw new IllegalArgumentException("the server socket must be an absolute path: " + socket);
    }
    this.socket = socket;
    this.idle = idle;
  }

  /** {@code CliServer SOCKET}: serves until idle; exits at once if another server has it. */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: CliServer SOCKET");
    }
    new CliServer(Path.of(args[0]), IDLE).serve();
    System.exit(0);
  }

  /**
   * Whether a server runs a call to katadbg with these arguments: the read-only and session
   * commands, and every command's {@code --help}; not those that read a terminal, stdin or a
   * relative path.
   */
  static boolean serves(List<String> args) {
    if (args.isEmpty() || GLOBAL_INFO.contains(args.get(0))) {
      return true;
    }
    return SERVED.contains(args.get(0))
        || (args.size() == 2 && (args.get(1).equals("--help") || args.get(1).equals("-h")));
  }

  /** Binds the socket and serves calls until idle; returns without serving if it is taken. */
  void serve() throws IOException {
    Optional<ServerSocketChannel> bound = bind();
    if (bound.isEmpty()) {
      return;
    }
    ServerSocketChannel server = bound.get();
    ExecutorService calls = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "katadbg-cli-call");
      t.setDaemon(true);
      return t;
    });
    ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "katadbg-cli-idle");
      t.setDaemon(true);
      return t;
    });
    Object key = Files.readAttributes(socket, "unix:ino").get("ino");
    watch.scheduleWithFixedDelay(() -> {
      boolean idleNow = running.get() == 0
          && System.nanoTime() - lastCall.get() > idle.toNanos();
      if (idleNow || !ours(key)) {
        closeQuietly(server);
      }
    }, 1, 1, TimeUnit.SECONDS);
    try {
      while (true) {
        SocketChannel c = server.accept();
        lastCall.set(System.nanoTime());
        calls.execute(() -> handle(c));
      }
    } catch (ClosedChannelException e) {
      // Idle, or the socket was removed or taken over: done.
    } finally {
      watch.shutdownNow();
      if (ours(key)) {
        Files.deleteIfExists(socket);
      }
      drain();
    }
  }

  /**
   * Lets calls in flight end before the JVM exits: a served start cut short would fail a
   * container (its socket was removed, say, while a start was in the middle of Delve's attach).
   */
  private void drain() {
    long deadline = System.nanoTime() + DRAIN.toNanos();
    while (running.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private Optional<ServerSocketChannel> bind() throws IOException {
    if (Files.exists(socket)) {
      try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
        return Optional.empty();
      } catch (IOException e) {
        // Nobody listens: a server that died left it.
        Files.deleteIfExists(socket);
      }
    }
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      server.bind(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      // Another server bound it first.
      server.close();
      return Optional.empty();
    }
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    return Optional.of(server);
  }

  /** The socket file is still the one this server bound. */
  private boolean ours(Object key) {
    try {
      return key.equals(Files.readAttributes(socket, "unix:ino").get("ino"));
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  private void handle(SocketChannel c) {
    running.incrementAndGet();
    try (c) {
      UnixDomainPrincipal peer = c.getOption(ExtendedSocketOptions.SO_PEERCRED);
      if (!peer.user().getName().equals(System.getProperty("user.name"))) {
        return;
      }
      call(Channels.newInputStream(c), Channels.newOutputStream(c));
    } catch (IOException | RuntimeException e) {
      // The client went away or sent nonsense; it runs the command itself if it can.
    } finally {
      lastCall.set(System.nanoTime());
      running.decrementAndGet();
    }
  }

  /**
   * Reads one request from {@code in}, runs it, writes its frames to {@code out}: a query
   * command, or a shim's start for the wrapper's native front ({@link ServedStart}).
   */
  static void call(InputStream in, OutputStream out) throws IOException {
    DataInputStream r = new DataInputStream(in);
    byte[] magic = r.readNBytes(MAGIC.length);
    if (java.util.Arrays.equals(magic, ServedStart.MAGIC)) {
      ServedStart.serve(r, out);
      return;
    }
    if (!java.util.Arrays.equals(magic, MAGIC)) {
      throw new IOException("not a katadbg-client request");
    }
    List<String> args = Wire.strings(r);
    Map<String, String> env = Wire.env(r);
    Frames frames = new Frames(out);
    if (!serves(args)) {
      frames.write(REFUSED, new byte[0]);
      return;
    }
    PrintWriter stdout = new PrintWriter(frames.stream('o'), true, StandardCharsets.UTF_8);
    PrintWriter stderr = new PrintWriter(frames.stream('e'), true, StandardCharsets.UTF_8);
    int code = Main.run(stdout, stderr, env, args.toArray(String[]::new));
    stdout.flush();
    stderr.flush();
    frames.exit(code);
  }

  private static void closeQuietly(ServerSocketChannel s) {
    try {
      s.close();
    } catch (IOException e) {
      // Closing is how the accept loop learns to end; there is nothing else to do.
    }
  }
}
