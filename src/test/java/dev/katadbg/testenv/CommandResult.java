package dev.katadbg.testenv;

import java.util.List;

/** How a finished command (usually ctr) ended: its exit code and everything it printed. */
public record CommandResult(List<String> command, int exitCode, String stdout, String stderr) {

  public CommandResult {
    command = List.copyOf(command);
  }

  public boolean succeeded() {
    return exitCode == 0;
  }

  /** Returns this result when the command exited 0, else fails the test showing all output. */
  public CommandResult requireSuccess() {
    if (!succeeded()) {
      throw new AssertionError(describe());
    }
    return this;
  }

  /** The command, its exit code and its output, for failure messages. */
  public String describe() {
    return String.join(" ", command) + " exited " + exitCode
        + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
  }
}
