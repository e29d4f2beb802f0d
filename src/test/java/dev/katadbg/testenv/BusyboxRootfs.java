package dev.katadbg.testenv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/** A root filesystem for {@code ctr run --rootfs}: a static busybox and links to its applets. */
final class BusyboxRootfs {

  static final List<String> APPLETS = List.of("sh", "echo", "sleep", "cat", "true", "false", "ls");

  private BusyboxRootfs() {}

  /** Fills {@code dir}; busybox must be statically linked, since no libraries are copied. */
  static Path create(Path dir, Path busybox) throws IOException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path copy = bin.resolve("busybox");
    Files.copy(busybox, copy, StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwxr-xr-x"));
    for (String applet : APPLETS) {
      Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
    }
    // runc creates missing mount points itself; creating them up front keeps containers that
    // share this rootfs from racing to do so.
    for (String mountPoint : List.of("proc", "sys", "dev", "tmp")) {
      Files.createDirectories(dir.resolve(mountPoint));
    }
    return dir;
  }
}
