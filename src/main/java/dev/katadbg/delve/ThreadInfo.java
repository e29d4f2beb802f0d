package dev.katadbg.delve;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * ThreadInfo is an OS thread of the target and where it is stopped. Strings Delve leaves out are
 * empty (a thread of a process that has exited reports no location).
 *
 * @param id the thread id (a Linux tid; the main thread's equals the pid)
 * @param file source file of the current instruction
 * @param line source line of the current instruction
 * @param function the function being executed, e.g. {@code main.childWork}
 * @param breakpointId the breakpoint this thread is stopped at, if any
 * @param breakpointName that breakpoint's name as Delve sent it with the state (empty if none);
 *     it stays known when the breakpoint is cleared before anyone asks for it
 * @param goroutineId the goroutine running on this thread, 0 if none
 */
public record ThreadInfo(
    int id, String file, int line, String function, OptionalInt breakpointId,
    String breakpointName, long goroutineId) {

  public ThreadInfo {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(function, "function");
    Objects.requireNonNull(breakpointId, "breakpointId");
    Objects.requireNonNull(breakpointName, "breakpointName");
  }
}
