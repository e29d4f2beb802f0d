package dev.katadbg.doctor;

/** A check's verdict. */
public enum Status {
  /** Nothing to do. */
  OK,
  /** Works, but probably not as wanted; the fix says how to do better. */
  WARN,
  /** A debug session will not work until this is fixed. */
  FAIL;

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
