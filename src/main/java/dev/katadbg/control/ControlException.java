package dev.katadbg.control;

/** A control operation that cannot be done now; the message says why and what to do. */
public final class ControlException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ControlException(String message) {
    super(message);
  }
}
