package dev.katadbg.doctor;

/**
 * The shim was built without optimizations and inlining ({@code -gcflags=all=-N -l}), which Go
 * records in the binary's build info: an optimized shim runs under Delve, but variables read
 * as "optimized away" and lines are skipped while stepping.
 */
final class ShimBuildFlagsCheck implements Check {
  static final String REBUILD = "rebuild the shim with go build -gcflags=\"all=-N -l\" and"
      + " without -ldflags \"-s -w\"; for Kata: make -C src/runtime containerd-shim-v2"
      + " BUILDFLAGS='-buildmode=pie -mod=vendor -gcflags=\"all=-N -l\"' (without STRIP=yes)";

  @Override
  public String name() {
    return "shim-build-flags";
  }

  @Override
  public CheckResult run(Host host) {
    var elf = host.shimElf();
    if (elf.value().isEmpty()) {
      return CheckResult.fail(name(), elf.why(), "pass --shim BINARY or set [shim] binary");
    }
    var info = elf.value().get().goBuildInfo();
    if (info.isEmpty()) {
      if (host.debuggerKind().value().orElse(null) == dev.katadbg.config.KatadbgConfig.Kind.GDB) {
        return CheckResult.ok(name(), "not a Go binary: no Go build flags to check (gdb)");
      }
      return CheckResult.warn(name(), "no Go build info: build flags unknown", REBUILD);
    }
    var gcflags = info.get().gcflags();
    if (info.get().optimizationsDisabled()) {
      return CheckResult.ok(name(), "-gcflags " + gcflags.get());
    }
    String found = gcflags.map(f -> "built with -gcflags \"" + f + "\"")
        .orElse("built without -gcflags");
    return CheckResult.fail(name(), found + ": optimized and inlined, so variables and lines"
        + " are lost while stepping", REBUILD);
  }
}
