package dev.katadbg.shim;

/**
 * The debugger could not be set up for a start; the message is one line saying what to do.
 * With {@code on_failure = "passthrough"} this is the case where the shim starts without it.
 */
final class SetupException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  SetupException(String message) {
    super(message);
  }

  SetupException(String message, Throwable cause) {
    super(message, cause);
  }
}
