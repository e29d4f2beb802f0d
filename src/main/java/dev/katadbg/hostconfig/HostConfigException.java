package dev.katadbg.hostconfig;

/** A runtime manager's or Kata's configuration could not be read; the message says which file. */
public final class HostConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public HostConfigException(String message) {
    super(message);
  }

  public HostConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
