package dev.katadbg.elf;

import java.util.Objects;

/**
 * ElfSection is one entry of an ELF section header table, with its name resolved through the
 * section name string table. Numbers are kept as the file states them (ELF32 values widened).
 *
 * @param name the section name, e.g. {@code .debug_info}; empty when the file has no name table
 * @param type {@code sh_type}, e.g. {@link #SHT_SYMTAB}
 * @param flags {@code sh_flags}, e.g. {@link #SHF_COMPRESSED}
 * @param address {@code sh_addr}, the virtual address when loaded (0 for non-allocated sections)
 * @param offset {@code sh_offset}, where the section's bytes start in the file
 * @param size {@code sh_size}; for compressed sections the compressed size in the file
 */
public record ElfSection(String name, int type, long flags, long address, long offset, long size) {
  /** Section type of a symbol table ({@code .symtab}). */
  public static final int SHT_SYMTAB = 2;
  /** Section type that occupies no file space ({@code .bss}). */
  public static final int SHT_NOBITS = 8;
  /** The section is part of the process image. */
  public static final long SHF_ALLOC = 0x2;
  /**
   * The section's bytes start with a compression header (ELF gABI, 2012). Go 1.24's linker
   * writes its DWARF this way, so {@code .debug_info} is still named {@code .debug_info}.
   */
  public static final long SHF_COMPRESSED = 0x800;

  public ElfSection {
    Objects.requireNonNull(name, "name");
    if (offset < 0 || size < 0) {
      // Unsigned 64-bit values beyond Long.MAX_VALUE cannot describe a real file.
      throw new IllegalArgumentException(
          "section " + name + ": offset and size must be below 2^63, got " + offset + ", " + size);
    }
  }

  /** Whether the section has bytes in the file (every type except {@code SHT_NOBITS}). */
  public boolean hasFileData() {
    return type != SHT_NOBITS;
  }

  /** Whether the section's bytes are compressed ({@link #SHF_COMPRESSED}). */
  public boolean isCompressed() {
    return (flags & SHF_COMPRESSED) != 0;
  }

  /** Whether the section is loaded into memory ({@link #SHF_ALLOC}). */
  public boolean isAllocated() {
    return (flags & SHF_ALLOC) != 0;
  }
}
