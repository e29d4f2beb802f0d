package dev.katadbg.wire;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reading the wire format: counted string lists, environments and frames. */
public final class Wire {
  /** Bounds against a caller that sends nonsense: no request of katadbg's comes near them. */
  static final int MAX_STRINGS = 1 << 16;
  static final int MAX_STRING = 1 << 20;
  static final int MAX_FRAME = 1 << 24;

  /** One frame as read. */
  public record Frame(byte kind, byte[] body) {
    /** The body as a big-endian u32, for frames that carry one. */
    public int u32() throws IOException {
      if (body.length != 4) {
        throw new IOException("frame '" + (char) kind + "' has " + body.length
            + " bytes, not 4");
      }
      return (body[0] & 0xff) << 24 | (body[1] & 0xff) << 16 | (body[2] & 0xff) << 8
          | (body[3] & 0xff);
    }
  }

  private Wire() {}

  /** u32 count, then each string as u32 length and UTF-8 bytes. */
  public static List<String> strings(DataInputStream r) throws IOException {
    int n = r.readInt();
    if (n < 0 || n > MAX_STRINGS) {
      throw new IOException("bad count " + n);
    }
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(string(r));
    }
    return out;
  }

  /** u32 length and UTF-8 bytes. */
  public static String string(DataInputStream r) throws IOException {
    int len = r.readInt();
    if (len < 0 || len > MAX_STRING) {
      throw new IOException("bad length " + len);
    }
    byte[] b = r.readNBytes(len);
    if (b.length != len) {
      throw new IOException("the request ended early");
    }
    return new String(b, StandardCharsets.UTF_8);
  }

  /** A string list of NAME=VALUE entries as a map; an entry without '=' is dropped. */
  public static Map<String, String> env(DataInputStream r) throws IOException {
    Map<String, String> env = new HashMap<>();
    for (String kv : strings(r)) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        env.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    return env;
  }

  /** The next frame; an IOException (EOFException) when the stream ends before one. */
  public static Frame frame(DataInputStream r) throws IOException {
    byte kind = r.readByte();
    int len = r.readInt();
    if (len < 0 || len > MAX_FRAME) {
      throw new IOException("bad frame length " + len);
    }
    byte[] body = r.readNBytes(len);
    if (body.length != len) {
      throw new IOException("a frame ended early");
    }
    return new Frame(kind, body);
  }

  /** {@code strings} as {@link #strings} reads them. */
  public static byte[] encode(List<String> strings) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    DataOutputStream d = new DataOutputStream(b);
    try {
      d.writeInt(strings.size());
      for (String s : strings) {
        byte[] x = s.getBytes(StandardCharsets.UTF_8);
        d.writeInt(x.length);
        d.write(x);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return b.toByteArray();
  }

  public static byte[] u32(int v) {
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }
}
