package dev.katadbg.attach;

import dev.katadbg.proc.ProcessInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What this process may ptrace, from the three things the kernel checks on PTRACE_ATTACH
 * (ptrace(2), "Ptrace access mode checking"; Documentation/admin-guide/LSM/Yama.rst): the same
 * user as the target or CAP_SYS_PTRACE, and Yama's {@code kernel.yama.ptrace_scope} — 1 allows
 * only descendants without CAP_SYS_PTRACE, 2 only CAP_SYS_PTRACE, 3 nobody. Delve, our child,
 * inherits exactly these credentials.
 *
 * @param uid our real user id
 * @param capSysPtrace whether CAP_SYS_PTRACE is in our effective set
 * @param yamaScope {@code /proc/sys/kernel/yama/ptrace_scope}; absent on kernels without Yama
 */
public record PtraceAccess(int uid, boolean capSysPtrace, OptionalInt yamaScope) {
  /** Capability number of CAP_SYS_PTRACE (linux/capability.h). */
  private static final int CAP_SYS_PTRACE = 19;

  /** This process's credentials and the host's Yama setting. */
  public static PtraceAccess ofThisProcess() {
    return read(Path.of("/proc/self/status"), Path.of("/proc/sys/kernel/yama/ptrace_scope"));
  }

  static PtraceAccess read(Path status, Path yama) {
    int uid = -1;
    long capEff = 0;
    try {
      for (String line : Files.readAllLines(status, StandardCharsets.ISO_8859_1)) {
        if (line.startsWith("Uid:")) {
          uid = Integer.parseInt(line.substring(4).strip().split("\\s+")[0]);
        } else if (line.startsWith("CapEff:")) {
          capEff = Long.parseUnsignedLong(line.substring(7).strip(), 16);
        }
      }
    } catch (IOException | NumberFormatException e) {
      throw new IllegalStateException("cannot read " + status + ": " + e.getMessage(), e);
    }
    OptionalInt scope;
    try {
      scope = OptionalInt.of(Integer.parseInt(Files.readString(yama).strip()));
    } catch (NoSuchFileException e) {
      scope = OptionalInt.empty();
    } catch (IOException | NumberFormatException e) {
      throw new IllegalStateException("cannot read " + yama + ": " + e.getMessage(), e);
    }
    return new PtraceAccess(uid, (capEff & (1L << CAP_SYS_PTRACE)) != 0, scope);
  }

  /**
   * Why attaching to {@code target} will be refused, naming what is missing; empty when it is
   * allowed. A target that is our descendant never is (katadbg attaches only to shims).
   */
  public Optional<String> problem(ProcessInfo target) {
    String who = "shim pid " + target.pid();
    String me = (uid == 0 ? "root" : "uid " + uid) + (capSysPtrace ? " with" : " without")
        + " CAP_SYS_PTRACE";
    if (yamaScope.isPresent()) {
      int scope = yamaScope.getAsInt();
      if (scope >= 3) {
        return Optional.of("kernel.yama.ptrace_scope is " + scope + ": no process may be"
            + " debugged until reboot");
      }
      if (scope >= 1 && !capSysPtrace) {
        return Optional.of("kernel.yama.ptrace_scope is " + scope + " ("
            + (scope == 1 ? "descendants only" : "admin only") + ") and katadbg runs as " + me
            + ": run it as root with CAP_SYS_PTRACE"
            + (scope == 1 ? ", or set sysctl kernel.yama.ptrace_scope=0" : ""));
      }
    }
    if (target.uid() != uid && !capSysPtrace) {
      return Optional.of(who + " runs as " + (target.uid() == 0 ? "root" : "uid " + target.uid())
          + " and katadbg as " + me + ": run katadbg as root (sudo) with CAP_SYS_PTRACE");
    }
    return Optional.empty();
  }
}
