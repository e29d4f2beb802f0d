package dev.katadbg.elf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * ElfBinary is what katadbg needs to know about an executable before running it under Delve:
 * its sections, whether it carries DWARF and a symbol table, and the Go build information
 * (Go version, {@code -gcflags}, {@code -ldflags}) that tells whether a debugger can step
 * through it usefully.
 *
 * <p>{@link #read(Path)} reads the ELF header, the section header table, the section name
 * table and the {@code .go.buildinfo} section with positioned reads — a few KB of a
 * 20–100 MB binary — and the result is immutable. ELF32 and ELF64 in either byte order are
 * read (format: System V ABI, "ELF Object Files", generic ABI chapter 4).
 */
public final class ElfBinary {
  private static final byte[] MAGIC = {0x7f, 'E', 'L', 'F'};
  private static final int EI_NIDENT = 16;
  private static final int ELFCLASS32 = 1;
  private static final int ELFCLASS64 = 2;
  private static final int ELFDATA2LSB = 1;
  private static final int ELFDATA2MSB = 2;
  private static final int EV_CURRENT = 1;
  private static final int SHT_NULL = 0;
  /** Section index meaning "no section"; as e_shstrndx: the file has no name table. */
  private static final int SHN_UNDEF = 0;
  /** e_shstrndx escape: the real index is in section 0's sh_link (more than 0xff00 sections). */
  private static final int SHN_XINDEX = 0xffff;
  /** Section indices from here up are reserved and cannot be a table index. */
  private static final int SHN_LORESERVE = 0xff00;
  /** Far more than any real binary; keeps a corrupt count from allocating millions of records. */
  private static final int MAX_SECTIONS = 1 << 20;

  private final Path path;
  private final boolean is64Bit;
  private final ByteOrder byteOrder;
  private final int type;
  private final int machine;
  private final List<ElfSection> sections;
  private final Optional<GoBuildInfo> goBuildInfo;

  private ElfBinary(
      Path path,
      boolean is64Bit,
      ByteOrder byteOrder,
      int type,
      int machine,
      List<ElfSection> sections,
      Optional<GoBuildInfo> goBuildInfo) {
    this.path = path;
    this.is64Bit = is64Bit;
    this.byteOrder = byteOrder;
    this.type = type;
    this.machine = machine;
    this.sections = List.copyOf(sections);
    this.goBuildInfo = goBuildInfo;
  }

  /**
   * Reads the headers and Go build information of {@code file}.
   *
   * @throws ElfException if the file is not a regular file, not ELF, truncated or malformed
   *     (including a present but unreadable {@code .go.buildinfo} section: a wrong answer about
   *     how a shim was built is worse than none)
   * @throws IOException if the file cannot be opened or read
   */
  public static ElfBinary read(Path file) throws IOException {
    Objects.requireNonNull(file, "file");
    try (ElfInput in = ElfInput.open(file)) {
      return parse(in);
    }
  }

  private static ElfBinary parse(ElfInput in) throws IOException {
    Header h = Header.read(in);
    List<ElfSection> sections = readSections(in, h);
    Optional<GoBuildInfo> buildInfo = readGoBuildInfo(in, sections);
    return new ElfBinary(
        in.file(), h.is64Bit(), h.order(), h.type(), h.machine(), sections, buildInfo);
  }

  /** The file this was read from. */
  public Path path() {
    return path;
  }

  /** Whether the file is ELFCLASS64 (else ELFCLASS32). */
  public boolean is64Bit() {
    return is64Bit;
  }

  /** The file's data encoding. */
  public ByteOrder byteOrder() {
    return byteOrder;
  }

  /** {@code e_type}: 2 for an executable, 3 for a shared object or PIE. */
  public int type() {
    return type;
  }

  /** {@code e_machine}: 62 for x86-64, 183 for AArch64. */
  public int machine() {
    return machine;
  }

  /** All section headers in file order, index 0 (the null section) included. */
  public List<ElfSection> sections() {
    return sections;
  }

  /** The first section with this name. */
  public Optional<ElfSection> section(String name) {
    Objects.requireNonNull(name, "name");
    return sections.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /**
   * Whether the binary carries DWARF debug information that Delve can use. Go 1.24 compresses
   * DWARF in place ({@code .debug_info} with {@code SHF_COMPRESSED}); older toolchains wrote
   * {@code .zdebug_info}. Both count. A {@code .gnu_debuglink} to a separate file does not.
   */
  public boolean hasDwarf() {
    return sections.stream()
        .anyMatch(
            s ->
                (s.name().equals(".debug_info") || s.name().equals(".zdebug_info"))
                    && s.hasFileData()
                    && s.size() > 0);
  }

  /** Whether the binary has a symbol table ({@code .symtab}); {@code strip} removes it. */
  public boolean hasSymbols() {
    return sections.stream().anyMatch(s -> s.name().equals(".symtab") && s.size() > 0);
  }

  /** Go's build information, when this is a Go binary built by Go 1.13 or later. */
  public Optional<GoBuildInfo> goBuildInfo() {
    return goBuildInfo;
  }

  @Override
  public String toString() {
    return "ElfBinary[" + path + ", " + (is64Bit ? "ELF64" : "ELF32") + ", " + sections.size()
        + " sections" + goBuildInfo.map(b -> ", " + b.goVersion()).orElse("") + "]";
  }

  /** The fixed part of the ELF header that locates everything else. */
  private record Header(
      boolean is64Bit,
      ByteOrder order,
      int type,
      int machine,
      long shoff,
      int shentsize,
      int shnum,
      int shstrndx) {

    static Header read(ElfInput in) throws IOException {
      long size = in.size();
      if (size == 0) {
        throw in.error("not an ELF file (empty)");
      }
      ByteBuffer ident =
          in.read(0, Math.min(size, EI_NIDENT), ByteOrder.LITTLE_ENDIAN, "ELF identification");
      for (int i = 0; i < MAGIC.length; i++) {
        if (i >= ident.limit() || ident.get(i) != MAGIC[i]) {
          throw in.error("not an ELF file (no \\x7fELF magic)");
        }
      }
      if (ident.limit() < EI_NIDENT) {
        throw in.error("truncated ELF header (" + size + " bytes)");
      }
      int elfClass = ident.get(4) & 0xff;
      int data = ident.get(5) & 0xff;
      int version = ident.get(6) & 0xff;
      if (elfClass != ELFCLASS32 && elfClass != ELFCLASS64) {
        throw in.error("unsupported ELF class " + elfClass + " (expected 1 or 2)");
      }
      if (data != ELFDATA2LSB && data != ELFDATA2MSB) {
        throw in.error("unsupported ELF data encoding " + data + " (expected 1 or 2)");
      }
      if (version != EV_CURRENT) {
        throw in.error("unsupported ELF version " + version);
      }
      boolean is64Bit = elfClass == ELFCLASS64;
      ByteOrder order = data == ELFDATA2LSB ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
      int headerSize = is64Bit ? 64 : 52;
      if (size < headerSize) {
        throw in.error("truncated ELF header (" + size + " of " + headerSize + " bytes)");
      }
      ByteBuffer b = in.read(0, headerSize, order, "ELF header");
      int type = Short.toUnsignedInt(b.getShort(16));
      int machine = Short.toUnsignedInt(b.getShort(18));
      Header h;
      if (is64Bit) {
        h = new Header(true, order, type, machine, b.getLong(40),
            Short.toUnsignedInt(b.getShort(58)), Short.toUnsignedInt(b.getShort(60)),
            Short.toUnsignedInt(b.getShort(62)));
      } else {
        h = new Header(false, order, type, machine, Integer.toUnsignedLong(b.getInt(32)),
            Short.toUnsignedInt(b.getShort(46)), Short.toUnsignedInt(b.getShort(48)),
            Short.toUnsignedInt(b.getShort(50)));
      }
      if (h.shoff() < 0) {
        throw in.error("section header offset beyond 2^63");
      }
      return h;
    }
  }

  /** A section header before its name is looked up. */
  private record RawSection(
      int nameOffset, int type, long flags, long address, long offset, long size, int link) {}

  private static List<ElfSection> readSections(ElfInput in, Header h) throws IOException {
    if (h.shoff() == 0) {
      // No section header table (allowed for executables, e.g. after sstrip): no sections.
      return List.of();
    }
    int entrySize = h.is64Bit() ? 64 : 40;
    if (h.shentsize() < entrySize) {
      throw in.error("section header entry size " + h.shentsize() + " is below " + entrySize);
    }
    // With 0xff00 or more sections, e_shnum is 0 and the count lives in section 0's sh_size;
    // likewise e_shstrndx == SHN_XINDEX points to section 0's sh_link.
    RawSection first =
        parseSection(in, in.read(h.shoff(), entrySize, h.order(), "section header table"), 0, h);
    long count = h.shnum() == 0 ? first.size() : h.shnum();
    int nameIndex = h.shstrndx() == SHN_XINDEX ? first.link() : h.shstrndx();
    if (count == 0) {
      return List.of();
    }
    if (count > MAX_SECTIONS) {
      throw in.error("section count " + count + " is implausible (limit " + MAX_SECTIONS + ")");
    }
    long tableSize = count * h.shentsize();
    ByteBuffer table = in.read(h.shoff(), tableSize, h.order(), "section header table");
    List<RawSection> raw = new ArrayList<>((int) count);
    for (int i = 0; i < count; i++) {
      raw.add(parseSection(in, table, i * h.shentsize(), h));
    }

    ByteBuffer names = null;
    if (nameIndex != SHN_UNDEF) {
      if (nameIndex < 0 || nameIndex >= count
          || (h.shstrndx() != SHN_XINDEX && nameIndex >= SHN_LORESERVE)) {
        throw in.error("section name table index " + nameIndex + " is out of range ("
            + count + " sections)");
      }
      RawSection s = raw.get(nameIndex);
      if (s.type() == ElfSection.SHT_NOBITS) {
        throw in.error("section name table has no data in the file");
      }
      names = in.read(s.offset(), s.size(), h.order(), "section name table");
    }

    List<ElfSection> sections = new ArrayList<>(raw.size());
    for (int i = 0; i < raw.size(); i++) {
      RawSection r = raw.get(i);
      String name = names == null ? "" : name(in, names, r.nameOffset(), i);
      // Section 0 may abuse sh_size for the section count; SHT_NOBITS occupies no file bytes.
      if (r.type() != SHT_NULL && r.type() != ElfSection.SHT_NOBITS
          && (r.offset() > in.size() || r.size() > in.size() - r.offset())) {
        throw in.error("section " + name + " (offset " + r.offset() + ", " + r.size()
            + " bytes) extends past end of file (" + in.size() + " bytes); truncated?");
      }
      sections.add(new ElfSection(name, r.type(), r.flags(), r.address(), r.offset(), r.size()));
    }
    return sections;
  }

  private static RawSection parseSection(ElfInput in, ByteBuffer b, int at, Header h)
      throws ElfException {
    RawSection r;
    if (h.is64Bit()) {
      r = new RawSection(
          b.getInt(at), b.getInt(at + 4), b.getLong(at + 8), b.getLong(at + 16),
          b.getLong(at + 24), b.getLong(at + 32), b.getInt(at + 40));
    } else {
      r = new RawSection(
          b.getInt(at), b.getInt(at + 4),
          Integer.toUnsignedLong(b.getInt(at + 8)), Integer.toUnsignedLong(b.getInt(at + 12)),
          Integer.toUnsignedLong(b.getInt(at + 16)), Integer.toUnsignedLong(b.getInt(at + 20)),
          b.getInt(at + 24));
    }
    if (r.offset() < 0 || r.size() < 0) {
      throw in.error(
          "section header " + (at / h.shentsize()) + " has an offset or size beyond 2^63");
    }
    return r;
  }

  private static String name(ElfInput in, ByteBuffer names, int offset, int index)
      throws ElfException {
    if (offset < 0 || offset >= names.limit()) {
      throw in.error("section " + index + " name offset " + Integer.toUnsignedString(offset)
          + " is outside the section name table (" + names.limit() + " bytes)");
    }
    int end = offset;
    while (end < names.limit() && names.get(end) != 0) {
      end++;
    }
    if (end == names.limit()) {
      throw in.error("section " + index + " name is not NUL-terminated");
    }
    byte[] bytes = new byte[end - offset];
    names.get(offset, bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static Optional<GoBuildInfo> readGoBuildInfo(ElfInput in, List<ElfSection> sections)
      throws IOException {
    Optional<ElfSection> section =
        sections.stream().filter(s -> s.name().equals(".go.buildinfo")).findFirst();
    if (section.isEmpty()) {
      // Go has written this section since 1.13. A binary without section headers could still
      // hold the blob in a data segment; Go's own reader scans for it, we do not need to.
      return Optional.empty();
    }
    ElfSection s = section.get();
    if (!s.hasFileData()) {
      throw in.error("section .go.buildinfo has no data in the file");
    }
    long length = Math.min(s.size(), GoBuildInfoReader.MAX_SECTION_BYTES);
    ByteBuffer data = in.read(s.offset(), length, ByteOrder.LITTLE_ENDIAN, "section .go.buildinfo");
    try {
      return Optional.of(
          GoBuildInfoReader.decode(
              data, (address, size) -> readMemory(in, sections, address, size)));
    } catch (IllegalArgumentException e) {
      throw new ElfException(in.file(), ".go.buildinfo: " + e.getMessage(), e);
    }
  }

  /**
   * Reads bytes at a virtual address through the allocated section that contains them. Only the
   * pre-Go-1.18 build info layout needs this: it stores pointers instead of the strings.
   */
  private static ByteBuffer readMemory(
      ElfInput in, List<ElfSection> sections, long address, long size) throws IOException {
    for (ElfSection s : sections) {
      if (s.isAllocated() && s.hasFileData()
          && Long.compareUnsigned(address, s.address()) >= 0
          && Long.compareUnsigned(address - s.address(), s.size()) < 0) {
        long within = address - s.address();
        if (size > s.size() - within) {
          throw new IllegalArgumentException(size + " bytes at 0x" + Long.toHexString(address)
              + " run past the end of section " + s.name());
        }
        return in.read(s.offset() + within, size, ByteOrder.LITTLE_ENDIAN, "section " + s.name());
      }
    }
    throw new IllegalArgumentException(
        "address 0x" + Long.toHexString(address) + " is not in any section with file data");
  }
}
