package dev.katadbg.errors;

import dev.katadbg.files.FileErrors;
import java.nio.file.FileSystemException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * One line for a failure, with its causes: the registry's "Permission denied" or "No space left
 * on device" is usually a cause's message, not the top exception's. A cause whose words the
 * line already holds is left out (wrappers often repeat them), and an exception without a
 * message is named by its class, so the line never reads "null".
 */
public final class ErrorLine {
  private ErrorLine() {}

  public static String of(Throwable e) {
    List<String> parts = new ArrayList<>();
    Map<Throwable, Boolean> seen = new IdentityHashMap<>();
    String line = "";
    for (Throwable t = e; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
      String text = words(t);
      if (text.isEmpty() || line.contains(text)) {
        continue;
      }
      parts.add(text);
      line = String.join(": ", parts);
    }
    return line.isEmpty() ? e.getClass().getName() : line;
  }

  private static String words(Throwable t) {
    if (t instanceof FileSystemException f) {
      return FileErrors.describe(f);
    }
    String m = t.getMessage();
    if (m == null || m.isBlank()) {
      return t.getCause() == null ? t.getClass().getSimpleName() : "";
    }
    // "java.io.IOException: x" as a wrapper's message: the class name is noise beside the words
    String cause = t.getCause() == null ? null : t.getCause().toString();
    return m.strip().equals(cause) ? "" : m.strip();
  }
}
