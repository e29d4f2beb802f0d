package dev.katadbg.doctor;

import dev.katadbg.delve.DelveVersion;

/**
 * Delve is 1.21 or newer: the shim's {@code start} re-executes itself as the daemon, and only
 * follow-exec (1.21.0+) keeps the debugger on it; an older server fails silently in the terminal.
 */
final class DlvVersionCheck implements Check {
  @Override
  public String name() {
    return "dlv-follow-exec";
  }

  @Override
  public CheckResult run(Host host) {
    var v = host.dlvVersion();
    if (v.value().isEmpty()) {
      return CheckResult.fail(name(), "cannot learn Delve's version: " + v.why(),
          "install Delve " + DelveVersion.FOLLOW_EXEC_SINCE + " or newer and set [debugger] path");
    }
    var version = v.value().get();
    if (!version.atLeast(DelveVersion.FOLLOW_EXEC_SINCE)) {
      return CheckResult.fail(name(), "Delve " + version + " at " + host.dlv().value().get()
          + " has no follow-exec (needs " + DelveVersion.FOLLOW_EXEC_SINCE + "+): the debugger"
          + " would lose the shim when it daemonizes",
          "install Delve " + DelveVersion.FOLLOW_EXEC_SINCE + " or newer (e.g. Debian trixie's"
              + " delve 1.24) and set [debugger] path in " + host.configFile());
    }
    return CheckResult.ok(name(), "Delve " + version + " (follow-exec since "
        + DelveVersion.FOLLOW_EXEC_SINCE + ")");
  }
}
