package dev.katadbg.run;

import com.google.protobuf.Empty;
import dev.katadbg.task.TaskClient;
import dev.katadbg.task.proto.CloseIORequest;
import dev.katadbg.task.proto.ConnectRequest;
import dev.katadbg.task.proto.CreateTaskRequest;
import dev.katadbg.task.proto.DeleteRequest;
import dev.katadbg.task.proto.DeleteResponse;
import dev.katadbg.task.proto.KillRequest;
import dev.katadbg.task.proto.ResizePtyRequest;
import dev.katadbg.task.proto.ShutdownRequest;
import dev.katadbg.task.proto.StartRequest;
import dev.katadbg.task.proto.WaitRequest;
import dev.katadbg.task.proto.WaitResponse;
import dev.katadbg.ttrpc.CallOptions;
import dev.katadbg.ttrpc.TtrpcClient;
import dev.katadbg.ttrpc.TtrpcException;
import dev.katadbg.ttrpc.TtrpcServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * A run's task through its phases ({@link RunState.Phase}), and the Task API calls that move
 * it: each call's phase is recorded once the call is made, so whoever cleans up, or Ctrl-C on
 * another thread, knows what there is to undo. The state is in one place, swapped whole.
 */
final class TaskLifecycle {
  private static final int SIGKILL = 9;

  private final String id;
  private final AtomicReference<RunState> state = new AtomicReference<>(RunState.NEW);
  /** Counted down with {@link RunState.Phase#ENDED}: what an abort waits for. */
  private final CountDownLatch ended = new CountDownLatch(1);

  TaskLifecycle(String id) {
    this.id = Objects.requireNonNull(id, "id");
  }

  RunState state() {
    return state.get();
  }

  private RunState update(UnaryOperator<RunState> change) {
    return state.updateAndGet(change);
  }

  private TaskClient task() {
    return state().task().orElseThrow(() -> new IllegalStateException("not connected"));
  }

  /** Recorded before the run is prepared, so a failure after it still removes it. */
  void madeBundle(Bundle b) {
    update(s -> s.withBundle(b));
  }

  void prepared(TtrpcServer events) {
    update(s -> s.withEvents(events).to(RunState.Phase.PREPARED));
  }

  /** Recorded before the start's reply is read, so a reply that is no address still ends it. */
  void debugSession(Optional<Path> sessionDir) {
    update(s -> s.withSessionDir(sessionDir));
  }

  void started(String address) {
    update(s -> s.withAddress(address).to(RunState.Phase.STARTED));
  }

  /**
   * Dials the daemon, then Connect, whose reply has the daemon's pid (for a forced cleanup).
   * The connection counts as soon as it exists: a failed Connect is still followed by Shutdown.
   */
  void connect(CallOptions options) throws TtrpcException {
    String address = state().address().orElseThrow(
        () -> new IllegalStateException("no shim daemon to connect to"));
    TaskClient t = new TaskClient(TtrpcClient.connect(TaskClient.socketPath(address)), options);
    update(s -> s.withTask(t).to(RunState.Phase.CONNECTED));
    int pid = t.connect(ConnectRequest.newBuilder().setId(id).build()).getShimPid();
    update(s -> s.withShimPid(pid));
  }

  /** Returns the container's pid. */
  int create(CreateTaskRequest r) throws TtrpcException {
    int pid = task().create(r).getPid();
    update(s -> s.to(RunState.Phase.CREATED));
    return pid;
  }

  void terminal(Terminal t) {
    update(s -> s.withTerminal(t));
  }

  void start() throws TtrpcException {
    task().start(StartRequest.newBuilder().setId(id).build());
    update(s -> s.to(RunState.Phase.RUNNING));
  }

  WaitResponse awaitExit() throws TtrpcException {
    WaitResponse w = task().waitFor(WaitRequest.newBuilder().setId(id).build());
    update(s -> s.to(RunState.Phase.EXITED));
    return w;
  }

  /** Whether a Delete is owed: Create returned and it was not sent yet. */
  boolean hasTask() {
    RunState s = state();
    return s.created() && s.phase().canGoTo(RunState.Phase.DELETED);
  }

  /** Sent once; the task counts as deleted whatever the answer, as nothing is retried. */
  DeleteResponse delete() throws TtrpcException {
    try {
      return task().delete(DeleteRequest.newBuilder().setId(id).build());
    } finally {
      update(s -> s.to(RunState.Phase.DELETED));
    }
  }

  /** Sent once, like Delete. */
  void shutdown() throws TtrpcException {
    try {
      task().shutdown(ShutdownRequest.newBuilder().setId(id).build());
    } finally {
      update(s -> s.to(RunState.Phase.SHUT_DOWN));
    }
  }

  void end() {
    update(s -> s.to(RunState.Phase.ENDED));
    ended.countDown();
  }

  /** Whether the run ended within {@code wait}. */
  boolean awaitEnd(Duration wait) throws InterruptedException {
    return ended.await(wait.toSeconds(), TimeUnit.SECONDS);
  }

  /** Marks the run interrupted; true the first time only. */
  boolean interrupt() {
    return !state.getAndUpdate(s -> s.interrupted() ? s : s.interrupt()).interrupted();
  }

  /**
   * SIGKILL to all the task's processes, with a deadline: Ctrl-C must not wait on a shim that
   * cannot answer.
   */
  void kill(Duration deadline) throws TtrpcException {
    TaskClient t = task();
    t.ttrpc().call(TaskClient.SERVICE, "Kill", KillRequest.newBuilder().setId(id)
        .setSignal(SIGKILL).setAll(true).build(), Empty.parser(),
        t.options().withTimeout(deadline));
  }

  /**
   * At the end of our stdin, CloseIO so a command reading its stdin (cat) sees the end too;
   * not once the run ended or was interrupted (the task is going anyway).
   */
  void closeStdin() {
    RunState s = state();
    if (s.task().isPresent() && !s.ended() && !s.interrupted()) {
      try {
        s.task().get().closeIO(CloseIORequest.newBuilder().setId(id).setStdin(true).build());
      } catch (TtrpcException e) {
        // Exited meanwhile: its stdin is closed anyway.
      }
    }
  }

  void resize(Terminal.Size size) throws TtrpcException {
    task().resizePty(ResizePtyRequest.newBuilder().setId(id)
        .setWidth(size.columns()).setHeight(size.rows()).build());
  }

  /** Closes our connection, so a call blocked on the shim returns at once. */
  void disconnect() {
    state().task().ifPresent(TaskClient::close);
  }
}
