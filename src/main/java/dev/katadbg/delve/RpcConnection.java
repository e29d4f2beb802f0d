package dev.katadbg.delve;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * RpcConnection speaks JSON-RPC 1.0 as Go's {@code net/rpc/jsonrpc} codec does, which is what a
 * Delve server expects: each request is one JSON object {@code
 * {"method":..,"params":[{..}],"id":N}} (params must hold exactly one object, or Delve drops the
 * connection), each reply one JSON object on its own line, {@code {"id":N,"result":..,"error":..}}.
 *
 * <p>Delve answers Command, State and Restart out of order and serves other calls while a {@code
 * continue} is pending, so one reader thread matches replies to waiting calls by id. When the
 * connection ends, every waiting call fails at once.
 */
final class RpcConnection implements AutoCloseable {
  private static final int READ_CHUNK = 64 * 1024;
  private static final int MAX_QUOTED_REPLY = 200;

  /** Far above any real reply (a goroutine list of a big program is some MB); bounds memory. */
  private static final int MAX_REPLY_BYTES = 256 * 1024 * 1024;

  /** A call waiting for its reply. */
  private record Pending(String method, CompletableFuture<JsonElement> reply) {}

  /** A sent request: its id (to forget it on timeout) and its eventual raw result. */
  record Call(long id, CompletableFuture<JsonElement> reply) {}

  /** The connection broke a protocol rule; it cannot be trusted further. */
  private static final class ProtocolError extends Exception {
    ProtocolError(String message) {
      super(message);
    }
  }

  private final Duplex duplex;
  private final String peer;
  private final Gson gson = new GsonBuilder().disableHtmlEscaping().create();
  private final AtomicLong lastId = new AtomicLong();
  private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
  private final Object writeLock = new Object();

  /** Why the connection ended; null while it is open. */
  private final AtomicReference<String> closedReason = new AtomicReference<>();

  private final Thread reader;

  private RpcConnection(Duplex duplex, String peer) {
    this.duplex = duplex;
    this.peer = peer;
    this.reader = new Thread(this::readLoop, "delve-rpc-reader " + peer);
    reader.setDaemon(true);
  }

  /**
   * Starts reading replies from {@code duplex}.
   *
   * @param peer names the server in error messages, e.g. {@code 127.0.0.1:4444}
   */
  static RpcConnection open(Duplex duplex, String peer) {
    RpcConnection c =
        new RpcConnection(Objects.requireNonNull(duplex), Objects.requireNonNull(peer));
    c.reader.start();
    return c;
  }

  String peer() {
    return peer;
  }

  /** Sends {@code RPCServer.<method>} with {@code params} as its single parameter object. */
  Call send(String method, Object params) {
    long id = lastId.incrementAndGet();
    var reply = new CompletableFuture<JsonElement>();
    pending.put(id, new Pending(method, reply));
    // A shutdown racing with this call either sees the entry above or we see its reason here;
    // whoever removes the entry fails it, so it fails exactly once.
    if (closedReason.get() != null) {
      failIfPending(id);
      return new Call(id, reply);
    }
    JsonObject request = new JsonObject();
    request.addProperty("method", "RPCServer." + method);
    JsonArray paramsArray = new JsonArray();
    paramsArray.add(gson.toJsonTree(params));
    request.add("params", paramsArray);
    request.addProperty("id", id);
    // Gson's compact output escapes control characters inside strings, so the line holds no '\n'.
    byte[] line = (gson.toJson(request) + "\n").getBytes(StandardCharsets.UTF_8);
    try {
      synchronized (writeLock) {
        ByteBuffer buf = ByteBuffer.wrap(line);
        while (buf.hasRemaining()) {
          duplex.out().write(buf);
        }
      }
    } catch (ClosedByInterruptException e) {
      // An interrupted write closes the channel for everyone (NIO semantics).
      shutdown("interrupted while writing to " + peer);
    } catch (ClosedChannelException e) {
      shutdown("connection already closed");
    } catch (IOException e) {
      shutdown("write to " + peer + ": " + e.getMessage());
    }
    return new Call(id, reply);
  }

  /** Sends a request and waits up to {@code timeout} for its result. */
  <T> T call(String method, Object params, Class<T> resultType, Duration timeout) {
    Call call = send(method, params);
    JsonElement result;
    try {
      result = call.reply().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      forget(call);
      throw new DelveException(
          "delve " + method + ": no reply from " + peer + " within " + DurationText.of(timeout));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      forget(call);
      throw new DelveException("delve " + method + ": interrupted while waiting for a reply", e);
    } catch (ExecutionException e) {
      throw rethrown(e.getCause());
    }
    return decodeResult(method, result, resultType);
  }

  /**
   * Sends a request whose reply may take arbitrarily long (a {@code continue}). The returned future
   * is completed on a pool thread, never on the reader thread, so a caller's callback may itself
   * call Delve without blocking the reader that would deliver the answer.
   */
  <T> CompletableFuture<T> callAsync(String method, Object params, Class<T> resultType) {
    return send(method, params)
        .reply()
        .handleAsync(
            (result, error) -> {
              if (error != null) {
                throw new CompletionException(rethrown(unwrap(error)));
              }
              return decodeResult(method, result, resultType);
            });
  }

  /** Stops waiting for a call, e.g. after a timeout; a late reply is then ignored. */
  void forget(Call call) {
    pending.remove(call.id());
  }

  /** Closes the connection, fails waiting calls and ends the reader thread. Idempotent. */
  @Override
  public void close() {
    shutdown("closed by this client");
    if (Thread.currentThread() != reader) {
      try {
        reader.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Decodes a call's raw result into a wire type. */
  <T> T decodeResult(String method, JsonElement result, Class<T> resultType) {
    if (result == null || result.isJsonNull()) {
      throw new DelveException("delve " + method + ": reply has neither result nor error");
    }
    try {
      return gson.fromJson(result, resultType);
    } catch (JsonParseException e) {
      throw new DelveException(
          "delve " + method + ": unexpected result " + quote(result.toString()), e);
    }
  }

  private void readLoop() {
    ByteBuffer buf = ByteBuffer.allocate(READ_CHUNK);
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    String reason;
    try {
      while (true) {
        buf.clear();
        int n = duplex.in().read(buf);
        if (n < 0) {
          reason = "end of stream from " + peer;
          break;
        }
        byte[] bytes = buf.array();
        int start = 0;
        for (int i = 0; i < n; i++) {
          if (bytes[i] == '\n') {
            line.write(bytes, start, i - start);
            dispatch(line.toString(StandardCharsets.UTF_8));
            line.reset();
            start = i + 1;
          }
        }
        line.write(bytes, start, n - start);
        if (line.size() > MAX_REPLY_BYTES) {
          throw new ProtocolError(
              "reply from " + peer + " longer than " + MAX_REPLY_BYTES + " bytes");
        }
      }
    } catch (ProtocolError e) {
      reason = e.getMessage();
    } catch (ClosedChannelException e) {
      // Includes AsynchronousCloseException: close() was called, and set the reason already.
      reason = "connection closed";
    } catch (IOException e) {
      reason = "read from " + peer + ": " + e.getMessage();
    }
    shutdown(reason);
  }

  private void dispatch(String line) throws ProtocolError {
    if (line.isBlank()) {
      return;
    }
    JsonObject reply;
    try {
      JsonElement parsed = JsonParser.parseString(line);
      if (!parsed.isJsonObject()) {
        throw new ProtocolError("malformed reply from " + peer + ": " + quote(line));
      }
      reply = parsed.getAsJsonObject();
    } catch (JsonParseException e) {
      throw new ProtocolError("malformed reply from " + peer + ": " + quote(line));
    }
    JsonElement idElement = reply.get("id");
    if (!(idElement instanceof JsonPrimitive id) || !id.isNumber()) {
      throw new ProtocolError("reply without a numeric id from " + peer + ": " + quote(line));
    }
    Pending p = pending.remove(id.getAsLong());
    if (p == null) {
      // The reply to a call that timed out (or was never made): nobody waits for it.
      return;
    }
    JsonElement error = reply.get("error");
    if (error != null && !error.isJsonNull()) {
      String text = error.isJsonPrimitive() ? error.getAsString() : error.toString();
      p.reply().completeExceptionally(new DelveException("delve " + p.method() + ": " + text));
    } else {
      JsonElement result = reply.get("result");
      p.reply().complete(result == null ? JsonNull.INSTANCE : result);
    }
  }

  private void shutdown(String reason) {
    if (!closedReason.compareAndSet(null, reason)) {
      return;
    }
    duplex.close();
    for (Long id : pending.keySet()) {
      failIfPending(id);
    }
  }

  private void failIfPending(long id) {
    Pending p = pending.remove(id);
    if (p != null) {
      p.reply()
          .completeExceptionally(
              new DelveException(
                  "delve "
                      + p.method()
                      + ": delve connection closed ("
                      + closedReason.get()
                      + ")"));
    }
  }

  /**
   * A DelveException completed on the reader thread, rethrown with the caller's stack trace and the
   * original as its cause.
   */
  private static DelveException rethrown(Throwable t) {
    if (t instanceof DelveException d) {
      return new DelveException(d.getMessage(), d);
    }
    return new DelveException("delve call failed: " + t, t);
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  private static String quote(String s) {
    String cut = s.length() > MAX_QUOTED_REPLY ? s.substring(0, MAX_QUOTED_REPLY) + "..." : s;
    return "'" + cut + "'";
  }
}
