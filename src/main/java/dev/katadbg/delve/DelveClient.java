package dev.katadbg.delve;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * DelveClient talks to a headless Delve server ({@code dlv --headless --api-version=2}) over its
 * JSON-RPC API, as {@code dlv connect} does.
 *
 * <p>Calls are thread-safe and may overlap: other calls are answered while {@link #continueAsync}
 * is pending. Every call except {@code continue} and {@code halt} fails with a {@link
 * DelveException} after the call timeout (30 s unless given to {@link #connect(DelveAddress,
 * Duration, Duration)}); when the connection drops, all waiting calls fail at once. Errors Delve
 * reports become DelveExceptions naming the RPC, e.g. {@code delve FollowExec: unknown method:
 * RPCServer.FollowExec}.
 *
 * <p>{@link #close()} only disconnects: a server started with {@code --accept-multiclient} keeps
 * the target as it is. {@link #detach} ends the server.
 */
public interface DelveClient extends AutoCloseable {
  Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(30);

  /**
   * Connects to the Delve server at {@code address}, retrying every 5 ms until {@code
   * connectTimeout} since dlv may not be listening yet, and completes the GetVersion handshake.
   *
   * @throws DelveException if no server answers in time or it does not serve API v2
   */
  static DelveClient connect(DelveAddress address, Duration connectTimeout) {
    return connect(address, connectTimeout, DEFAULT_CALL_TIMEOUT);
  }

  /** As {@link #connect(DelveAddress, Duration)}, with the timeout for each later call. */
  static DelveClient connect(DelveAddress address, Duration connectTimeout, Duration callTimeout) {
    return JsonRpcDelveClient.connect(address, connectTimeout, callTimeout, Optional::empty);
  }

  /** The server's version, as reported in the handshake. */
  DelveVersion version();

  /**
   * Turns follow-exec on or off: Delve then also debugs children the target execs whose command
   * line matches {@code regex} (Go syntax, unanchored). Set it before the first continue.
   * Breakpoints created before the exec are copied to the child.
   *
   * @param regex required when enabling: without one, a non-Go child breaks {@code continue}
   * @throws DelveException also when the server predates follow-exec (Delve before 1.21.0 answers
   *     "unknown method")
   */
  void followExec(boolean enable, String regex);

  /** Whether follow-exec is on (Delve 1.21.0+). */
  boolean followExecEnabled();

  /**
   * Creates a breakpoint at a location expression, resolved as the {@code break} command does:
   * {@code main.main}, {@code pkg.(*T).Method}, {@code file.go:123}. A location Delve cannot
   * resolve yields a {@link Breakpoint#pending()} breakpoint rather than an error.
   */
  Breakpoint createBreakpoint(String locExpr);

  /** As {@link #createBreakpoint(String)}, with a name (Delve requires it to be unique). */
  Breakpoint createBreakpoint(String locExpr, String name);

  void clearBreakpoint(int id);

  /** User-visible breakpoints, including Delve's own unrecovered-panic and fatal-throw ones. */
  List<Breakpoint> breakpoints();

  /**
   * The debugger state.
   *
   * @param nonBlocking answer at once while the target runs (with {@code running} true) instead of
   *     waiting for it to stop
   */
  DebuggerState state(boolean nonBlocking);

  /**
   * The state once the target is stopped, waiting as long as that takes. Delve serves requests
   * that wait for a stop in the order they came, so a request made while a continue runs is
   * answered the moment the target stops, before a client that sees that stop can act on it.
   */
  DebuggerState awaitStop();

  /**
   * Resumes the target until a breakpoint, an exit or a {@link #halt()}. No timeout applies. With
   * follow-exec the state may name a followed child; when the launched process exits, the state
   * reports that exit even if followed children still run.
   */
  CompletableFuture<DebuggerState> continueAsync();

  /** Stops a running target; waits without a timeout, since it returns when the target stops. */
  DebuggerState halt();

  /**
   * Runs a stepping command on the current goroutine and waits for it to stop.
   *
   * @param name one of {@code next}, {@code step}, {@code stepOut}, {@code stepInstruction}
   * @throws IllegalArgumentException for other names; Delve answers unknown commands with the
   *     current state instead of an error, so they are rejected here
   */
  DebuggerState command(String name);

  /**
   * Selects thread {@code threadId}; with several processes (follow-exec) the process it belongs
   * to becomes Delve's selected one, which State and every command without a pid then use.
   */
  DebuggerState switchThread(int threadId);

  /** Processes being debugged (Delve 1.21.0+): the target and followed children still alive. */
  List<Target> targets();

  /**
   * Ends the debug session and the Delve server.
   *
   * @param kill also kill the target; otherwise it is detached and keeps running
   */
  void detach(boolean kill);

  /**
   * Source files the selected process was built from, as recorded in its DWARF (absolute paths
   * on the build machine), matching {@code filter} (a Go regexp; empty: all).
   */
  List<String> sources(String filter);

  /** All goroutines of the selected process. */
  List<Goroutine> goroutines();

  /** Up to {@code depth} frames of a goroutine's stack, innermost first. */
  List<StackFrame> stacktrace(long goroutineId, int depth);

  /** Disconnects; waiting calls fail. The server keeps running. Idempotent. */
  @Override
  void close();
}
