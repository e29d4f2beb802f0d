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
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A ttrpc client on one unix-socket connection. Calls are unary and may be in flight
 * concurrently from any number of threads; responses are matched to calls by stream id (odd,
 * from 1, step 2, increasing on the wire).
 *
 * <p>Who reads the connection: whoever holds the <em>read role</em>. A blocking call without a
 * deadline that is alone in flight takes it and reads its own reply: the whole round trip on
 * one thread, where a separate reader thread costs a wake-up of the reader and one of the caller
 * per call (the difference, measured, between trailing Go's client at one in flight and beating
 * it). Otherwise the client's reader thread reads, while any call is pending, and wakes each
 * blocked caller as its reply comes.
 *
 * <p>A response on a stream this client never opened (even, or beyond the last one) is a
 * protocol violation and ends the connection; one for a call that already gave up (its deadline
 * passed) is dropped, as Go's client does. A caller interrupted while it holds the read role
 * ends the connection (the JDK closes an interrupted channel); one interrupted while it waits
 * gives up its call only.
 */
public final class TtrpcClient implements AutoCloseable {
  /** At most this many frames per gathering write (IOV_MAX is 1024). */
  private static final int MAX_BATCH = 64;
  /** Thread.isVirtual, or null before Java 21. */
  private static final java.lang.invoke.MethodHandle IS_VIRTUAL = isVirtualHandle();

  private final SocketChannel channel;
  private final FrameWriter writer;
  /** Used by the holder of {@link #readRole} only. */
  private final FrameReader reader;
  private final ReentrantLock readRole = new ReentrantLock();
  private final Map<Integer, Call> pending = new ConcurrentHashMap<>();
  private final Object sendLock = new Object();
  /** Encoded request frames not yet written, in stream-id order. */
  private final ConcurrentLinkedQueue<ByteBuffer> outbox = new ConcurrentLinkedQueue<>();
  private final ReentrantLock writeLock = new ReentrantLock();
  private final CompletableFuture<TtrpcException> closed = new CompletableFuture<>();
  private final String peer;
  private long nextStream = 1;
  private volatile long lastIssued = -1;
  /** Reads for the calls no caller reads for; parked otherwise. */
  private final Thread readerThread;
  /** Guarded by {@link #readRole}: its holder sent calls from callbacks, not yet written. */
  private boolean readerQueued;

  /**
   * A call in flight. {@code waiter} is the thread blocked on it in {@link #await}, woken when
   * the reply comes; null when the caller does not block there (callAsync, a deadline, a
   * virtual thread).
   */
  private record Call(int stream, CompletableFuture<byte[]> reply, Thread waiter) {}

  private TtrpcClient(SocketChannel channel, String peer) {
    this.channel = channel;
    this.peer = peer;
    this.writer = new FrameWriter(channel);
    this.reader = new FrameReader(channel);
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
    Thread me = Thread.currentThread();
    if (opts.timeout().isEmpty() && !isVirtual(me)) {
      Call call = send(service, method, payload, opts, me);
      return payloadOf(service, method, call.stream(), await(service, method, call));
    }
    Call call = send(service, method, payload, opts, null);
    byte[] r;
    try {
      r = opts.timeout().isEmpty() ? call.reply().get()
          : call.reply().get(opts.timeout().get().toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      pending.remove(call.stream());
      throw new TtrpcStatusException(StatusCode.DEADLINE_EXCEEDED, service + "/" + method
          + ": no reply within " + opts.timeout().get());
    } catch (InterruptedException e) {
      pending.remove(call.stream());
      Thread.currentThread().interrupt();
      throw new TtrpcException(service + "/" + method + ": interrupted");
    } catch (ExecutionException e) {
      throw unwrap(e.getCause());
    }
    return payloadOf(service, method, call.stream(), r);
  }

  /**
   * Waits for the reply of a call without a deadline. Alone in flight, the caller reads the
   * connection itself; with others in flight it leaves the reading to the reader thread, which
   * then stays on the socket while calls are pending and wakes each caller once (a caller that
   * read would have to wake a successor to read on whenever its own reply came: a second wake
   * per call).
   */
  private byte[] await(String service, String method, Call call) throws TtrpcException {
    while (!call.reply().isDone()) {
      if (Thread.interrupted()) {
        pending.remove(call.stream());
        Thread.currentThread().interrupt();
        throw new TtrpcException(service + "/" + method + ": interrupted");
      }
      // Held already: a blocking call made from a callback that this thread runs as reader.
      if ((readRole.isHeldByCurrentThread() || pending.size() <= 1) && readRole.tryLock()) {
        try {
          readUntil(call.reply());
        } finally {
          readRole.unlock();
        }
        wakeReaderIfIdle();
      } else {
        if (!readRole.isLocked()) {
          LockSupport.unpark(readerThread);
        }
        LockSupport.park(this);
      }
    }
    try {
      return call.reply().join();
    } catch (java.util.concurrent.CompletionException e) {
      throw unwrap(e.getCause());
    }
  }

  /**
   * A virtual thread does not read: its blocking read goes through the JDK's poller, a
   * hand-off of its own, so it gains nothing over the reader thread's. Thread.isVirtual is
   * Java 21; katadbg runs on 17 too.
   */
  private static boolean isVirtual(Thread t) {
    if (IS_VIRTUAL == null) {
      return false;
    }
    try {
      return (boolean) IS_VIRTUAL.invokeExact(t);
    } catch (Throwable e) {
      return false;
    }
  }

  private static java.lang.invoke.MethodHandle isVirtualHandle() {
    try {
      return java.lang.invoke.MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual",
          java.lang.invoke.MethodType.methodType(boolean.class));
    } catch (ReflectiveOperationException e) {
      return null; // Java 17: no virtual threads
    }
  }

  private static TtrpcException unwrap(Throwable c) {
    return c instanceof TtrpcException t ? t : new TtrpcException(c.toString(), c);
  }

  /** Sends without waiting: the future completes with the response payload or the error. */
  public CompletableFuture<byte[]> callAsync(String service, String method, byte[] payload,
      CallOptions opts) {
    try {
      Call call = send(service, method, payload, opts, null);
      return call.reply().thenApply(r -> {
        try {
          return payloadOf(service, method, call.stream(), r);
        } catch (TtrpcException e) {
          throw new java.util.concurrent.CompletionException(e);
        }
      });
    } catch (TtrpcException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private Call send(String service, String method, byte[] payload, CallOptions opts,
      Thread waiter) throws TtrpcException {
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
    Call call;
    synchronized (sendLock) {
      failIfClosed();
      if (nextStream > 0xFFFF_FFFFL) {
        throw new TtrpcException("stream ids exhausted on " + peer + ": reconnect");
      }
      call = new Call((int) nextStream, new CompletableFuture<>(), waiter);
      lastIssued = nextStream;
      nextStream += 2;
      pending.put(call.stream(), call);
      FrameWriter.header(frame, size, call.stream(), Frame.TYPE_REQUEST, (byte) 0);
      // Queued in stream-id order (servers want ids increasing on the wire).
      outbox.add(ByteBuffer.wrap(frame));
    }
    if (!readRole.isHeldByCurrentThread()) {
      flushOutbox();
    } else {
      // A callAsync callback run by the reader: it flushes after its batch.
      readerQueued = true;
    }
    if (waiter == null && !readRole.isLocked()) {
      LockSupport.unpark(readerThread); // no caller blocks on this one to read for it
    }
    // The connection may have died between the check and the put: fail rather than hang.
    if (closed.isDone() && pending.remove(call.stream()) != null) {
      call.reply().completeExceptionally(closed.join());
    }
    return call;
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

  /**
   * The reader thread: reads while calls are pending and no caller reads, so that callAsync
   * and calls with a deadline get their replies.
   */
  private void readLoop() {
    while (!closed.isDone()) {
      if (!pending.isEmpty() && readRole.tryLock()) {
        try {
          while (!pending.isEmpty() && !closed.isDone()) {
            readOne();
          }
          flushQueued();
        } finally {
          readRole.unlock();
        }
        wakeReaderIfIdle();
      } else {
        LockSupport.park(this);
      }
    }
  }

  /** With the read role: reads until {@code mine} is done and no read frame is left over. */
  private void readUntil(CompletableFuture<byte[]> mine) {
    flushQueued(); // a blocking call made from a callback the holder runs: send it first
    while (!mine.isDone() || reader.hasBufferedFrame()) {
      if (closed.isDone()) {
        return;
      }
      readOne();
    }
    flushQueued();
  }

  /** With the read role: reads and dispatches one frame; a failure ends the connection. */
  private void readOne() {
    try {
      Optional<Frame> next = reader.read();
      if (next.isEmpty()) {
        shutdown(new TtrpcException("connection to " + peer + " closed by the peer"));
        return;
      }
      dispatch(next.get());
      if (readerQueued && !reader.hasBufferedFrame()) {
        // Calls sent by callbacks while this batch of replies was dispatched go out in one
        // write, before the reader waits for more.
        flushQueued();
      }
    } catch (TtrpcException e) {
      shutdown(e);
    } catch (java.nio.channels.ClosedByInterruptException e) {
      shutdown(new TtrpcException("connection to " + peer + " closed: a caller reading it was"
          + " interrupted", e));
    } catch (IOException e) {
      shutdown(new TtrpcException("connection to " + peer + " failed: " + e.getMessage(), e));
    } catch (RuntimeException e) {
      shutdown(new TtrpcException("ttrpc client reader failed: " + e, e));
    }
  }

  private void flushQueued() {
    if (readerQueued) {
      readerQueued = false;
      flushOutbox();
    }
  }

  /** After the read role was let go: calls still pending get the reader thread. */
  private void wakeReaderIfIdle() {
    if (!pending.isEmpty() && !readRole.isLocked()) {
      LockSupport.unpark(readerThread);
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
    Call call = pending.remove(f.streamId());
    if (call == null) {
      return; // the caller gave up already (its deadline passed)
    }
    // Decoded by the caller: the reader only matches, so it is back on the socket sooner.
    complete(call, f.payload(), null);
  }

  private static void complete(Call call, byte[] payload, TtrpcException failure) {
    if (failure == null) {
      call.reply().complete(payload);
    } else {
      call.reply().completeExceptionally(failure);
    }
    if (call.waiter() != null && call.waiter() != Thread.currentThread()) {
      LockSupport.unpark(call.waiter());
    }
  }

  private void shutdown(TtrpcException why) {
    if (!closed.complete(why)) {
      return;
    }
    closeQuietly(channel);
    for (Integer s : pending.keySet()) {
      Call c = pending.remove(s);
      if (c != null) {
        complete(c, null, why);
      }
    }
    LockSupport.unpark(readerThread);
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
