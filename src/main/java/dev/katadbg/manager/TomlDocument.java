package dev.katadbg.manager;

import java.util.List;
import java.util.Objects;
import org.tomlj.MutableTomlTable;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;
import org.tomlj.TomlWriteOptions;

/**
 * A TOML file opened for editing: tomlj keeps the original text, so rendering an unchanged
 * document gives back the same characters and an edit only touches the lines it adds or changes.
 */
final class TomlDocument {
  private final String source;
  private final String original;
  private final TomlParseResult root;

  private TomlDocument(String source, String original, TomlParseResult root) {
    this.source = source;
    this.original = original;
    this.root = root;
  }

  /**
   * Parses {@code text}; a syntax error becomes "{@code SOURCE:LINE:COLUMN: message}" (the first
   * error tomlj found), and nothing else happens.
   */
  static TomlDocument parse(String source, String text) {
    TomlParseResult result = Toml.parse(text);
    if (result.hasErrors()) {
      TomlParseError e = result.errors().get(0);
      throw new ManagerException(ManagerException.Kind.INVALID, source + ":" + e.position().line() + ":"
          + e.position().column() + ": " + e.getMessage() + " (fix the file; nothing was changed)");
    }
    return new TomlDocument(source, text, result);
  }

  String source() {
    return source;
  }

  MutableTomlTable root() {
    return root;
  }

  /** The edited text, new lines ending like the file's own (CRLF files stay CRLF). */
  String render() {
    if (!root.isModified()) {
      return original;
    }
    String rendered = root.toToml(TomlWriteOptions.defaults().withLineSeparator(lineSeparator(original)));
    // Re-parse: an edit tomlj could not express in this file's shape must not reach the disk.
    parse(source + " (as edited)", rendered);
    return rendered;
  }

  static String lineSeparator(String text) {
    int lf = text.indexOf('\n');
    return lf > 0 && text.charAt(lf - 1) == '\r' ? "\r\n" : "\n";
  }

  /** Sets {@code key} only when its value differs, so an unchanged key keeps its exact spelling. */
  static boolean setIfDifferent(MutableTomlTable table, String key, Object value) {
    List<String> path = List.of(key);
    if (value instanceof TomlTable sub) {
      boolean changed = false;
      if (table.contains(path) && !table.isTable(path)) {
        table.remove(path);
        changed = true;
      }
      MutableTomlTable target = table.getOrCreateTable(path);
      for (String k : sub.keySet()) {
        changed |= setIfDifferent(target, k, sub.get(List.of(k)));
      }
      return changed;
    }
    Object current = table.get(path);
    if (sameValue(current, value)) {
      return false;
    }
    table.set(path, value);
    return true;
  }

  static boolean sameValue(Object a, Object b) {
    if (a instanceof TomlArray x && b instanceof TomlArray y) {
      return Toml.equals(x, y);
    }
    if (a instanceof TomlTable x && b instanceof TomlTable y) {
      return Toml.equals(x, y);
    }
    if (a instanceof Number x && b instanceof Number y) {
      return x.toString().equals(y.toString());
    }
    return Objects.equals(a, b);
  }
}
