package dev.katadbg.testenv;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The private directory of one containerd: {@code /run/katadbg-test/cd-<16 random hex>}, mode
 * 0700, root-owned. Not a predictable name in /tmp, which another user could create first.
 *
 * <p>Its owner holds a lock on {@code owner.lock} for the directory's life. The kernel drops the
 * lock when the owning JVM dies however it dies, so a directory whose lock can be taken was
 * left behind by a dead run and can be reaped.
 */
final class BaseDir implements AutoCloseable {

  static final Path PARENT = Path.of("/run/katadbg-test");
  private static final Pattern NAME = Pattern.compile("cd-[0-9a-f]{16}");
  /** A directory without a lock file is stale only after this: its owner may be creating it. */
  private static final Duration UNLOCKED_GRACE = Duration.ofMinutes(1);
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * Directories this JVM owns. Their lock files must not even be opened here: closing any
   * descriptor of a file drops all of the process's POSIX locks on it.
   */
  private static final Set<Path> OWNED = ConcurrentHashMap.newKeySet();

  private final Path path;
  private final FileChannel lockChannel;

  private BaseDir(Path path, FileChannel lockChannel) {
    this.path = path;
    this.lockChannel = lockChannel;
  }

  static BaseDir create() throws IOException {
    ensureParent();
    for (int attempt = 0; ; attempt++) {
      byte[] random = new byte[8];
      RANDOM.nextBytes(random);
      Path dir = PARENT.resolve("cd-" + HexFormat.of().formatHex(random));
      try {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      } catch (FileAlreadyExistsException e) {
        if (attempt < 5) {
          continue;
        }
        throw e;
      }
      OWNED.add(dir);
      FileChannel channel = FileChannel.open(dir.resolve("owner.lock"),
          StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      channel.lock();
      return new BaseDir(dir, channel);
    }
  }

  Path path() {
    return path;
  }

  /** Releases the lock; call after the directory is gone or reaped. */
  @Override
  public void close() throws IOException {
    try {
      lockChannel.close();
    } finally {
      OWNED.remove(path);
    }
  }

  /**
   * Hands each directory left by a dead owner to {@code reap} while holding its lock, so two
   * JVMs never reap the same one. Directories with names this class does not make are ignored.
   */
  static void forEachStale(Consumer<Path> reap) throws IOException {
    if (!Files.isDirectory(PARENT, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PARENT)) {
      for (Path dir : dirs) {
        if (NAME.matcher(dir.getFileName().toString()).matches() && !OWNED.contains(dir)
            && Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
          reapIfStale(dir, reap);
        }
      }
    }
  }

  private static void reapIfStale(Path dir, Consumer<Path> reap) throws IOException {
    Path lockFile = dir.resolve("owner.lock");
    if (!Files.exists(lockFile)) {
      FileTime modified = Files.getLastModifiedTime(dir);
      if (modified.toInstant().isBefore(Instant.now().minus(UNLOCKED_GRACE))) {
        reap.accept(dir);
      }
      return;
    }
    try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
      Optional<FileLock> lock;
      try {
        lock = Optional.ofNullable(channel.tryLock());
      } catch (OverlappingFileLockException e) {
        lock = Optional.empty(); // another thread of this JVM is reaping it
      }
      if (lock.isPresent()) {
        reap.accept(dir);
      }
    }
  }

  /** Creates /run/katadbg-test, or checks an existing one is a root-only directory we can trust. */
  private static void ensureParent() throws IOException {
    try {
      Files.createDirectory(PARENT, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    } catch (FileAlreadyExistsException e) {
      // checked below
    }
    if (!Files.isDirectory(PARENT, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(PARENT + " exists but is not a directory (a symlink?); remove it");
    }
    int uid = (Integer) Files.getAttribute(PARENT, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    if (uid != 0) {
      throw new IOException(PARENT + " is owned by uid " + uid + ", not root; remove it");
    }
    Files.setPosixFilePermissions(PARENT, OWNER_ONLY);
  }
}
