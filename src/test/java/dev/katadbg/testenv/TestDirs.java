package dev.katadbg.testenv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Private directories for end-to-end tests: under /run/katadbg-test, 0700, with a random name
 * (never a predictable name in /tmp; test files hold configs of root processes).
 */
public final class TestDirs {
  public static final Path ROOT = Path.of("/run/katadbg-test");

  private TestDirs() {}

  /** A new 0700 directory {@code ROOT/PREFIX-random}. */
  public static Path create(String prefix) {
    try {
      Files.createDirectories(ROOT);
      return Files.createTempDirectory(ROOT, prefix + "-",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a test directory under " + ROOT
          + " (end-to-end tests run as root): " + e.getMessage(), e);
    }
  }

  /**
   * As {@link #create}, but usable in a static initializer that runs before
   * {@code TestEnv.require} can skip: without root it names a directory that is never made,
   * so the test is skipped (or fails in CI) with TestEnv's reason instead of this one.
   */
  public static Path createOrPlaceholder(String prefix) {
    try {
      return create(prefix);
    } catch (UncheckedIOException e) {
      return Path.of(System.getProperty("java.io.tmpdir"), "katadbg-" + prefix + "-not-root");
    }
  }

  /** Removes {@code dir} and everything in it; a missing dir is fine. */
  public static void delete(Path dir) {
    if (dir == null || !Files.isDirectory(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + dir, e);
    }
  }
}
