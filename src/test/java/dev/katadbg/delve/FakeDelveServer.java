package dev.katadbg.delve;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * FakeDelveServer is the server end of an in-memory full-duplex pipe: a test reads the client's
 * requests one by one and scripts the replies, in any order, using replies recorded from real Delve
 * servers (test resources under {@code replies/}).
 */
public final class FakeDelveServer implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(5);

  private final Pipe toServer;
  private final Pipe toClient;
  private final BlockingQueue<String> requestLines = new LinkedBlockingQueue<>();
  private final Thread reader;

  public FakeDelveServer() {
    try {
      toServer = Pipe.open();
      toClient = Pipe.open();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // The server side uses a stream: its reads and writes go to different pipes, so the Java 17
    // blocking-lock problem Duplex avoids does not arise here.
    BufferedReader in =
        new BufferedReader(Channels.newReader(toServer.source(), StandardCharsets.UTF_8));
    reader =
        new Thread(
            () -> {
              try {
                for (String line; (line = in.readLine()) != null; ) {
                  requestLines.add(line);
                }
              } catch (IOException e) {
                // The test closed the pipe.
              }
            },
            "fake-delve-server");
    reader.setDaemon(true);
    reader.start();
  }

  /** The client's end of the pipes. */
  Duplex clientSide() {
    return new Duplex(toClient.source(), toServer.sink());
  }

  /** Opens a client on this server, answering its GetVersion with a recorded reply. */
  public DelveClient connect(String versionReply, Duration callTimeout) {
    CompletableFuture<DelveClient> client =
        CompletableFuture.supplyAsync(
            () -> JsonRpcDelveClient.open(clientSide(), "fake", callTimeout, Optional::empty));
    Request hello = nextRequest();
    assertThat(hello.method()).isEqualTo("RPCServer.GetVersion");
    reply(hello, versionReply);
    return client.join();
  }

  /** A request the client sent: its raw line and parsed parts. */
  public record Request(String line, long id, String method, JsonObject params) {}

  /** The next request, failing the test if none comes within {@link #WAIT}. */
  public Request nextRequest() {
    String line;
    try {
      line = requestLines.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
    if (line == null) {
      throw new AssertionError("no request from the client within " + WAIT);
    }
    JsonObject obj = JsonParser.parseString(line).getAsJsonObject();
    var params = obj.getAsJsonArray("params");
    assertThat(params.size()).as("params must hold exactly one object: %s", line).isEqualTo(1);
    return new Request(
        line,
        obj.get("id").getAsLong(),
        obj.get("method").getAsString(),
        params.get(0).getAsJsonObject());
  }

  /** True if the client sent nothing within {@code wait}. */
  boolean quietFor(Duration wait) throws InterruptedException {
    return requestLines.poll(wait.toMillis(), TimeUnit.MILLISECONDS) == null;
  }

  /**
   * Answers {@code request} with a recorded reply (resource name without .json), its id rewritten.
   */
  public void reply(Request request, String recorded) {
    JsonObject reply = JsonParser.parseString(resource(recorded)).getAsJsonObject();
    reply.add("id", new JsonPrimitive(request.id()));
    send(reply.toString());
  }

  /** Answers with {@code result} as given. */
  public void replyResult(long id, String resultJson) {
    JsonObject reply = new JsonObject();
    reply.addProperty("id", id);
    reply.add("result", JsonParser.parseString(resultJson));
    reply.add("error", JsonNull.INSTANCE);
    send(reply.toString());
  }

  /** Answers with an error, as Delve does: result null, error a string. */
  public void replyError(long id, String error) {
    JsonObject reply = new JsonObject();
    reply.addProperty("id", id);
    reply.add("result", JsonNull.INSTANCE);
    reply.addProperty("error", error);
    send(reply.toString());
  }

  /** Writes a raw line to the client. */
  void send(String line) {
    ByteBuffer buf = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
    try {
      while (buf.hasRemaining()) {
        toClient.sink().write(buf);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Drops the connection as a dying dlv would. */
  void drop() {
    try {
      toClient.sink().close();
      toServer.source().close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    drop();
  }

  static String resource(String recorded) {
    String name = "replies/" + recorded + ".json";
    try (InputStream in = FakeDelveServer.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new AssertionError("missing test resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonElement json(String text) {
    return JsonParser.parseString(text);
  }
}
