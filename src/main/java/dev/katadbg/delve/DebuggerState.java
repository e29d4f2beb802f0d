package dev.katadbg.delve;

import java.util.Objects;
import java.util.Optional;

/**
 * DebuggerState is the state Delve returns from State and from every execution command.
 *
 * @param pid the selected process; after follow-exec this is the process that stopped, which may be
 *     a child rather than the one dlv launched
 * @param targetCommandLine that process's command line (Delve 1.21+; empty before, and empty once
 *     it exited)
 * @param running true while the target runs (only seen with a non-blocking State call)
 * @param exited true if the selected process has exited
 * @param exitStatus its exit status, when {@code exited}
 * @param currentThread the selected thread, absent when the process has exited
 */
public record DebuggerState(
    int pid,
    String targetCommandLine,
    boolean running,
    boolean exited,
    int exitStatus,
    Optional<ThreadInfo> currentThread) {

  public DebuggerState {
    Objects.requireNonNull(targetCommandLine, "targetCommandLine");
    Objects.requireNonNull(currentThread, "currentThread");
  }
}
