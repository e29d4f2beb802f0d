package dev.katadbg.ttrpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.katadbg.ttrpc.proto.KeyValue;
import dev.katadbg.ttrpc.proto.Request;
import dev.katadbg.ttrpc.proto.Response;
import dev.katadbg.ttrpc.proto.Status;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * A ttrpc server on a filesystem unix socket (mode 0600). Each connection has a reader thread;
 * requests run on a shared pool, at most {@link #MAX_IN_FLIGHT} per connection (the reader stops
 * reading beyond that, so a flooding peer costs bounded memory).
 *
 * <p>Like containerd's servers it can accept only peers with its own uid and gid (SO_PEERCRED).
 * A peer that breaks the framing (even or reused stream id, non-request frame, oversize or
 * truncated frame) is disconnected; an undecodable request envelope gets INVALID_ARGUMENT, an
 * unknown method UNIMPLEMENTED.
 */
public final class TtrpcServer implements AutoCloseable {
  public static final int MAX_IN_FLIGHT = 64;

  /** Handles one unary call: request payload in, response payload out. */
  @FunctionalInterface
  public interface Handler {
    byte[] handle(RequestContext ctx, byte[] payload) throws Exception;
  }

  /** What a handler knows about its call. */
  public record RequestContext(String service, String method, Optional<Duration> timeout,
      List<KeyValue> metadata) {
    public RequestContext {
      metadata = List.copyOf(metadata);
    }

    public Optional<String> metadata(String key) {
      return metadata.stream().filter(kv -> kv.getKey().equals(key)).map(KeyValue::getValue)
          .findFirst();
    }
  }

  private final ServerSocketChannel server;
  private final Path socket;
  private final Map<String, Handler> handlers;
  private final boolean sameCredentialsOnly;
  private final Consumer<String> log;
  private final ExecutorService pool;
  private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();
  private volatile boolean closing;

  private TtrpcServer(ServerSocketChannel server, Path socket, Map<String, Handler> handlers,
      boolean sameCredentialsOnly, Consumer<String> log) {
    this.server = server;
    this.socket = socket;
    this.handlers = Map.copyOf(handlers);
    this.sameCredentialsOnly = sameCredentialsOnly;
    this.log = log;
    this.pool = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "ttrpc-handler " + socket.getFileName());
      t.setDaemon(true);
      return t;
    });
    Thread acceptor = new Thread(this::acceptLoop, "ttrpc-accept " + socket);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Collects handlers; {@link #serve} binds and starts accepting. */
  public static final class Builder {
    private final Map<String, Handler> handlers = new HashMap<>();
    private boolean sameCredentialsOnly = true;
    private Consumer<String> log = s -> { };

    public Builder register(String service, String method, Handler h) {
      handlers.put(service + "/" + method, h);
      return this;
    }

    /** false accepts any peer that can open the socket (tests of foreign peers). */
    public Builder sameCredentialsOnly(boolean b) {
      sameCredentialsOnly = b;
      return this;
    }

    /** Where connection-level problems (rejected peers, protocol errors) are reported. */
    public Builder log(Consumer<String> l) {
      log = l;
      return this;
    }

    public TtrpcServer serve(Path socket) throws IOException {
      ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      try {
        s.bind(UnixDomainSocketAddress.of(socket));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
      } catch (IOException e) {
        s.close();
        throw new TtrpcException("cannot serve ttrpc on " + socket + ": " + e.getMessage(), e);
      }
      return new TtrpcServer(s, socket, handlers, sameCredentialsOnly, log);
    }
  }

  public Path socket() {
    return socket;
  }

  private void acceptLoop() {
    while (!closing) {
      SocketChannel c;
      try {
        c = server.accept();
      } catch (IOException e) {
        if (!closing) {
          log.accept("ttrpc server " + socket + " stopped accepting: " + e.getMessage());
        }
        return;
      }
      Thread t = new Thread(() -> serveConnection(c), "ttrpc-conn " + socket.getFileName());
      t.setDaemon(true);
      t.start();
    }
  }

  private void serveConnection(SocketChannel c) {
    connections.add(c);
    try (c) {
      if (sameCredentialsOnly && !samePeer(c)) {
        return;
      }
      FrameWriter writer = new FrameWriter(c);
      FrameReader reader = new FrameReader(c);
      Set<Integer> active = ConcurrentHashMap.newKeySet();
      Semaphore slots = new Semaphore(MAX_IN_FLIGHT);
      while (true) {
        Optional<Frame> next = reader.read();
        if (next.isEmpty()) {
          return;
        }
        Frame f = next.get();
        long id = f.unsignedStreamId();
        if (f.type() != Frame.TYPE_REQUEST) {
          throw new TtrpcProtocolException("frame type " + f.type() + " on stream " + id
              + " where a request was expected");
        }
        if (id % 2 == 0) {
          throw new TtrpcProtocolException("request on even stream id " + id);
        }
        if (!active.add(f.streamId())) {
          throw new TtrpcProtocolException("request on stream " + id + ", already in use");
        }
        slots.acquire();
        pool.execute(() -> {
          try {
            writer.write(Frame.response(f.streamId(), respond(f.payload()).toByteArray()));
          } catch (IOException e) {
            closeQuietly(c);
          } finally {
            active.remove(f.streamId());
            slots.release();
          }
        });
      }
    } catch (TtrpcProtocolException e) {
      log.accept("ttrpc peer on " + socket + " disconnected: " + e.getMessage());
    } catch (IOException e) {
      if (!closing) {
        log.accept("ttrpc connection on " + socket + " failed: " + e.getMessage());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      connections.remove(c);
    }
  }

  private Response respond(byte[] payload) {
    Request req;
    try {
      req = Request.parseFrom(payload);
    } catch (InvalidProtocolBufferException e) {
      return status(StatusCode.INVALID_ARGUMENT, "undecodable request: " + e.getMessage());
    }
    Handler h = handlers.get(req.getService() + "/" + req.getMethod());
    if (h == null) {
      return status(StatusCode.UNIMPLEMENTED, req.getService() + "/" + req.getMethod()
          + " is not served here");
    }
    RequestContext ctx = new RequestContext(req.getService(), req.getMethod(),
        req.getTimeoutNano() > 0 ? Optional.of(Duration.ofNanos(req.getTimeoutNano()))
            : Optional.empty(), req.getMetadataList());
    try {
      byte[] out = h.handle(ctx, req.getPayload().toByteArray());
      return Response.newBuilder().setPayload(ByteString.copyFrom(out)).build();
    } catch (TtrpcStatusException e) {
      return status(e.code(), e.detail());
    } catch (InvalidProtocolBufferException e) {
      return status(StatusCode.INVALID_ARGUMENT, e.getMessage());
    } catch (Exception e) {
      return status(StatusCode.UNKNOWN, String.valueOf(e.getMessage()));
    }
  }

  private static Response status(int code, String message) {
    return Response.newBuilder()
        .setStatus(Status.newBuilder().setCode(code).setMessage(message)).build();
  }

  /** containerd's check: the peer's uid and gid both equal ours (the socket file's owner). */
  private boolean samePeer(SocketChannel c) {
    try {
      UnixDomainPrincipal peer = c.getOption(ExtendedSocketOptions.SO_PEERCRED);
      PosixFileAttributes own = Files.readAttributes(socket, PosixFileAttributes.class);
      boolean ok = peer.user().getName().equals(own.owner().getName())
          && peer.group().getName().equals(own.group().getName());
      if (!ok) {
        log.accept("ttrpc server " + socket + " rejected a peer running as "
            + peer.user().getName() + ":" + peer.group().getName());
      }
      return ok;
    } catch (IOException | UnsupportedOperationException e) {
      log.accept("ttrpc server " + socket + " cannot check a peer's credentials: "
          + e.getMessage());
      return false;
    }
  }

  @Override
  public void close() {
    closing = true;
    try {
      server.close();
    } catch (IOException e) {
      // Closing anyway.
    }
    for (SocketChannel c : connections) {
      closeQuietly(c);
    }
    pool.shutdownNow();
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      log.accept("cannot remove " + socket + ": " + e.getMessage());
    }
  }

  private static void closeQuietly(SocketChannel c) {
    try {
      c.close();
    } catch (IOException e) {
      // Closing anyway.
    }
  }
}
