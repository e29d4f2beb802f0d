package dev.katadbg.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Long free text under a table's columns, wrapped at word boundaries with a hanging indent, so
 * a doctor's fix or a timeout's whereabouts reads in a terminal instead of running 300 columns
 * off its edge. A word longer than a line (a path) is left whole. Scripts read {@code --json}.
 */
final class TextWrap {
  static final int DEFAULT_WIDTH = 100;
  /** Below this, wrapping hurts more than it helps: the indent would eat the line. */
  static final int MIN_WIDTH = 40;

  private TextWrap() {}

  /** The terminal's width as the shell exports it ({@code COLUMNS}), else 100. */
  static int width(Map<String, String> env) {
    try {
      return Math.max(MIN_WIDTH, Integer.parseInt(env.getOrDefault("COLUMNS", "").strip()));
    } catch (NumberFormatException e) {
      return DEFAULT_WIDTH;
    }
  }

  /**
   * {@code first} followed by {@code text}; lines after the first start with {@code indent}
   * spaces; none is longer than {@code width} unless a single word is. Runs of spaces in
   * {@code text} count as one.
   */
  static List<String> hanging(String first, String text, int indent, int width) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder(first);
    boolean empty = true;
    for (String word : text.strip().split("\\s+")) {
      if (word.isEmpty()) {
        continue;
      }
      if (!empty && line.length() + 1 + word.length() > width) {
        lines.add(line.toString());
        line = new StringBuilder(" ".repeat(indent));
        empty = true;
      }
      if (!empty) {
        line.append(' ');
      }
      line.append(word);
      empty = false;
    }
    lines.add(line.toString().stripTrailing());
    return lines;
  }
}
