package dev.katadbg.proc;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * ProcessInfo is a snapshot of one Linux process as procfs shows it.
 *
 * <p>{@code (pid, startTime)} identifies a process even after its pid is reused: the kernel
 * never gives a new process the same pid with the same start time. Keep both when you mean to
 * signal a process later ({@link Processes#kill(int, long)}).
 *
 * @param pid the process id (thread group id)
 * @param ppid the parent's pid; 0 for the first process of a pid namespace
 * @param state the state letter of {@code /proc/PID/stat} (R, S, D, T, t, Z, X, I, ...)
 * @param startTime field 22 of {@code /proc/PID/stat}: start time in clock ticks since boot
 * @param comm the command name (at most 15 bytes, any characters, set by exec or prctl)
 * @param cmdline the arguments ({@code /proc/PID/cmdline}); empty for kernel threads and zombies
 * @param exe the executable ({@code /proc/PID/exe}); absent when the link cannot be read
 *     (another user's process, a kernel thread, a zombie). A deleted file ends in " (deleted)".
 * @param tracerPid {@code TracerPid} of {@code /proc/PID/status}: the thread that ptrace-attached
 *     to this process's main thread, 0 if none
 * @param uid the real user id ({@code Uid:} of {@code /proc/PID/status}, first column)
 */
public record ProcessInfo(
    int pid,
    int ppid,
    char state,
    long startTime,
    String comm,
    List<String> cmdline,
    Optional<Path> exe,
    int tracerPid,
    int uid) {

  public ProcessInfo {
    if (pid <= 0) {
      throw new IllegalArgumentException("pid must be positive, got " + pid);
    }
    if (ppid < 0 || tracerPid < 0 || uid < 0 || startTime < 0) {
      throw new IllegalArgumentException("process " + pid
          + ": ppid, tracerPid, uid and startTime must not be negative");
    }
    if (Character.isWhitespace(state) || state == 0) {
      throw new IllegalArgumentException("process " + pid + ": invalid state '" + state + "'");
    }
    Objects.requireNonNull(comm, "comm");
    cmdline = List.copyOf(cmdline);
    Objects.requireNonNull(exe, "exe");
  }

  /** Whether the process has exited and waits for its parent to reap it ('Z'). */
  public boolean isZombie() {
    return state == 'Z';
  }

  /** Whether a debugger (or strace) is attached to the process's main thread. */
  public boolean isTraced() {
    return tracerPid != 0;
  }
}
