/**
 * Reading what katadbg needs from executables before it runs them under Delve: ELF sections
 * ({@link dev.katadbg.elf.ElfBinary}), DWARF and symbol presence, and Go's embedded build
 * information ({@link dev.katadbg.elf.GoBuildInfo}) — whether a shim was built with
 * {@code -gcflags="all=-N -l"} or stripped with {@code -ldflags="-s -w"}.
 */
package dev.katadbg.elf;
