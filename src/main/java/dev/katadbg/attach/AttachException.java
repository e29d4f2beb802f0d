package dev.katadbg.attach;

/** Attaching failed; the message is one line that says what to do. */
public final class AttachException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public AttachException(String message) {
    super(message);
  }

  public AttachException(String message, Throwable cause) {
    super(message, cause);
  }
}
