package dev.katadbg.control;

import dev.katadbg.control.TargetState.BreakpointRef;
import dev.katadbg.control.TargetState.Status;
import dev.katadbg.delve.Breakpoint;
import dev.katadbg.delve.StackFrame;
import dev.katadbg.delve.ThreadInfo;
import dev.katadbg.gdb.GdbBreakpoint;
import dev.katadbg.gdb.GdbException;
import dev.katadbg.gdb.GdbFrame;
import dev.katadbg.gdb.GdbThread;
import dev.katadbg.gdb.Keeper;
import dev.katadbg.gdb.MiRecord;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A gdb session's control, through its keeper gdb (dev.katadbg.gdb): the keeper holds the
 * connection to gdbserver and the breakpoints, so each command is a few MI calls to it. gdb runs
 * in all-stop mode: every thread is stopped or none is.
 */
final class GdbControl implements Control {
  private final Keeper keeper;
  private final Session session;
  private final Duration call;

  private GdbControl(Keeper keeper, Session session, Duration call) {
    this.keeper = keeper;
    this.session = session;
    this.call = call;
  }

  static GdbControl connect(Session s, Processes processes, Duration call) {
    if (!processes.isAlive(s.debugger().pid(), s.debugger().startTime())) {
      throw new ControlException("the session's gdb (pid " + s.debugger().pid() + ") has"
          + " exited; katadbg sessions says why");
    }
    java.util.OptionalLong lent = GdbTerminal.lentTo(s);
    if (lent.isPresent()) {
      throw new ControlException("the session's gdbserver is lent to another gdb (katadbg"
          + " connect or lend, pid " + lent.getAsLong() + "): ask that gdb, or end it and"
          + " katadbg's gdb takes the shim back");
    }
    if (java.nio.file.Files.exists(s.dir().resolve(Keeper.LENT))) {
      // Its borrower died without giving the shim back (killed, say): take it back now.
      GdbTerminal.giveBack(s, processes);
    }
    return new GdbControl(Keeper.in(s.dir()), s, call);
  }

  @Override
  public TargetState state() {
    int daemon = session.shim().map(Session.ProcessRef::pid).orElse(0);
    Optional<Keeper.Threads> asked = threadsUnlessRunning();
    if (asked.isEmpty()) {
      return new TargetState(Status.RUNNING, daemon, "", Optional.empty(), Optional.empty(), 0,
          "");
    }
    Keeper.Threads ts = asked.get();
    if (ts.threads().isEmpty()) {
      return new TargetState(Status.EXITED, daemon, "", Optional.empty(), Optional.empty(),
          exitStatus(), "");
    }
    if (!ts.anyStopped()) {
      return new TargetState(Status.RUNNING, daemon, "", Optional.empty(), Optional.empty(), 0,
          "");
    }
    GdbThread t = ts.currentOrStopped().orElseThrow();
    GdbFrame f = t.frame().orElse(new GdbFrame("", "", 0, ""));
    if (f.function().equals("_start") && f.file().isEmpty()) {
      // The dynamic loader's entry, where the hand-off leaves the daemon: no code of the shim
      // has run (TargetState#beforeFirstInstruction).
      f = new GdbFrame("", "", 0, f.address());
    }
    Optional<BreakpointRef> bp = lastStop().filter(r -> r.name().equals("stopped"))
        .filter(r -> r.fields().text("reason").orElse("").equals("breakpoint-hit"))
        .flatMap(r -> r.fields().text("bkptno"))
        .map(n -> new BreakpointRef(Integer.parseInt(n), ""));
    ThreadInfo info = new ThreadInfo(t.lwp(), f.file(), f.line(), f.function(),
        bp.map(b -> OptionalInt.of(b.id())).orElse(OptionalInt.empty()), "", 0);
    return new TargetState(Status.STOPPED, daemon, "", Optional.of(info), bp, 0, "");
  }

  @Override
  public List<String> breakpointLocations() {
    try {
      return keeper.breakpoints(call).stream().filter(b -> !b.file().isEmpty() && b.line() > 0)
          .map(b -> b.file() + ":" + b.line()).distinct().toList();
    } catch (GdbException e) {
      throw failed("list breakpoints", e);
    }
  }

  @Override
  public Breakpoint createBreakpoint(String location) {
    TargetState s = state();
    if (s.status() == Status.EXITED) {
      throw new ControlException("process " + s.pid() + " has exited; no breakpoint to set");
    }
    boolean wasRunning = s.status() == Status.RUNNING;
    if (wasRunning) {
      halt();
    }
    try {
      GdbBreakpoint b;
      try {
        b = keeper.breakAt(location, call);
      } catch (GdbException e) {
        throw new ControlException("gdb cannot set a breakpoint at '" + location + "': "
            + e.getMessage() + " (" + Keeper.LOCATIONS + ")");
      }
      return new Breakpoint(b.number(), "", b.file(), b.line(), b.function(),
          List.of(address(b.address())), List.of(), b.hits());
    } finally {
      if (wasRunning) {
        resume();
      }
    }
  }

  @Override
  public Continued resume(TargetState s) {
    resume();
    return Continued.of(Continued.Outcome.RESUMED);
  }

  @Override
  public List<GoroutineStack> stacks(Optional<Long> thread, boolean all, int depth) {
    if (depth < 1) {
      throw new IllegalArgumentException("depth must be at least 1: " + depth);
    }
    Keeper.Threads ts = threads();
    if (!ts.anyStopped()) {
      throw new ControlException("the target is " + (ts.threads().isEmpty() ? "gone" : "running")
          + "; stacks can be read only while it is stopped (katadbg break LOCATION, then wait"
          + " for katadbg state to say stopped)");
    }
    List<GdbThread> which = new ArrayList<>();
    if (all) {
      which.addAll(ts.threads());
    } else if (thread.isPresent()) {
      ts.threads().stream().filter(t -> t.lwp() == thread.get()).findFirst()
          .ifPresentOrElse(which::add, () -> {
            throw new ControlException("no thread " + thread.get() + " in the target (threads: "
                + ts.threads().stream().map(t -> String.valueOf(t.lwp())).toList() + ")");
          });
    } else {
      which.add(ts.currentOrStopped().orElseThrow());
    }
    List<GoroutineStack> out = new ArrayList<>();
    try {
      for (GdbThread t : which) {
        out.add(new GoroutineStack(t.lwp(), keeper.frames(t.id(), depth, call).stream()
            .map(f -> new StackFrame(f.function(), f.file(), f.line())).toList(), true));
      }
    } catch (GdbException e) {
      throw failed("stack", e);
    }
    return out;
  }

  @Override
  public Optional<List<String>> sourcesIfStopped(String filter) {
    return Optional.empty();
  }

  @Override
  public void close() {
    // Nothing is held: every call opened the keeper's FIFO and closed it.
  }

  private Keeper.Threads threads() {
    return threadsUnlessRunning().orElse(new Keeper.Threads(List.of(new GdbThread(0, 0, "",
        false, Optional.empty())), 0));
  }

  private Optional<Keeper.Threads> threadsUnlessRunning() {
    try {
      return keeper.threadsUnlessRunning(call);
    } catch (GdbException e) {
      throw failed("state", e);
    }
  }

  private void halt() {
    try {
      keeper.halt(call, HALT_TIMEOUT);
    } catch (GdbException e) {
      throw failed("cannot halt the target", e);
    }
  }

  private void resume() {
    try {
      keeper.call("-exec-continue", call);
    } catch (GdbException e) {
      throw failed("continue failed", e);
    }
  }

  private Optional<MiRecord> lastStop() {
    try {
      return keeper.lastExecRecord();
    } catch (GdbException e) {
      return Optional.empty();
    }
  }

  /** From gdb's last stop record: {@code exited-normally} is 0, {@code exited} has the code. */
  private int exitStatus() {
    Optional<MiRecord> r = lastStop();
    String reason = r.flatMap(x -> x.fields().text("reason")).orElse("");
    if (reason.equals("exited-normally")) {
      return 0;
    }
    if (reason.equals("exited")) {
      // gdb writes the code in octal ("exit-code=\"01\"").
      return r.flatMap(x -> x.fields().text("exit-code")).map(c -> Integer.parseInt(c, 8))
          .orElse(TargetState.UNKNOWN_STATUS);
    }
    return TargetState.UNKNOWN_STATUS;
  }

  private static long address(String a) {
    try {
      return a.startsWith("0x") ? Long.parseUnsignedLong(a.substring(2), 16) : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static ControlException failed(String what, GdbException e) {
    return new ControlException(what + ": " + e.getMessage());
  }
}
