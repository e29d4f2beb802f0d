package dev.katadbg.elf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * SyntheticElf writes small ELF files with chosen sections, so tests can reach layouts no binary
 * on the machine has (ELF32, big-endian, Go's pre-1.18 build info) and corrupt them precisely.
 * Layout: ELF header, section contents (8-aligned), {@code .shstrtab}, section header table.
 */
final class SyntheticElf {
  static final int SHT_PROGBITS = 1;
  static final int SHT_STRTAB = 3;

  private record Section(String name, int type, long flags, long address, byte[] data) {}

  private final boolean is64Bit;
  private final ByteOrder order;
  private final List<Section> sections = new ArrayList<>();

  private SyntheticElf(boolean is64Bit, ByteOrder order) {
    this.is64Bit = is64Bit;
    this.order = order;
  }

  static SyntheticElf elf64() {
    return new SyntheticElf(true, ByteOrder.LITTLE_ENDIAN);
  }

  static SyntheticElf elf32BigEndian() {
    return new SyntheticElf(false, ByteOrder.BIG_ENDIAN);
  }

  SyntheticElf section(String name, int type, long flags, long address, byte[] data) {
    sections.add(new Section(name, type, flags, address, data));
    return this;
  }

  SyntheticElf section(String name, byte[] data) {
    return section(name, SHT_PROGBITS, 0, 0, data);
  }

  int headerSize() {
    return is64Bit ? 64 : 52;
  }

  /** Offset of e_shoff in the header. */
  int shoffField() {
    return is64Bit ? 40 : 32;
  }

  /** Offset of e_shnum in the header. */
  int shnumField() {
    return is64Bit ? 60 : 48;
  }

  byte[] build() {
    List<Section> all = new ArrayList<>();
    all.add(new Section("", 0, 0, 0, new byte[0]));
    all.addAll(sections);
    ByteArrayOutputStream names = new ByteArrayOutputStream();
    names.write(0);
    List<Integer> nameOffsets = new ArrayList<>();
    nameOffsets.add(0);
    for (Section s : all.subList(1, all.size())) {
      nameOffsets.add(names.size());
      names.writeBytes((s.name() + "\0").getBytes(StandardCharsets.UTF_8));
    }
    nameOffsets.add(names.size());
    names.writeBytes(".shstrtab\0".getBytes(StandardCharsets.UTF_8));
    all.add(new Section(".shstrtab", SHT_STRTAB, 0, 0, names.toByteArray()));

    int entrySize = is64Bit ? 64 : 40;
    List<Integer> offsets = new ArrayList<>();
    int at = headerSize();
    for (Section s : all) {
      at = align(at);
      offsets.add(s.data().length == 0 ? 0 : at);
      at += s.data().length;
    }
    int shoff = align(at);
    ByteBuffer b = ByteBuffer.allocate(shoff + all.size() * entrySize).order(order);
    b.put(new byte[] {0x7f, 'E', 'L', 'F', (byte) (is64Bit ? 2 : 1),
        (byte) (order == ByteOrder.LITTLE_ENDIAN ? 1 : 2), 1});
    b.putShort(16, (short) 2); // ET_EXEC
    b.putShort(18, (short) (is64Bit ? 62 : 8)); // x86-64 or MIPS (a big-endian 32-bit machine)
    b.putInt(20, 1);
    if (is64Bit) {
      b.putLong(40, shoff);
      b.putShort(52, (short) 64);
      b.putShort(58, (short) entrySize);
      b.putShort(60, (short) all.size());
      b.putShort(62, (short) (all.size() - 1));
    } else {
      b.putInt(32, shoff);
      b.putShort(40, (short) 52);
      b.putShort(46, (short) entrySize);
      b.putShort(48, (short) all.size());
      b.putShort(50, (short) (all.size() - 1));
    }
    for (int i = 0; i < all.size(); i++) {
      Section s = all.get(i);
      b.put(offsets.get(i), s.data());
      int h = shoff + i * entrySize;
      b.putInt(h, nameOffsets.get(i));
      b.putInt(h + 4, s.type());
      if (is64Bit) {
        b.putLong(h + 8, s.flags());
        b.putLong(h + 16, s.address());
        b.putLong(h + 24, offsets.get(i));
        b.putLong(h + 32, s.data().length);
      } else {
        b.putInt(h + 8, (int) s.flags());
        b.putInt(h + 12, (int) s.address());
        b.putInt(h + 16, offsets.get(i));
        b.putInt(h + 20, s.data().length);
      }
    }
    return b.array();
  }

  private static int align(int at) {
    return (at + 7) & ~7;
  }

  /** A Go 1.18+ build info blob: header with inline, uvarint-prefixed strings. */
  static byte[] modernBuildInfo(String goVersion, String modInfo) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(magicHeader(8, 0x2));
    writeInline(out, goVersion.getBytes(StandardCharsets.UTF_8));
    writeInline(out, wrapSentinels(modInfo));
    return out.toByteArray();
  }

  /** The 32-byte header: magic, pointer size, flags, zero padding. */
  static byte[] magicHeader(int pointerSize, int flags) {
    byte[] h = new byte[32];
    byte[] magic = "\u00ff Go buildinf:".getBytes(StandardCharsets.ISO_8859_1);
    System.arraycopy(magic, 0, h, 0, magic.length);
    h[14] = (byte) pointerSize;
    h[15] = (byte) flags;
    return h;
  }

  static byte[] wrapSentinels(String modInfo) {
    if (modInfo.isEmpty()) {
      return new byte[0];
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] sentinel = new byte[16];
    for (int i = 0; i < 16; i++) {
      sentinel[i] = (byte) (0x30 + i * 7); // any bytes: readers only check the length
    }
    out.writeBytes(sentinel);
    out.writeBytes(modInfo.getBytes(StandardCharsets.UTF_8));
    out.writeBytes(sentinel);
    return out.toByteArray();
  }

  static void writeInline(ByteArrayOutputStream out, byte[] bytes) {
    long n = bytes.length;
    while (n >= 0x80) {
      out.write((int) (n & 0x7f) | 0x80);
      n >>>= 7;
    }
    out.write((int) n);
    out.writeBytes(bytes);
  }
}
