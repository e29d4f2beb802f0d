package dev.katadbg.gdb;

/** gdb or gdbserver could not do what was asked; the message says what and, if gdb said, why. */
public final class GdbException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public GdbException(String message) {
    super(message);
  }

  public GdbException(String message, Throwable cause) {
    super(message, cause);
  }
}
