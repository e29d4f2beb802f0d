package dev.katadbg.control;

import dev.katadbg.delve.Breakpoint;
import dev.katadbg.delve.StackFrame;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One connection to a session's debugger, for one scripted command: its Delve server, or for a
 * gdb session its keeper gdb. Closing it only disconnects: the debugger and the target stay as
 * they are, so other clients keep working.
 */
public interface Control extends AutoCloseable {
  /** How long a halt may take before the halt limitation is assumed. */
  Duration HALT_TIMEOUT = Duration.ofSeconds(3);

  /** Timeouts of a command's connect and calls. */
  Duration CONNECT = Duration.ofSeconds(5);
  Duration CALL = Duration.ofSeconds(10);

  /**
   * Connects to a session's debugger.
   *
   * @throws ControlException if it does not answer
   */
  static Control connect(Session s, Processes processes) {
    return connect(s, processes, CONNECT, CALL);
  }

  private static Control connect(Session s, Processes processes, Duration connect,
      Duration call) {
    if (s.kind() == Session.DebuggerKind.GDB) {
      return GdbControl.connect(s, processes, call);
    }
    return DelveControl.connect(s, processes, connect, call);
  }

  /**
   * What a session's target is doing, asked of its debugger within {@code timeout} for the
   * connect and for each call; empty when it does not answer (a listing must not wait on one
   * session).
   */
  static Optional<TargetState> peek(Session s, Processes processes, Duration timeout) {
    try (Control c = connect(s, processes, timeout, timeout)) {
      return Optional.of(c.state());
    } catch (ControlException e) {
      return Optional.empty();
    }
  }

  /** What the target is doing now; never waits for it to stop. */
  TargetState state();

  /**
   * The user's breakpoints as {@code FILE:LINE} locations, to set again elsewhere: the
   * debugger's internal ones are left out.
   */
  List<String> breakpointLocations();

  /**
   * Creates a breakpoint at a location expression of the session's debugger. A running target
   * is halted for it and continued again.
   *
   * @throws ControlException if the location does not resolve to code in the target, or the
   *     target cannot be halted now
   */
  Breakpoint createBreakpoint(String location);

  /**
   * Resumes a stopped target and returns at once, leaving it running after this client
   * disconnects.
   *
   * @throws ControlException if the target has exited
   */
  default Continued continueTarget() {
    return continueTarget(state());
  }

  /** Continues a target whose state the caller has just asked ({@link #state}). */
  default Continued continueTarget(TargetState s) {
    if (s.status() == TargetState.Status.RUNNING) {
      return Continued.of(Continued.Outcome.ALREADY_RUNNING);
    }
    if (s.status() == TargetState.Status.EXITED) {
      throw new ControlException("process " + s.pid() + " has exited; nothing to continue");
    }
    return resume(s);
  }

  /** Continues a target {@code s} says is stopped; how depends on the debugger. */
  Continued resume(TargetState s);

  /**
   * Stacks of a stopped target: one goroutine or thread (empty: the current one) or all of
   * them.
   *
   * @throws ControlException if the target runs (stacks are read only while it is stopped)
   */
  List<GoroutineStack> stacks(Optional<Long> goroutine, boolean all, int depth);

  /**
   * Source files of the stopped target matching a Go regexp, as its DWARF records them; empty
   * while it runs, or when the debugger does not list them.
   */
  Optional<List<String>> sourcesIfStopped(String filter);

  @Override
  void close();

  /**
   * The outcome of {@link #continueTarget()}.
   *
   * @param pid with {@code EXITED}, the process that exited
   * @param exitStatus with {@code EXITED}, its status
   */
  public record Continued(Outcome outcome, int pid, int exitStatus) {
    /** What the continue did. */
    public enum Outcome {
      /** It was stopped and now runs. */
      RESUMED,
      /** It was already running; nothing was done. */
      ALREADY_RUNNING,
      /** It ran to its end at once (e.g. the shim exits when its last container is deleted). */
      EXITED
    }

    static Continued of(Outcome o) {
      return new Continued(o, 0, 0);
    }

    /** For people: {@code continued}, {@code already running}, or the exit. */
    public String describe() {
      return switch (outcome) {
        case RESUMED -> "continued";
        case ALREADY_RUNNING -> "already running";
        case EXITED -> "continued; process " + pid + (exitStatus == TargetState.UNKNOWN_STATUS
            ? " exited (its debugger ended with it)" : " exited with status " + exitStatus);
      };
    }
  }


  /**
   * A goroutine's stack, or with {@code thread} a thread's (gdb: its kernel thread id as the id).
   */
  public record GoroutineStack(long goroutineId, List<StackFrame> frames, boolean thread) {
    public GoroutineStack {
      frames = List.copyOf(frames);
    }

    public GoroutineStack(long goroutineId, List<StackFrame> frames) {
      this(goroutineId, frames, false);
    }

    /** {@code goroutine N} or {@code thread N}. */
    public String label() {
      return (thread ? "thread " : "goroutine ") + goroutineId;
    }
  }

}
