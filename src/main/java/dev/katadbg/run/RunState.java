package dev.katadbg.run;

import dev.katadbg.task.TaskClient;
import dev.katadbg.ttrpc.TtrpcServer;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a run is and what it has made so far, as one value: the run's thread moves it on, Ctrl-C
 * (another thread) reads it and marks it interrupted, so both see the same moment.
 *
 * <p>Ctrl-C is a mark, not a phase: an interrupted run still goes through its phases (the Kill
 * makes Wait return, then Delete and Shutdown), the mark only changes what some steps do.
 * {@code created} outlives {@link Phase#CREATED} because Kill on Ctrl-C and ResizePty are tried
 * whenever Create ever returned, even while the task is being deleted.
 *
 * @param sessionDir the debug session's directory, once the shim's start under Delve told it
 * @param address the shim daemon's address, once its start replied one
 * @param shimPid the shim daemon's pid from Connect, 0 before
 */
record RunState(Phase phase, boolean created, boolean interrupted, Optional<Bundle> bundle,
    Optional<TtrpcServer> events, Optional<Path> sessionDir, Optional<String> address,
    Optional<TaskClient> task, int shimPid, Optional<Terminal> terminal) {

  /** containerd's order of calls; cleanup leaves from wherever the run stopped. */
  enum Phase {
    /** Nothing made yet. */
    NEW,
    /** The bundle, the log relay and the events socket exist. */
    PREPARED,
    /** The shim's {@code start} replied its daemon's address: a daemon to delete later. */
    STARTED,
    /** A Task API connection to the daemon exists (Connect may still fail on it). */
    CONNECTED,
    /** Create returned: the shim holds a task to delete. */
    CREATED,
    /** Start returned: the container's process runs. */
    RUNNING,
    /** Wait returned the exit status. */
    EXITED,
    /** Delete was sent (answered or not). */
    DELETED,
    /** Shutdown was sent (answered or not); the shim's delete and our files follow. */
    SHUT_DOWN,
    /** Everything of the run is released; an abort waiting for this stops waiting. */
    ENDED;

    /**
     * The next phase in order, or the cleanup's way out: with a task, Delete; with a
     * connection, Shutdown; without, straight to the end.
     */
    boolean canGoTo(Phase next) {
      return switch (this) {
        case NEW -> next == PREPARED || next == ENDED;
        case PREPARED -> next == STARTED || next == ENDED;
        case STARTED -> next == CONNECTED || next == ENDED;
        case CONNECTED -> next == CREATED || next == SHUT_DOWN;
        case CREATED -> next == RUNNING || next == DELETED;
        case RUNNING -> next == EXITED || next == DELETED;
        case EXITED -> next == DELETED;
        case DELETED -> next == SHUT_DOWN;
        case SHUT_DOWN -> next == ENDED;
        case ENDED -> false;
      };
    }

    /** Phases reached only by the run's normal way, each needing what it names. */
    private boolean atLeast(Phase p) {
      return this != ENDED && compareTo(p) >= 0;
    }
  }

  static final RunState NEW = new RunState(Phase.NEW, false, false, Optional.empty(),
      Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 0,
      Optional.empty());

  RunState {
    Objects.requireNonNull(phase, "phase");
    Objects.requireNonNull(bundle, "bundle");
    Objects.requireNonNull(events, "events");
    Objects.requireNonNull(sessionDir, "sessionDir");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(terminal, "terminal");
    if (shimPid < 0) {
      throw new IllegalArgumentException("negative shim pid " + shimPid);
    }
    if (phase.atLeast(Phase.PREPARED) && (bundle.isEmpty() || events.isEmpty())) {
      throw new IllegalArgumentException(phase + " without a bundle and an events socket");
    }
    if (phase.atLeast(Phase.STARTED) && address.isEmpty()) {
      throw new IllegalArgumentException(phase + " without a shim daemon's address");
    }
    if (phase.atLeast(Phase.CONNECTED) && task.isEmpty()) {
      throw new IllegalArgumentException(phase + " without a Task API connection");
    }
    if ((phase == Phase.CREATED || phase == Phase.RUNNING || phase == Phase.EXITED
        || phase == Phase.DELETED) && !created) {
      throw new IllegalArgumentException(phase + " before Create returned");
    }
  }

  /** This state moved to {@code next}; an order containerd would not follow is a bug here. */
  RunState to(Phase next) {
    if (!phase.canGoTo(next)) {
      throw new IllegalStateException("a run cannot go from " + phase + " to " + next);
    }
    return new RunState(next, created || next == Phase.CREATED, interrupted, bundle, events,
        sessionDir, address, task, shimPid, terminal);
  }

  RunState interrupt() {
    return new RunState(phase, created, true, bundle, events, sessionDir, address, task,
        shimPid, terminal);
  }

  RunState withBundle(Bundle b) {
    return new RunState(phase, created, interrupted, Optional.of(b), events, sessionDir,
        address, task, shimPid, terminal);
  }

  RunState withEvents(TtrpcServer e) {
    return new RunState(phase, created, interrupted, bundle, Optional.of(e), sessionDir,
        address, task, shimPid, terminal);
  }

  RunState withSessionDir(Optional<Path> dir) {
    return new RunState(phase, created, interrupted, bundle, events, dir, address, task,
        shimPid, terminal);
  }

  RunState withAddress(String a) {
    return new RunState(phase, created, interrupted, bundle, events, sessionDir,
        Optional.of(a), task, shimPid, terminal);
  }

  RunState withTask(TaskClient t) {
    return new RunState(phase, created, interrupted, bundle, events, sessionDir, address,
        Optional.of(t), shimPid, terminal);
  }

  RunState withShimPid(int pid) {
    return new RunState(phase, created, interrupted, bundle, events, sessionDir, address,
        task, pid, terminal);
  }

  RunState withTerminal(Terminal t) {
    return new RunState(phase, created, interrupted, bundle, events, sessionDir, address,
        task, shimPid, Optional.of(t));
  }

  boolean ended() {
    return phase == Phase.ENDED;
  }
}
