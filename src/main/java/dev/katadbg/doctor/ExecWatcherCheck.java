package dev.katadbg.doctor;

import dev.katadbg.handoff.ExecWatcher;
import java.util.Optional;

/**
 * katadbg's exec watcher is installed: the wrapper runs the shim's start under it and hands the
 * daemon to Delve, so without it no start can be debugged.
 */
final class ExecWatcherCheck implements Check {
  @Override
  public String name() {
    return "exec-watcher";
  }

  @Override
  public CheckResult run(Host host) {
    return ExecWatcher.locate(Optional.ofNullable(System.getProperty("katadbg.home")))
        .map(p -> CheckResult.ok(name(), ExecWatcher.NAME + " at " + p))
        .orElseGet(() -> CheckResult.fail(name(), ExecWatcher.NAME + " is missing from"
            + " katadbg's libexec: the wrapper cannot hand a shim's daemon to Delve",
            "rebuild katadbg (mvn package compiles it with cc) and copy target/katadbg/* to"
                + " where katadbg is installed again"));
  }
}
