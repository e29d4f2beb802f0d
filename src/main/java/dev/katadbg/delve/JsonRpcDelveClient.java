package dev.katadbg.delve;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/** JsonRpcDelveClient is the {@link DelveClient} over Delve's JSON-RPC API v2. */
final class JsonRpcDelveClient implements DelveClient {
  /** Stepping commands; continue and halt have their own methods because they have no timeout. */
  private static final Set<String> STEP_COMMANDS =
      Set.of("next", "step", "stepOut", "stepInstruction");

  /** How often the handshake checks whether to give up (e.g. dlv died) while waiting. */
  private static final Duration HANDSHAKE_POLL = Duration.ofMillis(50);

  /**
   * Long enough to mean "no timeout" while staying within {@code Future.get}'s nanosecond range.
   */
  private static final Duration FOREVER = Duration.ofDays(365 * 100);

  private final RpcConnection rpc;
  private final Duration callTimeout;
  private final DelveVersion version;

  private JsonRpcDelveClient(RpcConnection rpc, Duration callTimeout, DelveVersion version) {
    this.rpc = rpc;
    this.callTimeout = callTimeout;
    this.version = version;
  }

  /**
   * Dials {@code address} and completes the handshake.
   *
   * @param giveUp polled while dialing and during the handshake; a reason aborts at once
   */
  static DelveClient connect(
      DelveAddress address,
      Duration connectTimeout,
      Duration callTimeout,
      Supplier<Optional<String>> giveUp) {
    Objects.requireNonNull(address, "address");
    if (address.port().filter(p -> p == 0).isPresent()) {
      throw new IllegalArgumentException("cannot connect to port 0: " + address);
    }
    requirePositive(connectTimeout, "connectTimeout");
    requirePositive(callTimeout, "callTimeout");
    Duplex duplex = Dialer.dial(address, connectTimeout, giveUp);
    return open(duplex, address.toString(), callTimeout, giveUp);
  }

  /**
   * Starts the client on an open stream and makes the GetVersion call, which proves the peer is a
   * Delve server speaking API v2. Closes the stream on failure.
   */
  static DelveClient open(
      Duplex duplex, String peer, Duration callTimeout, Supplier<Optional<String>> giveUp) {
    RpcConnection rpc = RpcConnection.open(duplex, peer);
    try {
      Wire.GetVersionOut out = handshake(rpc, callTimeout, giveUp);
      DelveVersion version = WireConversions.version(out);
      if (version.apiVersion() != 2) {
        throw new DelveException(
            "delve at "
                + peer
                + " serves JSON-RPC API v"
                + version.apiVersion()
                + "; start it with --api-version=2");
      }
      return new JsonRpcDelveClient(rpc, callTimeout, version);
    } catch (RuntimeException e) {
      rpc.close();
      throw e;
    }
  }

  private static Wire.GetVersionOut handshake(
      RpcConnection rpc, Duration timeout, Supplier<Optional<String>> giveUp) {
    RpcConnection.Call call = rpc.send("GetVersion", new Wire.Empty());
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        return rpc.decodeResult(
            "GetVersion",
            call.reply().get(HANDSHAKE_POLL.toMillis(), TimeUnit.MILLISECONDS),
            Wire.GetVersionOut.class);
      } catch (TimeoutException e) {
        Optional<String> stop = giveUp.get();
        if (stop.isPresent()) {
          rpc.forget(call);
          throw new DelveException("delve GetVersion at " + rpc.peer() + ": " + stop.get());
        }
        if (System.nanoTime() - deadline >= 0) {
          rpc.forget(call);
          throw new DelveException(
              "delve GetVersion: no reply from "
                  + rpc.peer()
                  + " within "
                  + DurationText.of(timeout)
                  + " (is it a delve server?)");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new DelveException("delve GetVersion: interrupted", e);
      } catch (ExecutionException e) {
        throw new DelveException(e.getCause().getMessage(), e.getCause());
      }
    }
  }

  @Override
  public DelveVersion version() {
    return version;
  }

  @Override
  public void followExec(boolean enable, String regex) {
    if (enable && (regex == null || regex.isBlank())) {
      // Without a regex Delve follows every exec'd child, and a non-Go child (a shell, runc)
      // makes the next continue fail with "could not read section .gopclntab".
      throw new IllegalArgumentException("follow-exec needs a regex for the child's command line");
    }
    try {
      call("FollowExec", new Wire.FollowExecIn(enable, enable ? regex : ""), Wire.Empty.class);
    } catch (DelveException e) {
      if (!version.supportsFollowExec()) {
        throw new DelveException(
            e.getMessage()
                + " (follow-exec needs Delve "
                + DelveVersion.FOLLOW_EXEC_SINCE
                + "+, this server is "
                + version.delveVersion()
                + ")",
            e);
      }
      throw e;
    }
  }

  @Override
  public boolean followExecEnabled() {
    return Boolean.TRUE.equals(
        call("FollowExecEnabled", new Wire.Empty(), Wire.FollowExecEnabledOut.class).enabled());
  }

  @Override
  public Breakpoint createBreakpoint(String locExpr) {
    return create(locExpr, null);
  }

  @Override
  public Breakpoint createBreakpoint(String locExpr, String name) {
    requireText(name, "breakpoint name");
    return create(locExpr, name);
  }

  private Breakpoint create(String locExpr, String name) {
    requireText(locExpr, "location expression");
    Wire.CreateBreakpointOut out =
        call(
            "CreateBreakpoint",
            new Wire.CreateBreakpointIn(new Wire.BreakpointSpec(name), locExpr),
            Wire.CreateBreakpointOut.class);
    if (out.breakpoint() == null) {
      throw new DelveException("delve CreateBreakpoint: reply without a breakpoint");
    }
    return WireConversions.breakpoint(out.breakpoint());
  }

  @Override
  public void clearBreakpoint(int id) {
    call("ClearBreakpoint", new Wire.ClearBreakpointIn(id), Wire.Empty.class);
  }

  @Override
  public List<Breakpoint> breakpoints() {
    var out =
        call("ListBreakpoints", new Wire.ListBreakpointsIn(false), Wire.ListBreakpointsOut.class);
    return WireConversions.list(out.breakpoints()).stream()
        .map(WireConversions::breakpoint)
        .toList();
  }

  @Override
  public DebuggerState awaitStop() {
    var out = rpc.call("State", new Wire.StateIn(false), Wire.StateOut.class, FOREVER);
    return WireConversions.state(out.state());
  }

  @Override
  public DebuggerState state(boolean nonBlocking) {
    var out = call("State", new Wire.StateIn(nonBlocking), Wire.StateOut.class);
    return WireConversions.state(out.state());
  }

  @Override
  public CompletableFuture<DebuggerState> continueAsync() {
    return rpc.callAsync("Command", new Wire.CommandIn("continue"), Wire.StateOut.class)
        .thenApply(out -> WireConversions.state(out.state()));
  }

  @Override
  public DebuggerState halt() {
    // No timeout: with follow-exec, halt stops only the selected process and may wait until
    // another one hits a breakpoint (a known Delve limitation).
    var out = rpc.call("Command", new Wire.CommandIn("halt"), Wire.StateOut.class, FOREVER);
    return WireConversions.state(out.state());
  }

  @Override
  public DebuggerState command(String name) {
    if (!STEP_COMMANDS.contains(name)) {
      throw new IllegalArgumentException(
          "unsupported delve command '" + name + "'; use one of " + STEP_COMMANDS);
    }
    return WireConversions.state(
        call("Command", new Wire.CommandIn(name), Wire.StateOut.class).state());
  }

  @Override
  public DebuggerState switchThread(int threadId) {
    return WireConversions.state(call("Command", new Wire.SwitchThreadIn("switchThread", threadId),
        Wire.StateOut.class).state());
  }

  @Override
  public List<Target> targets() {
    var out = call("ListTargets", new Wire.Empty(), Wire.ListTargetsOut.class);
    return WireConversions.list(out.targets()).stream().map(WireConversions::target).toList();
  }

  @Override
  public void detach(boolean kill) {
    call("Detach", new Wire.DetachIn(kill), Wire.Empty.class);
  }

  @Override
  public List<String> sources(String filter) {
    var out = call("ListSources", new Wire.ListSourcesIn(filter), Wire.ListSourcesOut.class);
    return WireConversions.list(out.sources());
  }

  @Override
  public List<Goroutine> goroutines() {
    List<Goroutine> all = new ArrayList<>();
    int start = 0;
    // Count 0 asks for all of them; Delve still pages when told to, signalled by Nextg > 0.
    while (true) {
      var out =
          call("ListGoroutines", new Wire.ListGoroutinesIn(start, 0), Wire.ListGoroutinesOut.class);
      WireConversions.list(out.goroutines()).stream()
          .map(WireConversions::goroutine)
          .forEach(all::add);
      Integer next = out.nextg();
      if (next == null || next <= start) {
        return List.copyOf(all);
      }
      start = next;
    }
  }

  @Override
  public List<StackFrame> stacktrace(long goroutineId, int depth) {
    if (depth < 1) {
      throw new IllegalArgumentException("stack depth must be positive: " + depth);
    }
    var out =
        call("Stacktrace", new Wire.StacktraceIn(goroutineId, depth), Wire.StacktraceOut.class);
    // Delve's Depth is the deepest frame index, so it sends up to depth+1 frames.
    return WireConversions.list(out.locations()).stream()
        .limit(depth)
        .map(WireConversions::frame)
        .toList();
  }

  @Override
  public void close() {
    rpc.close();
  }

  private <T> T call(String method, Object params, Class<T> resultType) {
    return rpc.call(method, params, resultType, callTimeout);
  }

  private static void requireText(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(what + " must not be empty");
    }
  }

  private static void requirePositive(Duration d, String what) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive: " + d);
    }
  }
}
