package dev.katadbg.control;

import dev.katadbg.control.TargetState.BreakpointRef;
import dev.katadbg.control.TargetState.Status;
import dev.katadbg.delve.Breakpoint;
import dev.katadbg.delve.DebuggerState;
import dev.katadbg.delve.DelveAddress;
import dev.katadbg.delve.DelveClient;
import dev.katadbg.delve.DelveException;
import dev.katadbg.delve.Goroutine;
import dev.katadbg.delve.StackFrame;
import dev.katadbg.delve.ThreadInfo;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One connection to a session's Delve server, for one scripted command. Closing it only
 * disconnects: the server (started with {@code --accept-multiclient}) and the target stay as they
 * are, so other clients keep working.
 */
final class DelveControl implements Control {

  /** Delve's answer to State when its selected process has exited. */
  private static final Pattern EXITED =
      Pattern.compile("Process (\\d+) has exited with status (-?\\d+)");
  private static final Duration CONNECT = Duration.ofSeconds(5);
  private static final Duration CALL = Duration.ofSeconds(10);

  private final DelveClient client;
  private final int daemonPid;
  private final int startPid;
  private final BooleanSupplier daemonGone;

  DelveControl(DelveClient client, int daemonPid, int startPid, BooleanSupplier daemonGone) {
    this.client = client;
    this.daemonPid = daemonPid;
    this.startPid = startPid;
    this.daemonGone = daemonGone;
  }

  /**
   * Connects to a session's Delve server.
   *
   * @throws ControlException if no Delve server answers there
   */
  static DelveControl connect(Session s, Processes processes, Duration connect,
      Duration call) {
    Optional<Session.ProcessRef> daemon = s.shim();
    if (s.listen().isEmpty()) {
      throw new ControlException("the debugger of " + s.id() + " (pid " + s.debugger().pid()
          + ") has not said where it listens yet: retry in a moment");
    }
    try {
      return new DelveControl(DelveClient.connect(DelveAddress.parse(s.listen()), connect, call),
          daemon.map(Session.ProcessRef::pid).orElse(0),
          s.startProcess().map(Session.ProcessRef::pid).orElse(0),
          () -> daemon.isPresent()
              && !processes.isAlive(daemon.get().pid(), daemon.get().startTime()));
    } catch (DelveException | IllegalArgumentException e) {
      throw new ControlException("no debugger answers at " + s.listen() + ": " + e.getMessage());
    }
  }


  /**
   * Connects to the Delve server at {@code listen}.
   *
   * @param daemonPid the shim daemon's pid as recorded for the session (0 if unknown), reported
   *     while Delve itself still names the exited start process
   * @param startPid the shim's start process (0 if unknown), to recognise katadbg's stop at its
   *     exit
   * @param daemonGone whether the shim daemon has exited: Delve then still names the start
   *     process's exit, as in the window before the daemon first stops
   * @throws ControlException if no Delve server answers there
   */
  static DelveControl connect(String listen, int daemonPid, int startPid,
      BooleanSupplier daemonGone) {
    try {
      return new DelveControl(DelveClient.connect(DelveAddress.parse(listen), CONNECT, CALL),
          daemonPid, startPid, daemonGone);
    } catch (DelveException | IllegalArgumentException e) {
      throw new ControlException("no debugger answers at " + listen + ": " + e.getMessage());
    }
  }


  /** What the target is doing now; never waits for it to stop. */
  @Override
  public TargetState state() {
    DebuggerState st;
    try {
      st = client.state(true);
    } catch (DelveException e) {
      Matcher m = EXITED.matcher(String.valueOf(e.getMessage()));
      if (!m.find()) {
        throw failed("state", e);
      }
      int pid = Integer.parseInt(m.group(1));
      if (pid != startPid || startPid == 0) {
        return new TargetState(Status.EXITED, pid, "", Optional.empty(), Optional.empty(),
            Integer.parseInt(m.group(2)), "");
      }
      if (daemonGone.getAsBoolean()) {
        // Once the followed daemon has exited too, Delve names the start process again.
        return new TargetState(Status.EXITED, daemonPid, "", Optional.empty(), Optional.empty(),
            TargetState.UNKNOWN_STATUS, "");
      }
      return new TargetState(Status.RUNNING, daemonPid, "", Optional.empty(), Optional.empty(),
          0, TargetState.START_EXITED);
    }
    if (st.running()) {
      return new TargetState(Status.RUNNING, st.pid(), st.targetCommandLine(), Optional.empty(),
          Optional.empty(), 0, "");
    }
    if (st.exited()) {
      return new TargetState(Status.EXITED, st.pid(), st.targetCommandLine(), Optional.empty(),
          Optional.empty(), st.exitStatus(), "");
    }
    // A non-blocking State leaves out the thread's location and breakpoint at a stop; the
    // blocking one returns at once when the target is stopped, which it is.
    try {
      st = client.state(false);
    } catch (DelveException e) {
      throw failed("state", e);
    }
    if (st.running() || st.currentThread().isEmpty()) {
      // Another client continued it between the two calls.
      return new TargetState(st.exited() ? Status.EXITED : Status.RUNNING, st.pid(),
          st.targetCommandLine(), Optional.empty(), Optional.empty(), st.exitStatus(), "");
    }
    ThreadInfo t = st.currentThread().get();
    return new TargetState(Status.STOPPED, st.pid(), st.targetCommandLine(), Optional.of(t),
        breakpointRef(t), 0, "");
  }

  /**
   * The user's breakpoints as {@code FILE:LINE} locations, to set again elsewhere: Delve's
   * internal ones are left out.
   */
  @Override
  public List<String> breakpointLocations() {
    try {
      return client.breakpoints().stream()
          .filter(b -> b.id() > 0 && !b.pending()
              && !b.file().isEmpty() && !b.file().startsWith("<") && b.line() > 0)
          .map(b -> b.file() + ":" + b.line())
          .distinct()
          .toList();
    } catch (DelveException e) {
      throw failed("list breakpoints", e);
    }
  }

  /**
   * Creates a breakpoint at a Delve location expression. A running target is halted for it (Delve
   * changes breakpoints only while stopped) and continued again.
   *
   * @throws ControlException if Delve cannot resolve the location (the pending breakpoint it made
   *     is removed again) or the target cannot be halted now
   */
  @Override
  public Breakpoint createBreakpoint(String location) {
    boolean wasRunning = haltForChange("set a breakpoint");
    try {
      Breakpoint bp;
      try {
        bp = client.createBreakpoint(location);
      } catch (DelveException e) {
        // Delve 1.24 tries every process it ever followed, the exited start process first, and
        // gives up there: no new breakpoint once the start process is gone (DapClientIT).
        if (startPid > 0 && e.getMessage().contains("Process " + startPid + " has exited")) {
          throw new ControlException("cannot set a breakpoint at '" + location + "' now: the"
              + " shim's start process (pid " + startPid + ") has exited, and from then on"
              + " Delve refuses every new breakpoint. Set them before (while the shim waits"
              + " for a client, or in [debugger] breakpoints), or give the shim a debugger of"
              + " its own that has no such limit: katadbg reattach SESSION (it detaches this one,"
              + " attaches to the daemon, pid " + daemonPid + ", and sets the breakpoints again;"
              + " clients now connected are dropped)");
        }
        throw failed("cannot set a breakpoint at '" + location + "'", e);
      }
      if (bp.pending()) {
        client.clearBreakpoint(bp.id());
        throw new ControlException("Delve cannot resolve '" + location + "' to code in the"
            + " target (check the spelling: pkg.Func, pkg.(*T).Method or file.go:LINE)");
      }
      return bp;
    } finally {
      if (wasRunning) {
        client.continueAsync();
      }
    }
  }

  /**
   * How long a continue waits for Delve's answer before it reports the shim resumed. Delve
   * answers at once only when the continue failed or the process ended; it answers a refused
   * continue within milliseconds, and `continue` is typed and polled as often as `state`.
   */
  static final java.time.Duration CONTINUE_ANSWER = java.time.Duration.ofMillis(25);


  @Override
  public Continued resume(TargetState s) {
    // Delve answers at once only when the continue failed or the target stops right away. It
    // may also answer with the exit of the start process it launched, which it still reports
    // after follow-exec moved on to the daemon (shared/notes/delve.md): then it is asked again.
    for (int attempt = 0; attempt < 3; attempt++) {
      CompletableFuture<DebuggerState> done = client.continueAsync();
      DebuggerState st;
      try {
        st = done.get(CONTINUE_ANSWER.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        return Continued.of(Continued.Outcome.RESUMED);
      } catch (ExecutionException e) {
        if (daemonGone.getAsBoolean()) {
          // It ran to its end at once, and its Delve, which the session's reaper ends with the
          // shim, went before it answered.
          return new Continued(Continued.Outcome.EXITED, daemonPid, TargetState.UNKNOWN_STATUS);
        }
        throw new ControlException("continue failed: " + e.getCause().getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ControlException("interrupted");
      }
      if (!st.exited()) {
        return Continued.of(Continued.Outcome.RESUMED);
      }
      if (st.pid() != startPid || startPid == 0) {
        return new Continued(Continued.Outcome.EXITED, st.pid(), st.exitStatus());
      }
      TargetState now = state();
      if (now.status() != Status.STOPPED) {
        return Continued.of(Continued.Outcome.RESUMED);
      }
    }
    return Continued.of(Continued.Outcome.RESUMED);
  }

  /**
   * Stacks of a stopped target: one goroutine (empty: the current one) or all of them.
   *
   * @throws ControlException if the target runs (Delve reads stacks only while stopped)
   */
  @Override
  public List<GoroutineStack> stacks(Optional<Long> goroutine, boolean all, int depth) {
    if (depth < 1) {
      throw new IllegalArgumentException("depth must be at least 1: " + depth);
    }
    TargetState s = state();
    if (s.status() != Status.STOPPED) {
      throw new ControlException("the target is " + s.describe().replaceFirst("^pid \\d+ ", "")
          + "; stacks can be read only while it is stopped (katadbg break LOCATION, then wait"
          + " for katadbg state to say stopped)");
    }
    try {
      if (all) {
        List<GoroutineStack> out = new ArrayList<>();
        for (Goroutine g : client.goroutines()) {
          out.add(new GoroutineStack(g.id(), client.stacktrace(g.id(), depth)));
        }
        return out;
      }
      long id = goroutine.orElse(s.thread().orElseThrow().goroutineId());
      if (id <= 0) {
        throw new ControlException("the stopped thread runs no goroutine; name one with"
            + " --goroutine N or use --all");
      }
      return List.of(new GoroutineStack(id, client.stacktrace(id, depth)));
    } catch (DelveException e) {
      throw failed("stack", e);
    }
  }

  /**
   * Source files of the stopped target matching a Go regexp, as its DWARF records them; empty
   * while it runs, since Delve answers only for a stopped target.
   */
  @Override
  public Optional<List<String>> sourcesIfStopped(String filter) {
    if (state().status() != Status.STOPPED) {
      return Optional.empty();
    }
    try {
      return Optional.of(client.sources(filter));
    } catch (DelveException e) {
      throw failed("list sources", e);
    }
  }

  /**
   * Halts a running target so breakpoints can change; false if it was already stopped.
   *
   * @throws ControlException if it does not halt in {@link #HALT_TIMEOUT}
   */
  private boolean haltForChange(String what) {
    TargetState s = state();
    if (s.status() != Status.RUNNING) {
      return false;
    }
    if (s.note().equals(TargetState.START_EXITED)) {
      throw cannotHalt(what);
    }
    CompletableFuture<DebuggerState> halted = CompletableFuture.supplyAsync(client::halt);
    try {
      halted.get(HALT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      throw cannotHalt(what);
    } catch (ExecutionException e) {
      throw new ControlException("cannot halt the target to " + what + ": "
          + e.getCause().getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ControlException("interrupted halting the target");
    }
  }

  private static ControlException cannotHalt(String what) {
    return new ControlException("cannot " + what + " now: the target runs and Delve cannot halt"
        + " it (" + TargetState.START_EXITED + "; Delve halts only a process that has stopped"
        + " once). Set breakpoints while it is stopped: with [debugger] wait_for_client = true,"
        + " or in [debugger] breakpoints");
  }

  private Optional<BreakpointRef> breakpointRef(ThreadInfo t) {
    OptionalInt id = t.breakpointId();
    if (id.isEmpty()) {
      return Optional.empty();
    }
    String name = t.breakpointName();
    if (!name.isEmpty()) {
      return Optional.of(new BreakpointRef(id.getAsInt(), name));
    }
    try {
      for (Breakpoint bp : client.breakpoints()) {
        if (bp.id() == id.getAsInt()) {
          name = bp.name();
        }
      }
    } catch (DelveException e) {
      // The id alone still says why it stopped.
    }
    return Optional.of(new BreakpointRef(id.getAsInt(), name));
  }

  private static ControlException failed(String what, DelveException e) {
    return new ControlException(what + ": " + e.getMessage());
  }

  @Override
  public void close() {
    client.close();
  }
}
