package dev.katadbg.doctor;

import dev.katadbg.config.KatadbgConfig;

/**
 * gdb and gdbserver exist when the shim goes to gdb (kind "gdb", or "auto" and the shim is not
 * Go): gdbserver takes the daemon, the session's own gdb keeps it, and katadbg connect runs gdb.
 */
final class GdbFoundCheck implements Check {
  @Override
  public String name() {
    return "gdb-found";
  }

  @Override
  public CheckResult run(Host host) {
    var kind = host.debuggerKind();
    if (kind.value().isEmpty()) {
      return CheckResult.warn(name(), "which debugger is unknown: " + kind.why(),
          "pass --shim BINARY or set [shim] binary");
    }
    if (kind.value().get() == KatadbgConfig.Kind.DELVE) {
      return CheckResult.ok(name(), "not needed: Delve debugs this shim");
    }
    var gdb = host.gdb();
    var server = host.gdbserver();
    if (gdb.value().isEmpty() || server.value().isEmpty()) {
      String why = gdb.value().isEmpty() ? gdb.why() : server.why();
      return CheckResult.fail(name(), why, "install gdb and gdbserver (apt install gdb"
          + " gdbserver) or set [debugger] gdb and gdbserver in " + host.configFile());
    }
    return CheckResult.ok(name(), gdb.value().get() + ", " + server.value().get());
  }
}
