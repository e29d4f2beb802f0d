package dev.katadbg.gdb;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Parses one line of gdb's machine interface output (GDB manual, "GDB/MI Output Syntax").
 * Strict about structure, so that a line that is not MI (a shim's own output reaching the
 * keeper's file, say) is reported, not misread.
 */
public final class MiParser {
  private final String line;
  private int pos;

  private MiParser(String line) {
    this.line = line;
  }

  /**
   * One output line, without its newline.
   *
   * @throws IllegalArgumentException when the line is not MI output
   */
  public static MiRecord parse(String line) {
    String l = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    if (l.strip().equals("(gdb)")) {
      return new MiRecord(OptionalLong.empty(), MiRecord.Kind.PROMPT, "", MiValue.Tuple.EMPTY);
    }
    return new MiParser(l).record();
  }

  private MiRecord record() {
    int start = pos;
    while (pos < line.length() && Character.isDigit(line.charAt(pos))) {
      pos++;
    }
    OptionalLong token = OptionalLong.empty();
    if (pos > start) {
      try {
        token = OptionalLong.of(Long.parseLong(line.substring(start, pos)));
      } catch (NumberFormatException e) {
        throw bad("token out of range");
      }
    }
    if (pos >= line.length()) {
      throw bad("no record type");
    }
    char c = line.charAt(pos);
    MiRecord.Kind kind = switch (c) {
      case '^' -> MiRecord.Kind.RESULT;
      case '*' -> MiRecord.Kind.EXEC;
      case '+' -> MiRecord.Kind.STATUS;
      case '=' -> MiRecord.Kind.NOTIFY;
      case '~' -> MiRecord.Kind.CONSOLE;
      case '@' -> MiRecord.Kind.TARGET;
      case '&' -> MiRecord.Kind.LOG;
      default -> throw bad("unknown record type '" + c + "'");
    };
    pos++;
    if (kind == MiRecord.Kind.CONSOLE || kind == MiRecord.Kind.TARGET
        || kind == MiRecord.Kind.LOG) {
      if (token.isPresent()) {
        throw bad("a stream record has no token");
      }
      String text = cstring();
      end();
      return new MiRecord(token, kind, text, MiValue.Tuple.EMPTY);
    }
    String name = variable();
    List<Map.Entry<String, MiValue>> fields = new ArrayList<>();
    while (pos < line.length()) {
      expect(',');
      fields.add(result());
    }
    return new MiRecord(token, kind, name, new MiValue.Tuple(fields));
  }

  private Map.Entry<String, MiValue> result() {
    String name = variable();
    expect('=');
    return new AbstractMap.SimpleImmutableEntry<>(name, value());
  }

  private MiValue value() {
    if (pos >= line.length()) {
      throw bad("a value is missing");
    }
    return switch (line.charAt(pos)) {
      case '"' -> new MiValue.Text(cstring());
      case '{' -> tuple();
      case '[' -> list();
      default -> throw bad("a value starts with '\"', '{' or '['");
    };
  }

  private MiValue.Tuple tuple() {
    expect('{');
    List<Map.Entry<String, MiValue>> fields = new ArrayList<>();
    if (peek('}')) {
      pos++;
      return MiValue.Tuple.EMPTY;
    }
    do {
      fields.add(result());
    } while (take(','));
    expect('}');
    return new MiValue.Tuple(fields);
  }

  private MiValue.Items list() {
    expect('[');
    List<MiValue> values = new ArrayList<>();
    if (peek(']')) {
      pos++;
      return new MiValue.Items(values);
    }
    do {
      char c = pos < line.length() ? line.charAt(pos) : '\0';
      values.add(c == '"' || c == '{' || c == '[' ? value() : result().getValue());
    } while (take(','));
    expect(']');
    return new MiValue.Items(values);
  }

  private String variable() {
    int start = pos;
    while (pos < line.length()) {
      char c = line.charAt(pos);
      if (c == ',' || c == '=' || c == '{' || c == '}' || c == '[' || c == ']' || c == '"') {
        break;
      }
      pos++;
    }
    if (pos == start) {
      throw bad("a name is missing");
    }
    return line.substring(start, pos);
  }

  /** A C string as gdb writes it: backslash escapes, octal for other bytes (UTF-8 kept). */
  private String cstring() {
    expect('"');
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    while (true) {
      if (pos >= line.length()) {
        throw bad("unterminated string");
      }
      char c = line.charAt(pos++);
      if (c == '"') {
        return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
      }
      if (c != '\\') {
        byte[] b = String.valueOf(c).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        bytes.write(b, 0, b.length);
        continue;
      }
      if (pos >= line.length()) {
        throw bad("unterminated escape");
      }
      char e = line.charAt(pos++);
      switch (e) {
        case 'n' -> bytes.write('\n');
        case 't' -> bytes.write('\t');
        case 'r' -> bytes.write('\r');
        case 'a' -> bytes.write(7);
        case 'b' -> bytes.write('\b');
        case 'f' -> bytes.write('\f');
        case 'v' -> bytes.write(11);
        case 'e' -> bytes.write(27);
        case '0', '1', '2', '3', '4', '5', '6', '7' -> {
          int v = e - '0';
          for (int i = 0; i < 2 && pos < line.length()
              && line.charAt(pos) >= '0' && line.charAt(pos) <= '7'; i++) {
            v = v * 8 + (line.charAt(pos++) - '0');
          }
          bytes.write(v & 0xff);
        }
        default -> bytes.write(e);
      }
    }
  }

  private boolean peek(char c) {
    return pos < line.length() && line.charAt(pos) == c;
  }

  private boolean take(char c) {
    if (peek(c)) {
      pos++;
      return true;
    }
    return false;
  }

  private void expect(char c) {
    if (!take(c)) {
      throw bad("expected '" + c + "'");
    }
  }

  private void end() {
    if (pos != line.length()) {
      throw bad("trailing text");
    }
  }

  private IllegalArgumentException bad(String why) {
    String shown = line.length() > 120 ? line.substring(0, 120) + "..." : line;
    return new IllegalArgumentException("not gdb MI output (" + why + " at column " + (pos + 1)
        + "): " + shown);
  }
}
