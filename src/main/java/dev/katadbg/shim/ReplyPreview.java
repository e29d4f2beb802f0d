package dev.katadbg.shim;

/**
 * A start's reply as one line a session can show: printable ASCII as it is, everything else
 * escaped ({@code \n}, {@code \xff}), cut after {@link #MAX} bytes. A reply that is not an
 * address is the evidence when containerd refuses it, and it may hold any byte.
 */
final class ReplyPreview {
  static final int MAX = 80;

  private ReplyPreview() {}

  static String of(byte[] reply) {
    StringBuilder b = new StringBuilder("replied " + reply.length + " bytes: \"");
    for (int i = 0; i < Math.min(reply.length, MAX); i++) {
      int c = reply[i] & 0xff;
      switch (c) {
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '"', '\\' -> b.append('\\').append((char) c);
        default -> {
          if (c >= 0x20 && c < 0x7f) {
            b.append((char) c);
          } else {
            b.append(String.format("\\x%02x", c));
          }
        }
      }
    }
    return b.append(reply.length > MAX ? "\"..." : "\"").toString();
  }
}
