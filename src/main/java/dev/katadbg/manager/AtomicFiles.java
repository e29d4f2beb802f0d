package dev.katadbg.manager;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;

/**
 * Writes files so that a reader (containerd starting, CRI-O reloading) sees the old or the new
 * content, never half of it: a temporary file in the same directory, fsynced, given the old
 * file's mode and owner, then renamed over it.
 */
final class AtomicFiles {
  static final Set<PosixFilePermission> NEW_FILE_MODE = PosixFilePermissions.fromString("rw-r--r--");

  private AtomicFiles() {}

  /**
   * Replaces (or creates) {@code target}. An existing file's permissions, owner and group carry
   * over; a new file gets {@code newMode} and the caller's owner. Symlinks are followed, so an
   * {@code /etc/containerd/config.toml} that links elsewhere is written where it points.
   */
  static void write(Path target, byte[] content, Set<PosixFilePermission> newMode) throws IOException {
    Path real = Files.exists(target) ? target.toRealPath() : target.toAbsolutePath();
    Path dir = real.getParent();
    Files.createDirectories(dir);
    PosixFileAttributes old = Files.exists(real)
        ? Files.readAttributes(real, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS) : null;
    // createTempFile's name is random and the file is 0600 until chmod below: nothing else can
    // read a half-written config or predict the name.
    Path tmp = Files.createTempFile(dir, "." + real.getFileName() + ".", ".katadbg-tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buf = ByteBuffer.wrap(content);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      PosixFileAttributeView view = Files.getFileAttributeView(tmp, PosixFileAttributeView.class);
      if (old != null) {
        UserPrincipal owner = old.owner();
        GroupPrincipal group = old.group();
        view.setOwner(owner);
        view.setGroup(group);
        view.setPermissions(old.permissions());
      } else {
        view.setPermissions(newMode);
      }
      Files.move(tmp, real, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      fsyncDirectory(dir);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Makes the rename durable; a directory cannot be opened for writing, but read + force works. */
  private static void fsyncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some file systems refuse fsync on directories; the rename itself is still atomic.
    }
  }
}
