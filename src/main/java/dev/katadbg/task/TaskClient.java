package dev.katadbg.task;

import com.google.protobuf.Empty;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.katadbg.task.proto.CloseIORequest;
import dev.katadbg.task.proto.ConnectRequest;
import dev.katadbg.task.proto.ConnectResponse;
import dev.katadbg.task.proto.CreateTaskRequest;
import dev.katadbg.task.proto.CreateTaskResponse;
import dev.katadbg.task.proto.DeleteRequest;
import dev.katadbg.task.proto.DeleteResponse;
import dev.katadbg.task.proto.ExecProcessRequest;
import dev.katadbg.task.proto.KillRequest;
import dev.katadbg.task.proto.PauseRequest;
import dev.katadbg.task.proto.PidsRequest;
import dev.katadbg.task.proto.PidsResponse;
import dev.katadbg.task.proto.ResizePtyRequest;
import dev.katadbg.task.proto.ResumeRequest;
import dev.katadbg.task.proto.ShutdownRequest;
import dev.katadbg.task.proto.StartRequest;
import dev.katadbg.task.proto.StartResponse;
import dev.katadbg.task.proto.StateRequest;
import dev.katadbg.task.proto.StateResponse;
import dev.katadbg.task.proto.StatsRequest;
import dev.katadbg.task.proto.StatsResponse;
import dev.katadbg.task.proto.UpdateTaskRequest;
import dev.katadbg.task.proto.WaitRequest;
import dev.katadbg.task.proto.WaitResponse;
import dev.katadbg.ttrpc.CallOptions;
import dev.katadbg.ttrpc.TtrpcClient;
import dev.katadbg.ttrpc.TtrpcException;
import java.nio.file.Path;

/**
 * containerd's side of the shim v2 Task service ({@code containerd.task.v2.Task}) on one ttrpc
 * connection. Every call carries the namespace; a deadline only if the options have one.
 */
public final class TaskClient implements AutoCloseable {
  public static final String SERVICE = "containerd.task.v2.Task";

  private final TtrpcClient ttrpc;
  private final CallOptions options;

  public TaskClient(TtrpcClient ttrpc, CallOptions options) {
    this.ttrpc = ttrpc;
    this.options = options;
  }

  /**
   * Connects to a shim's address as its {@code start} printed it ({@code unix:///path}, or a
   * plain path).
   */
  public static TaskClient connect(String address, String namespace) throws TtrpcException {
    return new TaskClient(TtrpcClient.connect(socketPath(address)),
        CallOptions.none().withNamespace(namespace));
  }

  /** The filesystem path of a shim address; abstract-namespace sockets are not supported. */
  public static Path socketPath(String address) throws TtrpcException {
    String a = address.strip();
    if (a.startsWith("unix://")) {
      a = a.substring("unix://".length());
    }
    if (a.startsWith("@") || a.startsWith("\0")) {
      throw new TtrpcException("abstract unix socket " + a + " is not supported (Java reaches"
          + " filesystem sockets only)");
    }
    if (!a.startsWith("/")) {
      throw new TtrpcException("not a unix socket address: " + address);
    }
    return Path.of(a);
  }

  public TtrpcClient ttrpc() {
    return ttrpc;
  }

  public CallOptions options() {
    return options;
  }

  private <T extends Message> T call(String method, Message req, Parser<T> parser)
      throws TtrpcException {
    return ttrpc.call(SERVICE, method, req, parser, options);
  }

  public StateResponse state(StateRequest r) throws TtrpcException {
    return call("State", r, StateResponse.parser());
  }

  public CreateTaskResponse create(CreateTaskRequest r) throws TtrpcException {
    return call("Create", r, CreateTaskResponse.parser());
  }

  public StartResponse start(StartRequest r) throws TtrpcException {
    return call("Start", r, StartResponse.parser());
  }

  public DeleteResponse delete(DeleteRequest r) throws TtrpcException {
    return call("Delete", r, DeleteResponse.parser());
  }

  public PidsResponse pids(PidsRequest r) throws TtrpcException {
    return call("Pids", r, PidsResponse.parser());
  }

  public void pause(PauseRequest r) throws TtrpcException {
    call("Pause", r, Empty.parser());
  }

  public void resume(ResumeRequest r) throws TtrpcException {
    call("Resume", r, Empty.parser());
  }

  public void kill(KillRequest r) throws TtrpcException {
    call("Kill", r, Empty.parser());
  }

  public void exec(ExecProcessRequest r) throws TtrpcException {
    call("Exec", r, Empty.parser());
  }

  public void resizePty(ResizePtyRequest r) throws TtrpcException {
    call("ResizePty", r, Empty.parser());
  }

  public void closeIO(CloseIORequest r) throws TtrpcException {
    call("CloseIO", r, Empty.parser());
  }

  public void update(UpdateTaskRequest r) throws TtrpcException {
    call("Update", r, Empty.parser());
  }

  /** Task/Wait: returns when the process exits (named so it does not shadow Object.wait). */
  public WaitResponse waitFor(WaitRequest r) throws TtrpcException {
    return call("Wait", r, WaitResponse.parser());
  }

  public StatsResponse stats(StatsRequest r) throws TtrpcException {
    return call("Stats", r, StatsResponse.parser());
  }

  public ConnectResponse connect(ConnectRequest r) throws TtrpcException {
    return call("Connect", r, ConnectResponse.parser());
  }

  /** The shim exits after answering, so the connection closing instead is fine too. */
  public void shutdown(ShutdownRequest r) throws TtrpcException {
    try {
      call("Shutdown", r, Empty.parser());
    } catch (TtrpcException e) {
      if (!ttrpc.isClosed()) {
        throw e;
      }
    }
  }

  @Override
  public void close() {
    ttrpc.close();
  }
}
