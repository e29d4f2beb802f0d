package dev.katadbg.doctor;

import dev.katadbg.config.KatadbgConfig;
import dev.katadbg.delve.DelveGoSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The Go that built the shim is one this Delve supports (else Delve refuses to start it). */
final class ShimGoVersionCheck implements Check {
  private static final Pattern GO = Pattern.compile("^go1\\.(\\d+)");

  @Override
  public String name() {
    return "shim-go-version";
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
        return CheckResult.ok(name(), "not a Go binary (e.g. runtime-rs): gdb debugs it");
      }
      return CheckResult.fail(name(), elf.value().get().path() + " has no Go build info"
          + " (not a Go binary, e.g. runtime-rs): Delve cannot debug it",
          "set [debugger] kind = \"gdb\" (or \"auto\") in " + host.configFile());
    }
    String goVersion = info.get().goVersion();
    var v = host.dlvVersion();
    if (v.value().isEmpty()) {
      return CheckResult.fail(name(), "built with " + goVersion + "; Delve's version unknown: "
          + v.why(), "install Delve 1.21 or newer and set [debugger] path");
    }
    Matcher m = GO.matcher(goVersion);
    if (!m.find()) {
      return CheckResult.warn(name(), "built with " + goVersion + " (not a release; Delve skips"
          + " its check for development toolchains)", "build the shim with a Go release");
    }
    int minor = Integer.parseInt(m.group(1));
    var window = DelveGoSupport.window(v.value().get());
    String what = "built with " + goVersion + "; Delve " + v.value().get() + " supports "
        + window + (window.exact() ? "" : " (inferred)");
    if (window.contains(minor)) {
      return CheckResult.ok(name(), what);
    }
    boolean checked = host.config().value().map(KatadbgConfig::debugger)
        .map(KatadbgConfig.DebuggerSettings::checkGoVersion).orElse(true);
    String fix = minor < window.minGoMinor()
        ? "rebuild the shim with Go 1." + window.minGoMinor() + "-1." + window.maxGoMinor()
        : "use a Delve that supports Go 1." + minor;
    if (!checked) {
      return CheckResult.warn(name(), what + "; [debugger] check_go_version = false lets Delve"
          + " start it with undefined behaviour", fix);
    }
    return CheckResult.fail(name(), what + ": Delve will refuse to start it", fix
        + " (or set [debugger] check_go_version = false to try anyway)");
  }
}
