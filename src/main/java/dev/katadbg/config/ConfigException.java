package dev.katadbg.config;

/**
 * A configuration problem, phrased as one line that names the file, the key and what to do:
 * containerd shows the wrapper's output verbatim as the reason a container failed to start.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
