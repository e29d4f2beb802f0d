package dev.katadbg.elf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * GoBuildInfoReader decodes the {@code .go.buildinfo} blob the Go linker writes
 * (cmd/link/internal/ld/data.go, read back by debug/buildinfo):
 *
 * <pre>
 *   0  14 bytes  magic "\xff Go buildinf:"
 *  14  1 byte    pointer size (4 or 8)
 *  15  1 byte    flags: 0x1 big-endian pointers, 0x2 strings inline
 *  16  ...       (no inline strings) pointer to the version string header, then to the
 *                module info string header — Go 1.13 to 1.17
 *  32  ...       (inline strings) uvarint length + bytes of the version, then the same for the
 *                module info — Go 1.18 and later
 * </pre>
 *
 * The module info string is wrapped in 16 sentinel bytes at each end (so the runtime can find
 * it); they are removed before parsing.
 */
final class GoBuildInfoReader {
  /** The section holds only the blob; cap what we read in case its header claims more. */
  static final int MAX_SECTION_BYTES = 4 << 20;

  private static final byte[] MAGIC = "\u00ff Go buildinf:".getBytes(StandardCharsets.ISO_8859_1);
  private static final int HEADER_SIZE = 32;
  /** The linker aligns the blob to 16 bytes; Go's reader only looks at aligned offsets. */
  private static final int ALIGN = 16;
  private static final int FLAG_BIG_ENDIAN = 0x1;
  private static final int FLAG_INLINE_STRINGS = 0x2;
  private static final int SENTINEL = 16;
  /** Upper bound for one string; real module info is at most a few hundred KB. */
  private static final long MAX_STRING = MAX_SECTION_BYTES;

  /** Reads bytes at a virtual address of the binary (only the pre-1.18 layout needs it). */
  @FunctionalInterface
  interface Memory {
    ByteBuffer read(long address, long size) throws IOException;
  }

  private GoBuildInfoReader() {}

  /**
   * Decodes the section's bytes.
   *
   * @throws IllegalArgumentException if the bytes are not a valid build info blob
   */
  static GoBuildInfo decode(ByteBuffer section, Memory memory) throws IOException {
    ByteBuffer data = findHeader(section);
    int pointerSize = data.get(MAGIC.length) & 0xff;
    int flags = data.get(MAGIC.length + 1) & 0xff;
    String version;
    byte[] modInfo;
    if ((flags & FLAG_INLINE_STRINGS) != 0) {
      data.position(HEADER_SIZE);
      version = new String(inlineString(data, "Go version"), StandardCharsets.UTF_8);
      modInfo = inlineString(data, "module info");
    } else {
      if (pointerSize != 4 && pointerSize != 8) {
        throw new IllegalArgumentException("unsupported pointer size " + pointerSize);
      }
      data.order((flags & FLAG_BIG_ENDIAN) != 0 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
      long versionAddress = pointer(data, 16, pointerSize);
      long modInfoAddress = pointer(data, 16 + pointerSize, pointerSize);
      version = new String(
          pointedString(memory, versionAddress, pointerSize, data.order(), "Go version"),
          StandardCharsets.UTF_8);
      modInfo = pointedString(memory, modInfoAddress, pointerSize, data.order(), "module info");
    }
    if (version.isEmpty()) {
      throw new IllegalArgumentException("empty Go version");
    }
    return GoBuildInfo.parse(version, stripSentinels(modInfo));
  }

  private static ByteBuffer findHeader(ByteBuffer section) {
    for (int at = 0; at + HEADER_SIZE <= section.limit(); at += ALIGN) {
      if (magicAt(section, at)) {
        return section.slice(at, section.limit() - at).order(ByteOrder.LITTLE_ENDIAN);
      }
    }
    throw new IllegalArgumentException("no \"\\xff Go buildinf:\" header in "
        + section.limit() + " bytes");
  }

  private static boolean magicAt(ByteBuffer b, int at) {
    for (int i = 0; i < MAGIC.length; i++) {
      if (b.get(at + i) != MAGIC[i]) {
        return false;
      }
    }
    return true;
  }

  /** A uvarint length (encoding/binary) followed by that many bytes. */
  private static byte[] inlineString(ByteBuffer b, String what) {
    long length = 0;
    for (int shift = 0; ; shift += 7) {
      if (!b.hasRemaining()) {
        throw new IllegalArgumentException(what + ": length runs past the end of the section");
      }
      int x = b.get() & 0xff;
      // A uvarint is at most 10 bytes, and the 10th may only hold bit 63.
      if (shift == 63 && x > 1) {
        throw new IllegalArgumentException(what + ": length overflows 64 bits");
      }
      length |= (long) (x & 0x7f) << shift;
      if (x < 0x80) {
        break;
      }
    }
    if (length < 0 || length > b.remaining()) {
      throw new IllegalArgumentException(what + ": length " + Long.toUnsignedString(length)
          + " runs past the end of the section (" + b.remaining() + " bytes left)");
    }
    byte[] out = new byte[(int) length];
    b.get(out);
    return out;
  }

  private static long pointer(ByteBuffer b, int at, int size) {
    return size == 8 ? b.getLong(at) : Integer.toUnsignedLong(b.getInt(at));
  }

  /** A Go string header {data pointer, length} at {@code address}, then the bytes it names. */
  private static byte[] pointedString(
      Memory memory, long address, int pointerSize, ByteOrder order, String what)
      throws IOException {
    ByteBuffer header = memory.read(address, 2L * pointerSize).order(order);
    long dataAddress = pointer(header, 0, pointerSize);
    long length = pointer(header, pointerSize, pointerSize);
    if (length < 0 || length > MAX_STRING) {
      throw new IllegalArgumentException(what + ": implausible length "
          + Long.toUnsignedString(length));
    }
    if (length == 0) {
      return new byte[0]; // an empty Go string's data pointer may be nil
    }
    ByteBuffer bytes = memory.read(dataAddress, length);
    byte[] out = new byte[bytes.remaining()];
    bytes.get(out);
    return out;
  }

  /**
   * Removes the 16 sentinel bytes at each end. Like Go's reader, anything that does not look
   * wrapped (too short, or no newline before the trailing sentinel) counts as no module info:
   * binaries built outside module mode before Go 1.18 carry an empty string here.
   */
  private static String stripSentinels(byte[] modInfo) {
    if (modInfo.length < 2 * SENTINEL + 1 || modInfo[modInfo.length - SENTINEL - 1] != '\n') {
      return "";
    }
    return new String(
        modInfo, SENTINEL, modInfo.length - 2 * SENTINEL, StandardCharsets.UTF_8);
  }
}
