package dev.katadbg.cli;

/** katadbg's exit statuses, one meaning each, so scripts can branch on them. */
public final class ExitCode {
  /** Done. */
  public static final int OK = 0;
  /** The operation was tried and failed (the message says why). */
  public static final int FAILURE = 1;
  /** The command line was wrong. */
  public static final int USAGE = 2;
  /** What was named does not exist (no such session, shim or file). */
  public static final int NOT_FOUND = 3;
  /** The name matched more than one thing. */
  public static final int AMBIGUOUS = 4;
  /** Files changed since katadbg wrote them; undoing would lose someone else's edits. */
  public static final int CONFLICT = 5;

  /**
   * {@code katadbg run} could not run the container (docker's and podman's number for it), so
   * every lower status is the container's own.
   */
  public static final int RUN_FAILED = 125;

  private ExitCode() {}
}
