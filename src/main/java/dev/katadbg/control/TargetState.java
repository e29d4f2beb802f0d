package dev.katadbg.control;

import dev.katadbg.delve.ThreadInfo;
import java.util.Objects;
import java.util.Optional;

/**
 * What a session's target is doing, as {@code katadbg state} reports it.
 *
 * @param status stopped, running or exited
 * @param pid the process Delve has selected (after follow-exec, the daemon); for the start-exit
 *     window, the session's recorded daemon pid
 * @param commandLine that process's command line, empty when Delve does not know it
 * @param thread where it stopped (present when stopped)
 * @param breakpoint the breakpoint it stopped at, if any
 * @param exitStatus the exit status when exited, {@link #UNKNOWN_STATUS} if Delve did not say
 * @param note a remark for the user, e.g. why a running target cannot be halted; empty if none
 */
public record TargetState(
    Status status,
    int pid,
    String commandLine,
    Optional<ThreadInfo> thread,
    Optional<BreakpointRef> breakpoint,
    int exitStatus,
    String note) {

  /** The target's coarse state. */
  public enum Status {
    STOPPED,
    RUNNING,
    EXITED
  }

  /** A breakpoint by Delve id and name (empty if it has none). */
  public record BreakpointRef(int id, String name) {
    public BreakpointRef {
      Objects.requireNonNull(name, "name");
    }

    @Override
    public String toString() {
      return name.isEmpty() ? "breakpoint " + id : "breakpoint " + id + " [" + name + "]";
    }
  }

  /** Delve's note for the window after the start process exited (shared/notes/delve.md). */
  public static final String START_EXITED =
      "the daemon has not stopped since the start process exited";

  /** The exit status when only the process's absence is known, not how it ended. */
  public static final int UNKNOWN_STATUS = Integer.MIN_VALUE;

  public TargetState {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(commandLine, "commandLine");
    Objects.requireNonNull(thread, "thread");
    Objects.requireNonNull(breakpoint, "breakpoint");
    Objects.requireNonNull(note, "note");
    if (status == Status.STOPPED && thread.isEmpty()) {
      throw new IllegalArgumentException("a stopped target has a thread");
    }
  }

  /**
   * Stopped where a daemon handed over before its first instruction is: the ELF entry, which
   * has no Go function or source line.
   */
  public boolean beforeFirstInstruction() {
    return status == Status.STOPPED && thread.get().function().isEmpty()
        && thread.get().file().isEmpty();
  }

  /** Why it stopped, for people: {@code breakpoint 1 [name]} or {@code halted}. */
  public String why() {
    return switch (status) {
      case STOPPED -> breakpoint.map(BreakpointRef::toString).orElse("halted");
      case RUNNING -> "running";
      case EXITED -> exitStatus == UNKNOWN_STATUS ? "exited" : "exited with status " + exitStatus;
    };
  }

  /**
   * One line for people, e.g. {@code pid 5712 stopped at breakpoint 1: F() file.go:118} or
   * {@code pid 5712 halted at F() file.go:118}.
   */
  public String describe() {
    String p = pid > 0 ? "pid " + pid + " " : "";
    return switch (status) {
      case STOPPED -> {
        ThreadInfo t = thread.orElseThrow();
        // A daemon handed over before its first instruction is at the ELF entry, which has
        // no Go function or source: say so instead of "() :0".
        String at = beforeFirstInstruction()
            ? "its entry point, before any of its code ran"
            : t.function() + "() " + t.file() + ":" + t.line();
        yield p + (why().equals("halted") ? "halted at " + at : "stopped at " + why() + ": " + at)
            + " (thread " + t.id() + (t.goroutineId() > 0 ? ", goroutine " + t.goroutineId() : "")
            + ")"
            + (note.isEmpty() ? "" : "\n  " + note);
      }
      case RUNNING -> p + "running" + (note.isEmpty() ? "" : " (" + note + ")");
      case EXITED -> p + why();
    };
  }
}
