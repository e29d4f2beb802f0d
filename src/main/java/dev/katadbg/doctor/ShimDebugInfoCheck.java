package dev.katadbg.doctor;

/** The shim carries DWARF: without it neither Delve nor gdb can set a breakpoint by name or show source. */
final class ShimDebugInfoCheck implements Check {
  static final String REBUILD_OTHER = "rebuild the shim with debug info and do not strip it:"
      + " for Kata's runtime-rs, make -C src/runtime-rs BUILD_TYPE=debug (not the optimize"
      + " target); for a Rust shim, cargo build without --release or with debug = true";

  @Override
  public String name() {
    return "shim-debug-info";
  }

  @Override
  public CheckResult run(Host host) {
    var elf = host.shimElf();
    if (elf.value().isEmpty()) {
      return CheckResult.fail(name(), elf.why(), "pass --shim BINARY or set [shim] binary");
    }
    var b = elf.value().get();
    if (!b.hasDwarf()) {
      String ld = b.goBuildInfo().flatMap(i -> i.ldflags()).map(f -> " (-ldflags " + f + ")")
          .orElse("");
      return CheckResult.fail(name(), b.path() + " has no DWARF debug info" + ld
          + (b.hasSymbols() ? "" : " and no symbol table (stripped)"),
          b.goBuildInfo().isPresent() ? ShimBuildFlagsCheck.REBUILD : REBUILD_OTHER);
    }
    return CheckResult.ok(name(), b.path() + " has DWARF");
  }
}
