package dev.katadbg.doctor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Delve may trace the shim: it needs root or CAP_SYS_PTRACE, and Yama's ptrace_scope must not
 * forbid it ({@code 3} forbids every attach; {@code 2} requires CAP_SYS_PTRACE; {@code dlv exec}
 * traces its own child, which scope 1 allows). katadbg runs as the runtime manager's child,
 * normally root; this reports for the user running doctor.
 */
final class PtraceCheck implements Check {
  static final int CAP_SYS_PTRACE = 19;
  private final Path procStatus;
  private final Path yamaScope;

  PtraceCheck() {
    this(Path.of("/proc/self/status"), Path.of("/proc/sys/kernel/yama/ptrace_scope"));
  }

  PtraceCheck(Path procStatus, Path yamaScope) {
    this.procStatus = procStatus;
    this.yamaScope = yamaScope;
  }

  @Override
  public String name() {
    return "ptrace";
  }

  @Override
  public CheckResult run(Host host) {
    long capEff;
    long uid;
    try {
      String status = Files.readString(procStatus);
      capEff = Long.parseUnsignedLong(field(status, "CapEff").orElse("0"), 16);
      uid = Long.parseLong(field(status, "Uid").orElse("-1 ").split("\\s+")[1]);
    } catch (IOException | RuntimeException e) {
      return CheckResult.warn(name(), "cannot read " + procStatus + ": " + e.getMessage(),
          "run katadbg doctor as root on a Linux host");
    }
    boolean cap = (capEff & (1L << CAP_SYS_PTRACE)) != 0;
    Optional<Integer> scope = Optional.empty();
    try {
      if (Files.exists(yamaScope)) {
        scope = Optional.of(Integer.parseInt(Files.readString(yamaScope).strip()));
      }
    } catch (IOException | NumberFormatException e) {
      return CheckResult.warn(name(), "cannot read " + yamaScope + ": " + e.getMessage(),
          "check kernel.yama.ptrace_scope with sysctl");
    }
    String who = (uid == 0 ? "root" : "uid " + uid) + (cap ? " with" : " without")
        + " CAP_SYS_PTRACE, yama ptrace_scope " + scope.map(String::valueOf).orElse("absent");
    if (scope.orElse(0) >= 3) {
      return CheckResult.fail(name(), who + ": no process may be traced until reboot",
          "boot with kernel.yama.ptrace_scope below 3 (3 cannot be lowered at run time)");
    }
    if (!cap) {
      return CheckResult.fail(name(), who, "run the runtime manager (and katadbg) as root,"
          + " or grant CAP_SYS_PTRACE");
    }
    return CheckResult.ok(name(), who);
  }

  private static Optional<String> field(String status, String key) {
    for (String line : status.split("\n")) {
      if (line.startsWith(key + ":")) {
        return Optional.of(line.substring(key.length() + 1).strip());
      }
    }
    return Optional.empty();
  }
}
