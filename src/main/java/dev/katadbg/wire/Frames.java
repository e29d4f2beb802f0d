package dev.katadbg.wire;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;

/** Frames of (u8 kind, u32 length, bytes) written to one stream, each whole under one lock. */
public final class Frames {
  private final DataOutputStream out;

  public Frames(OutputStream out) {
    this.out = new DataOutputStream(out);
  }

  public synchronized void write(byte kind, byte[] bytes) throws IOException {
    out.writeByte(kind);
    out.writeInt(bytes.length);
    out.write(bytes);
    out.flush();
  }

  /** An exit status frame {@code 'x'}: four bytes. */
  public void exit(int code) throws IOException {
    write((byte) 'x', Wire.u32(code));
  }

  /** A frame whose body is {@code strings} as {@link Wire#strings} reads them. */
  public void writeStrings(byte kind, List<String> strings) throws IOException {
    write(kind, Wire.encode(strings));
  }

  /** A stream whose every write is one frame of {@code kind}. */
  public OutputStream stream(char kind) {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        if (len > 0) {
          Frames.this.write((byte) kind, Arrays.copyOfRange(b, off, off + len));
        }
      }
    };
  }
}
