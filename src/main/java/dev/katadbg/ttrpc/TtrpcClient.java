package dev.katadbg.ttrpc;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.katadbg.ttrpc.proto.Request;
import dev.katadbg.ttrpc.proto.Response;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A ttrpc client on one unix-socket connection. Calls are unary and may be in flight
 * concurrently from any number of threads; one reader thread matches responses to calls by
 * stream id (odd, from 1, step 2, increasing on the wire).
 *
 * <p>A response on a stream this client never opened (even, or beyond the last one) is a
 * protocol violation and ends the connection; one for a call that already gave up (its deadline
 * passed) is dropped, as Go's client does.
 */
public final class TtrpcClient implements AutoCloseable {
  /** At most this many frames per gathering write (IOV_MAX is 1024). */
  private static final int MAX_BATCH = 64;

  private final SocketChannel channel;
  private final FrameWriter writer;
  private final Map<Integer, CompletableFuture<byte[]>> pending = new ConcurrentHashMap<>();
  private final Object sendLock = new Object();
  /** Encoded request frames not yet written, in stream-id order. */
  private final ConcurrentLinkedQueue<ByteBuffer> outbox = new ConcurrentLinkedQueue<>();
  private final ReentrantLock writeLock = new ReentrantLock();
  private final CompletableFuture<TtrpcException> closed = new CompletableFuture<>();
  private final String peer;
  private long nextStream = 1;
  private volatile long lastIssued = -1;
  private final Thread readerThread;
  /** Only the reader thread reads and writes it: it sent calls from callbacks. */
  private boolean readerQueued;

  private TtrpcClient(SocketChannel channel, String peer) {
    this.channel = channel;
    this.peer = peer;
    this.writer = new FrameWriter(channel);
    readerThread = new Thread(this::readLoop, "ttrpc-client " + peer);
    readerThread.setDaemon(true);
    readerThread.start();
  }

  /** Connects to a filesystem unix socket ({@code unix://} prefix allowed). */
  public static TtrpcClient connect(Path socket) throws TtrpcException {
    SocketChannel ch = null;
    try {
      ch = SocketChannel.open(StandardProtocolFamily.UNIX);
      ch.connect(UnixDomainSocketAddress.of(socket));
      return new TtrpcClient(ch, socket.toString());
    } catch (IOException e) {
      closeQuietly(ch);
      throw new TtrpcException("cannot connect to " + socket + ": " + e.getMessage(), e);
    }
  }

  /** Wraps a connected channel (tests, socket pairs). */
  public static TtrpcClient over(SocketChannel connected, String name) {
    return new TtrpcClient(connected, name);
  }

  /** A parsed unary call; waits at most the timeout in {@code opts}, or forever. */
  public <T extends Message> T call(String service, String method, Message request,
      Parser<T> parser, CallOptions opts) throws TtrpcException {
    byte[] out = call(service, method, request.toByteArray(), opts);
    try {
      return parser.parseFrom(out);
    } catch (InvalidProtocolBufferException e) {
      throw new TtrpcProtocolException(service + "/" + method + ": undecodable reply: "
          + e.getMessage(), e);
    }
  }

  /** A raw unary call: request payload in, response payload out. */
  public byte[] call(String service, String method, byte[] payload, CallOptions opts)
      throws TtrpcException {
    Sent sent = send(service, method, payload, opts);
    byte[] r;
    try {
      r = opts.timeout().isPresent()
          ? sent.reply.get(opts.timeout().get().toNanos(), TimeUnit.NANOSECONDS)
          : sent.reply.get();
    } catch (TimeoutException e) {
      pending.remove(sent.stream);
      throw new TtrpcStatusException(StatusCode.DEADLINE_EXCEEDED, service + "/" + method
          + ": no reply within " + opts.timeout().get());
    } catch (InterruptedException e) {
      pending.remove(sent.stream);
      Thread.currentThread().interrupt();
      throw new TtrpcException(service + "/" + method + ": interrupted");
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      throw c instanceof TtrpcException t ? t : new TtrpcException(c.toString(), c);
    }
    return payloadOf(service, method, sent.stream, r);
  }

  /** Sends without waiting: the future completes with the response payload or the error. */
  public CompletableFuture<byte[]> callAsync(String service, String method, byte[] payload,
      CallOptions opts) {
    try {
      Sent sent = send(service, method, payload, opts);
      return sent.reply.thenApply(r -> {
        try {
          return payloadOf(service, method, sent.stream, r);
        } catch (TtrpcException e) {
          throw new java.util.concurrent.CompletionException(e);
        }
      });
    } catch (TtrpcException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private record Sent(int stream, CompletableFuture<byte[]> reply) {}

  private Sent send(String service, String method, byte[] payload, CallOptions opts)
      throws TtrpcException {
    // Wrapped, not copied: the payload is the caller's and only read from here on.
    Request.Builder b = Request.newBuilder().setService(service).setMethod(method)
        .setPayload(UnsafeByteOperations.unsafeWrap(payload)).addAllMetadata(opts.metadata());
    opts.timeout().ifPresent(t -> b.setTimeoutNano(t.toNanos()));
    Request req = b.build();
    int size = req.getSerializedSize();
    if (size > Frame.MAX_PAYLOAD) {
      throw new TtrpcStatusException(StatusCode.RESOURCE_EXHAUSTED, service + "/" + method
          + ": request of " + size + " bytes exceeds the ttrpc maximum of "
          + Frame.MAX_PAYLOAD);
    }
    // Header and body in one array, encoded outside any lock; the stream id is patched in.
    byte[] frame = new byte[Frame.HEADER_LENGTH + size];
    try {
      CodedOutputStream cos = CodedOutputStream.newInstance(frame, Frame.HEADER_LENGTH, size);
      req.writeTo(cos);
      cos.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new TtrpcException(service + "/" + method + ": cannot encode: " + e.getMessage(), e);
    }
    CompletableFuture<byte[]> reply = new CompletableFuture<>();
    int stream;
    synchronized (sendLock) {
      failIfClosed();
      if (nextStream > 0xFFFF_FFFFL) {
        throw new TtrpcException("stream ids exhausted on " + peer + ": reconnect");
      }
      stream = (int) nextStream;
      lastIssued = nextStream;
      nextStream += 2;
      pending.put(stream, reply);
      FrameWriter.header(frame, size, stream, Frame.TYPE_REQUEST, (byte) 0);
      // Queued in stream-id order (servers want ids increasing on the wire).
      outbox.add(ByteBuffer.wrap(frame));
    }
    if (Thread.currentThread() != readerThread) {
      flushOutbox();
    } else {
      // A callAsync callback run by dispatch: the reader flushes after its batch.
      readerQueued = true;
    }
    // The connection may have died between the check and the put: fail rather than hang.
    if (closed.isDone() && pending.remove(stream) != null) {
      reply.completeExceptionally(closed.join());
    }
    return new Sent(stream, reply);
  }

  /**
   * Writes queued frames. Whoever gets the write lock writes every frame queued so far in one
   * gathering write, so callers arriving together cost one syscall instead of one each, and a
   * caller never waits for another's write: if the lock is taken, its holder re-checks the
   * queue after unlocking and takes this caller's frame along.
   */
  private void flushOutbox() {
    ByteBuffer[] batch = null;
    while (!outbox.isEmpty() && writeLock.tryLock()) {
      try {
        if (batch == null) {
          batch = new ByteBuffer[MAX_BATCH];
        }
        int n = 0;
        for (ByteBuffer f; n < MAX_BATCH && (f = outbox.poll()) != null; ) {
          batch[n++] = f;
        }
        if (n > 0 && !closed.isDone()) {
          writer.writeFully(batch, n);
        }
        java.util.Arrays.fill(batch, 0, n, null);
      } catch (IOException e) {
        shutdown(new TtrpcException("sending to " + peer + ": " + e.getMessage(), e));
      } finally {
        writeLock.unlock();
      }
    }
  }

  private static byte[] payloadOf(String service, String method, int stream, byte[] frame)
      throws TtrpcException {
    Response r;
    try {
      r = Response.parseFrom(frame);
    } catch (InvalidProtocolBufferException e) {
      throw new TtrpcProtocolException("undecodable response on stream "
          + Integer.toUnsignedLong(stream) + ": " + e.getMessage(), e);
    }
    if (r.hasStatus() && r.getStatus().getCode() != StatusCode.OK) {
      throw new TtrpcStatusException(r.getStatus().getCode(), r.getStatus().getMessage());
    }
    return r.getPayload().toByteArray();
  }

  private void failIfClosed() throws TtrpcException {
    if (closed.isDone()) {
      TtrpcException why = closed.join();
      throw new TtrpcException(why.getMessage(), why);
    }
  }

  private void readLoop() {
    FrameReader reader = new FrameReader(channel);
    try {
      while (true) {
        Optional<Frame> next = reader.read();
        if (next.isEmpty()) {
          shutdown(new TtrpcException("connection to " + peer + " closed by the peer"));
          return;
        }
        dispatch(next.get());
        if (readerQueued && !reader.hasBufferedFrame()) {
          readerQueued = false;
          // Calls sent by callbacks while this batch of replies was dispatched go out in one
          // write, before the reader waits for more.
          flushOutbox();
        }
      }
    } catch (TtrpcException e) {
      shutdown(e);
    } catch (IOException e) {
      shutdown(new TtrpcException("connection to " + peer + " failed: " + e.getMessage(), e));
    } catch (RuntimeException e) {
      shutdown(new TtrpcException("ttrpc client reader failed: " + e, e));
    }
  }

  private void dispatch(Frame f) throws TtrpcProtocolException {
    long id = f.unsignedStreamId();
    if (id % 2 == 0 || id > lastIssued) {
      throw new TtrpcProtocolException("response on stream " + id + ", which this client never"
          + " opened (last opened: " + lastIssued + ")");
    }
    if (f.type() != Frame.TYPE_RESPONSE) {
      // Unary only (what containerd 1.6's ttrpc speaks): a data frame has no taker.
      throw new TtrpcProtocolException("unexpected frame type " + f.type() + " on stream " + id);
    }
    CompletableFuture<byte[]> call = pending.remove(f.streamId());
    if (call == null) {
      return; // the caller gave up already (its deadline passed)
    }
    // Decoded by the caller: the reader only matches, so it is back on the socket sooner.
    call.complete(f.payload());
  }

  private void shutdown(TtrpcException why) {
    if (!closed.complete(why)) {
      return;
    }
    closeQuietly(channel);
    for (Integer s : pending.keySet()) {
      CompletableFuture<byte[]> c = pending.remove(s);
      if (c != null) {
        c.completeExceptionally(why);
      }
    }
  }

  /** True once the connection is unusable (closed, or the peer broke the protocol). */
  public boolean isClosed() {
    return closed.isDone();
  }

  /** Why the connection ended, once it has. */
  public Optional<TtrpcException> closeReason() {
    return closed.isDone() ? Optional.of(closed.join()) : Optional.empty();
  }

  @Override
  public void close() {
    shutdown(new TtrpcException("client closed"));
  }

  private static void closeQuietly(SocketChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException e) {
        // Closing: nothing left to do with the error.
      }
    }
  }
}
