package dev.katadbg.delve;

import java.util.Objects;

/**
 * StackFrame is one frame of a goroutine's stack, innermost first.
 *
 * @param function the function of the frame, e.g. {@code main.main}
 * @param file its source file
 * @param line its source line
 */
public record StackFrame(String function, String file, int line) {
  public StackFrame {
    Objects.requireNonNull(function, "function");
    Objects.requireNonNull(file, "file");
  }
}
