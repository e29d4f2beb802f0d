package dev.katadbg.doctor;

/** The dlv the wrapper will run exists. */
final class DlvFoundCheck implements Check {
  @Override
  public String name() {
    return "dlv-found";
  }

  @Override
  public CheckResult run(Host host) {
    if (host.debuggerKind().value().orElse(null) == dev.katadbg.config.KatadbgConfig.Kind.GDB) {
      return CheckResult.ok(name(), "not needed: gdb debugs this shim (see gdb-found)");
    }
    var dlv = host.dlv();
    if (dlv.value().isEmpty()) {
      return CheckResult.fail(name(), dlv.why(), "install Delve 1.21 or newer (Debian trixie's"
          + " delve package runs on bookworm) and set [debugger] path in " + host.configFile());
    }
    return CheckResult.ok(name(), dlv.value().get().toString());
  }
}
