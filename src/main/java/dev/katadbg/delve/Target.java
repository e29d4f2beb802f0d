package dev.katadbg.delve;

import java.util.Objects;
import java.util.Optional;

/**
 * Target is one live process in Delve's target group: the launched or attached process and the
 * children it follows with follow-exec (Delve 1.21+). Processes that exited are not listed.
 *
 * @param pid the process id
 * @param cmdLine its command line, arguments separated by spaces
 * @param currentThread its selected thread
 */
public record Target(int pid, String cmdLine, Optional<ThreadInfo> currentThread) {
  public Target {
    Objects.requireNonNull(cmdLine, "cmdLine");
    Objects.requireNonNull(currentThread, "currentThread");
  }
}
