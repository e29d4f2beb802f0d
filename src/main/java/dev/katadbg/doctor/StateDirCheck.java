package dev.katadbg.doctor;

import dev.katadbg.config.KatadbgConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The state directory ([state] dir, /run/katadbg) is usable: a 0700 directory of ours, or
 * creatable. It holds debugger sockets and root shims' logs, so any other mode is a failure.
 * Doctor only looks; the wrapper creates it.
 */
final class StateDirCheck implements Check {
  @Override
  public String name() {
    return "state-dir";
  }

  @Override
  public CheckResult run(Host host) {
    Path dir = host.config().value().map(KatadbgConfig::stateDir)
        .orElse(KatadbgConfig.DEFAULT_STATE_DIR);
    try {
      if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
        Path parent = dir.getParent();
        while (parent != null && !Files.exists(parent)) {
          parent = parent.getParent();
        }
        if (parent == null || !Files.isWritable(parent)) {
          return CheckResult.fail(name(), dir + " does not exist and " + parent
              + " is not writable", "run as root, or set [state] dir to a directory you own");
        }
        return CheckResult.ok(name(), dir + " will be created (0700) at the first session");
      }
      if (Files.isSymbolicLink(dir) || !Files.isDirectory(dir)) {
        return CheckResult.fail(name(), dir + " is not a directory (or is a symlink)",
            "remove " + dir + " or set [state] dir elsewhere");
      }
      PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class,
          LinkOption.NOFOLLOW_LINKS);
      String mode = PosixFilePermissions.toString(a.permissions());
      Object owner = Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
      Object me = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      if (!owner.equals(me)) {
        return CheckResult.fail(name(), dir + " belongs to uid " + owner + ", not " + me,
            "chown " + me + " " + dir + " or run katadbg as its owner");
      }
      if (!mode.equals("rwx------")) {
        return CheckResult.fail(name(), dir + " has mode " + mode + ": sockets and logs of"
            + " root shims would be exposed", "chmod 0700 " + dir);
      }
      if (!Files.isWritable(dir)) {
        return CheckResult.fail(name(), dir + " is not writable", "run as root");
      }
      return CheckResult.ok(name(), dir + " (0700, ours)");
    } catch (IOException | UnsupportedOperationException e) {
      return CheckResult.fail(name(), "cannot inspect " + dir + ": " + e.getMessage(),
          "set [state] dir to a local directory");
    }
  }
}
