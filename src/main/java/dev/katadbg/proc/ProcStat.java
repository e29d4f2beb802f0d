package dev.katadbg.proc;

import java.nio.charset.StandardCharsets;

/**
 * ProcStat holds the fields katadbg uses from {@code /proc/PID/stat} (proc(5)):
 * {@code pid (comm) state ppid ... starttime ...}, starttime being field 22.
 */
record ProcStat(int pid, String comm, char state, int ppid, long startTime) {
  /** Index of starttime (field 22) among the fields after the comm, which start at field 3. */
  private static final int START_TIME = 22 - 3;
  private static final int PPID = 4 - 3;

  /**
   * Parses the contents of {@code /proc/PID/stat}. The comm can hold any bytes but NUL,
   * including spaces, parentheses and newlines, and no later field holds a ')', so the comm
   * ends at the LAST ')' of the line.
   *
   * @throws IllegalArgumentException if the text does not have that shape
   */
  static ProcStat parse(byte[] stat) {
    int open = indexOf(stat, (byte) '(');
    int close = lastIndexOf(stat, (byte) ')');
    if (open < 1 || close < open) {
      throw new IllegalArgumentException("no \"(comm)\" in " + preview(stat));
    }
    String[] fields = new String(stat, close + 1, stat.length - close - 1,
        StandardCharsets.US_ASCII).strip().split(" ");
    if (fields.length <= START_TIME) {
      throw new IllegalArgumentException(
          "expected at least " + (START_TIME + 3) + " fields in " + preview(stat));
    }
    if (fields[0].length() != 1) {
      throw new IllegalArgumentException("bad state \"" + fields[0] + "\" in " + preview(stat));
    }
    try {
      int pid = Integer.parseInt(new String(stat, 0, open, StandardCharsets.US_ASCII).strip());
      String comm = new String(stat, open + 1, close - open - 1, StandardCharsets.UTF_8);
      return new ProcStat(pid, comm, fields[0].charAt(0), Integer.parseInt(fields[PPID]),
          Long.parseLong(fields[START_TIME]));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad number in " + preview(stat), e);
    }
  }

  private static int indexOf(byte[] b, byte c) {
    for (int i = 0; i < b.length; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return -1;
  }

  private static int lastIndexOf(byte[] b, byte c) {
    for (int i = b.length - 1; i >= 0; i--) {
      if (b[i] == c) {
        return i;
      }
    }
    return -1;
  }

  private static String preview(byte[] stat) {
    String s = new String(stat, 0, Math.min(stat.length, 120), StandardCharsets.UTF_8);
    return "\"" + s.strip() + (stat.length > 120 ? "...\"" : "\"");
  }
}
