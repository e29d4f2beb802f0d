package dev.katadbg.doctor;

/** The shim carries DWARF: without it Delve cannot set a breakpoint by name or show source. */
final class ShimDebugInfoCheck implements Check {
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
          ShimBuildFlagsCheck.REBUILD);
    }
    return CheckResult.ok(name(), b.path() + " has DWARF");
  }
}
