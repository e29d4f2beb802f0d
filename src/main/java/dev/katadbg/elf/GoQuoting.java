package dev.katadbg.elf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * GoQuoting reverses Go's {@code strconv.Quote} as used in build settings: {@code go} quotes a
 * key or value that contains a space, tab, newline, quote or backquote
 * ({@code build -gcflags="all=-N -l"}). Both Go string literal forms are accepted: interpreted
 * {@code "..."} with escapes and raw {@code `...`}. Escapes follow the Go specification's
 * "String literals": {@code \a \b \f \n \r \t \v \\ \"}, {@code \xHH} and {@code \OOO} (bytes),
 * and backslash-u / backslash-U with 4 / 8 hex digits (code points).
 */
final class GoQuoting {
  private GoQuoting() {}

  /** Whether {@code s} starts like a quoted Go string. */
  static boolean isQuoted(String s) {
    return !s.isEmpty() && (s.charAt(0) == '"' || s.charAt(0) == '`');
  }

  /**
   * The length of the quoted string at the start of {@code s} (Go's {@code strconv.QuotedPrefix}
   * for strings).
   *
   * @throws IllegalArgumentException if {@code s} does not start with a complete quoted string
   */
  static int quotedPrefixLength(String s) {
    if (!isQuoted(s)) {
      throw new IllegalArgumentException("not a quoted string: " + s);
    }
    char quote = s.charAt(0);
    for (int i = 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == quote) {
        return i + 1;
      }
      if (quote == '"') {
        if (c == '\n') {
          break;
        }
        if (c == '\\') {
          i++; // the escaped character cannot close the string
        }
      }
    }
    throw new IllegalArgumentException("unterminated quoted string: " + s);
  }

  /**
   * Unquotes a whole Go string literal.
   *
   * @throws IllegalArgumentException if {@code s} is not exactly one valid Go string literal
   */
  static String unquote(String s) {
    if (s.length() < 2 || !isQuoted(s) || s.charAt(s.length() - 1) != s.charAt(0)) {
      throw new IllegalArgumentException("not a quoted string: " + s);
    }
    String body = s.substring(1, s.length() - 1);
    if (s.charAt(0) == '`') {
      if (body.indexOf('`') >= 0) {
        throw new IllegalArgumentException("backquote inside raw string: " + s);
      }
      // Go drops carriage returns from raw strings (spec: "Carriage return characters ('\r')
      // inside raw string literals are discarded").
      return body.replace("\r", "");
    }
    // \x and octal escapes produce bytes, not characters, so build UTF-8 bytes and decode once.
    byte[] in = body.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
    for (int i = 0; i < in.length; i++) {
      byte c = in[i];
      if (c == '"' || c == '\n') {
        throw new IllegalArgumentException("unescaped " + (c == '"' ? "quote" : "newline")
            + " inside quoted string: " + s);
      }
      if (c != '\\') {
        out.write(c);
        continue;
      }
      if (++i >= in.length) {
        throw new IllegalArgumentException("quoted string ends in a backslash: " + s);
      }
      char e = (char) in[i];
      switch (e) {
        case 'a' -> out.write(0x07);
        case 'b' -> out.write('\b');
        case 'f' -> out.write('\f');
        case 'n' -> out.write('\n');
        case 'r' -> out.write('\r');
        case 't' -> out.write('\t');
        case 'v' -> out.write(0x0b);
        case '\\' -> out.write('\\');
        case '"' -> out.write('"');
        case 'x' -> {
          out.write(parseDigits(in, i + 1, 2, 16, s));
          i += 2;
        }
        case 'u', 'U' -> {
          int n = e == 'u' ? 4 : 8;
          int cp = parseDigits(in, i + 1, n, 16, s);
          if (cp > Character.MAX_CODE_POINT || (cp >= 0xd800 && cp <= 0xdfff) || cp < 0) {
            throw new IllegalArgumentException("invalid code point escape in " + s);
          }
          out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
          i += n;
        }
        case '0', '1', '2', '3', '4', '5', '6', '7' -> {
          int v = parseDigits(in, i, 3, 8, s);
          if (v > 0xff) {
            throw new IllegalArgumentException("octal escape above \\377 in " + s);
          }
          out.write(v);
          i += 2;
        }
        default -> throw new IllegalArgumentException("unknown escape \\" + e + " in " + s);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static int parseDigits(byte[] in, int from, int count, int radix, String s) {
    if (from + count > in.length) {
      throw new IllegalArgumentException("short escape in " + s);
    }
    long v = 0;
    for (int i = from; i < from + count; i++) {
      int d = Character.digit((char) in[i], radix);
      if (d < 0) {
        throw new IllegalArgumentException("bad digit in escape in " + s);
      }
      v = v * radix + d;
    }
    return v > Integer.MAX_VALUE ? -1 : (int) v;
  }
}
