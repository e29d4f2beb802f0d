package dev.katadbg.manager;

/** A runtime manager configuration that cannot be changed as asked; one line saying what to do. */
public final class ManagerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What kind of problem, so the command line can map it to an exit status. */
  public enum Kind {
    /** An existing file is malformed or has a shape katadbg cannot edit. */
    INVALID,
    /** Something named (a runtime class, a file, an install record) does not exist. */
    NOT_FOUND,
    /** The files changed since katadbg touched them; undoing would lose someone's edits. */
    CONFLICT,
    /** Reading or writing failed. */
    IO
  }

  private final Kind kind;

  public ManagerException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public ManagerException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
