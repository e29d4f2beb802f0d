package dev.katadbg.session;

import dev.katadbg.delve.Breakpoint;
import dev.katadbg.delve.DebuggerState;
import dev.katadbg.delve.DelveAddress;
import dev.katadbg.delve.DelveClient;
import dev.katadbg.delve.DelveException;
import dev.katadbg.gdb.GdbException;
import dev.katadbg.gdb.Keeper;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session.ProcessRef;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Operations on a live session's debugger. */
public final class SessionControl {
  private static final Duration CONNECT = Duration.ofSeconds(5);
  private static final Duration HALT = Duration.ofSeconds(3);
  private static final Duration CALL = Duration.ofSeconds(10);

  private final Processes processes;

  public SessionControl(Processes processes) {
    this.processes = processes;
  }

  /** How a session was ended, for the user. */
  public enum Outcome {
    /** Delve removed its breakpoints and let go; the shim runs on. */
    DETACHED,
    /** Delve could not be asked to let go, and the shim had no breakpoints: Delve was killed. */
    DEBUGGER_KILLED,
    /** The shim and the debugger were both ended. */
    KILLED
  }

  /**
   * Ends the session. An attached session ({@link Session.Origin#ATTACHED}) is halted, its
   * breakpoints cleared and Delve asked to Detach without killing. Delve's Detach kills a process it launched whatever it is asked
   * ({@code if AttachPid == 0 { kill = true }} in its debugger), so leaving a wrapper's shim
   * running takes another way: halt it, clear every breakpoint (Delve restores the original
   * instructions), then kill Delve; the kernel lets the tracee go and it is resumed.
   *
   * <p>Delve 1.24 cannot halt a shim whose daemon has not stopped once since its start process
   * exited while still selected (the halt waits forever, shared/notes/delve.md; the wrapper
   * avoids it without wait_for_client by selecting the daemon). Then, if no breakpoints were
   * set, killing Delve is still a clean detach; otherwise only {@code kill} may end it.
   */
  public Outcome stop(Session s, boolean kill) {
    if (kill) {
      // Signals, not Delve's Detach: that waits for a running target to stop first.
      List<Integer> tracees = processes.traceesOf(s.debugger().pid());
      s.shim().ifPresent(r -> processes.kill(r.pid(), r.startTime()));
      processes.kill(s.debugger().pid(), s.debugger().startTime());
      tracees.forEach(processes::killTree);
      awaitGone(s.debugger());
      s.shim().ifPresent(this::awaitGone);
      return Outcome.KILLED;
    }
    if (s.kind() == Session.DebuggerKind.GDB) {
      return stopGdb(s);
    }
    if (s.listen().isEmpty()) {
      // dlv was launched but has not said where it listens: it can have set no breakpoint yet.
      killDebugger(s);
      return Outcome.DEBUGGER_KILLED;
    }
    Optional<String> stuck;
    try (DelveClient c = DelveClient.connect(DelveAddress.parse(s.listen()), CONNECT)) {
      stuck = haltIfRunning(c);
      if (stuck.isEmpty()) {
        for (Breakpoint bp : c.breakpoints()) {
          if (bp.id() > 0) {
            c.clearBreakpoint(bp.id());
          }
        }
        if (s.origin().attachedByDelve()) {
          // Delve lets an attached process go on Detach (kill=false): PTRACE_DETACH resumes it
          // where it stopped, with Delve's own breakpoints removed too; then Delve exits.
          c.detach(false);
          awaitGone(s.debugger());
          if (!processes.isAlive(s.debugger().pid(), s.debugger().startTime())) {
            return Outcome.DETACHED;
          }
        }
      }
    } catch (DelveException e) {
      stuck = Optional.of("its debugger at " + s.listen() + " does not answer: "
          + e.getMessage());
    }
    if (stuck.isPresent() && !s.breakpoints().isEmpty()) {
      throw new IllegalStateException("cannot detach from " + s.id() + ": " + stuck.get()
          + "; its breakpoints " + s.breakpoints() + " would stay in the shim's code. Let it"
          + " stop at one first, or end it with --kill");
    }
    killDebugger(s);
    return stuck.isEmpty() ? Outcome.DETACHED : Outcome.DEBUGGER_KILLED;
  }

  /**
   * A gdb session: its keeper halts the shim if it runs and detaches, which removes the
   * breakpoints and makes gdbserver let the shim go; then the keeper is ended (gdbserver, its
   * child, with it). A keeper that cannot do that is killed only if no breakpoint was set.
   */
  private Outcome stopGdb(Session s) {
    java.util.OptionalLong lent = Keeper.lentTo(s.dir());
    if (lent.isPresent()) {
      // Ending the keeper now would end gdbserver under the borrower's gdb and leave that gdb's
      // breakpoints in the shim's code.
      throw new IllegalStateException("cannot detach from " + s.id() + ": its gdbserver is lent"
          + " to another gdb (katadbg connect or lend, pid " + lent.getAsLong() + "); end that"
          + " first, or end everything with --kill");
    }
    Keeper k = Keeper.in(s.dir());
    Optional<String> stuck = Optional.empty();
    try {
      k.halt(CALL, HALT);
      if (!k.threads(CALL).threads().isEmpty()) {
        k.call("-target-detach", CALL);
      }
    } catch (GdbException e) {
      stuck = Optional.of("its gdb does not answer: " + e.getMessage());
    }
    if (stuck.isPresent() && !s.breakpoints().isEmpty()) {
      throw new IllegalStateException("cannot detach from " + s.id() + ": " + stuck.get()
          + "; its breakpoints " + s.breakpoints() + " would stay in the shim's code. End it"
          + " with --kill");
    }
    ProcessRef d = s.debugger();
    processes.kill(d.pid(), d.startTime());
    awaitGone(d);
    s.shim().ifPresent(r -> processes.stopOrContinue(r.pid(), r.startTime(), true));
    return stuck.isEmpty() ? Outcome.DETACHED : Outcome.DEBUGGER_KILLED;
  }

  /** Empty when the target is now stopped; otherwise why it could not be halted. */
  private static Optional<String> haltIfRunning(DelveClient c) {
    DebuggerState st;
    try {
      st = c.state(true);
    } catch (DelveException e) {
      // "Process N has exited": Delve still has the finished start process selected.
      return Optional.of("Delve has lost track of it (" + e.getMessage() + ")");
    }
    if (!st.running()) {
      return Optional.empty();
    }
    CompletableFuture<DebuggerState> halted = CompletableFuture.supplyAsync(c::halt);
    try {
      halted.get(HALT.toMillis(), TimeUnit.MILLISECONDS);
      return Optional.empty();
    } catch (TimeoutException e) {
      return Optional.of("it did not halt within " + HALT.toSeconds() + "s (Delve halts only a"
          + " process that has stopped at least once)");
    } catch (Exception e) {
      return Optional.of("halt failed: " + e.getMessage());
    }
  }

  /** Returns once the process is gone (a zombie counts), or after five seconds. */
  private void awaitGone(ProcessRef r) {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (processes.isAlive(r.pid(), r.startTime()) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** SIGKILL to Delve; the kernel detaches its tracees, which may need a SIGCONT to run on. */
  private void killDebugger(Session s) {
    ProcessRef d = s.debugger();
    processes.kill(d.pid(), d.startTime());
    awaitGone(d);
    s.shim().ifPresent(r -> processes.stopOrContinue(r.pid(), r.startTime(), true));
  }
}
