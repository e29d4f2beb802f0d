package dev.katadbg.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;

/**
 * Replacing a system config file so that a reader (containerd starting, CRI-O reloading) sees
 * either the old or the new bytes, never half of them, and the file keeps its mode and owner:
 * the new bytes go to a temporary file created 0600 beside the target (same file system, a
 * random name), are flushed to disk, take the target's mode and owner, then are renamed over
 * it; the directory is synced so the rename survives a crash.
 *
 * <p>Shared utility: the runtime class installer (dev.katadbg.manager) and {@code katadbg
 * timeouts} both edit config files this way.
 */
public final class AtomicFiles {
  private static final Set<PosixFilePermission> NEW_FILE_MODE =
      PosixFilePermissions.fromString("rw-r--r--");

  private AtomicFiles() {}

  /**
   * Replaces (or creates) {@code target} with {@code bytes}. An existing target's mode and
   * owner are kept; a new file gets 0644 and our owner. A symlink target is followed: the file
   * it points to is replaced, the link stays.
   */
  public static void write(Path target, byte[] bytes) throws IOException {
    write(target, bytes, NEW_FILE_MODE);
  }

  /** As {@link #write(Path, byte[])}, with {@code newMode} for a file that does not exist yet. */
  public static void write(Path target, byte[] bytes, Set<PosixFilePermission> newMode)
      throws IOException {
    Path real = Files.exists(target) ? target.toRealPath() : target.toAbsolutePath();
    Path dir = real.getParent();
    Files.createDirectories(dir);
    PosixFileAttributes attrs = Files.exists(real)
        ? Files.readAttributes(real, PosixFileAttributes.class) : null;
    Path tmp = Files.createTempFile(dir, "." + real.getFileName() + ".", ".katadbg-tmp",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true);
      }
      PosixFileAttributeView view = Files.getFileAttributeView(tmp,
          PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
      if (attrs != null) {
        view.setOwner(attrs.owner());
        view.setGroup(attrs.group());
        view.setPermissions(attrs.permissions());
      } else {
        view.setPermissions(newMode);
      }
      try {
        Files.move(tmp, real, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("cannot replace " + real + " atomically: " + e.getMessage(), e);
      }
      syncDirectory(dir);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some file systems refuse fsync on a directory; the rename itself already happened.
    }
  }

  /** The SHA-256 of {@code bytes} as lowercase hex. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JRE has SHA-256", e);
    }
  }
}
