package dev.katadbg.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBackupTest {
  @TempDir Path dir;

  @Test
  void atomicWriteKeepsModeAndLeavesNoTemporaryFile() throws IOException {
    Path f = dir.resolve("config.toml");
    Files.writeString(f, "old\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));

    AtomicFiles.write(f, "new\n".getBytes());

    assertThat(Files.readString(f)).isEqualTo("new\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
        .isEqualTo("rw-r-----");
    try (var s = Files.list(dir)) {
      assertThat(s.toList()).containsExactly(f);
    }
  }

  @Test
  void atomicWriteThroughASymlinkReplacesTheTargetAndKeepsTheLink() throws IOException {
    Path real = dir.resolve("real.toml");
    Files.writeString(real, "a");
    Path link = Files.createSymbolicLink(dir.resolve("link.toml"), real);

    AtomicFiles.write(link, "b".getBytes());

    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(Files.readString(real)).isEqualTo("b");
  }

  @Test
  void restorePutsBackTheExactBytes() throws IOException {
    byte[] original = new byte[4096];
    new Random(42).nextBytes(original);
    Path f = dir.resolve("f");
    Files.write(f, original);

    FileBackup b = FileBackup.replace(f, original, "edited".getBytes(), dir.resolve("f.orig"));
    assertThat(b.unchangedSinceEdit()).isTrue();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(b.copy())))
        .isEqualTo("rw-------");
    b.restore();

    assertThat(Files.readAllBytes(f)).isEqualTo(original);
    assertThat(b.copy()).doesNotExist();
  }

  @Test
  void laterEditIsNoticedAndCorruptBackupRefused() throws IOException {
    Path f = dir.resolve("f");
    Files.writeString(f, "one");
    FileBackup b = FileBackup.replace(f, "one".getBytes(), "two".getBytes(), dir.resolve("f.orig"));
    Files.writeString(f, "three");
    assertThat(b.unchangedSinceEdit()).isFalse();

    Files.writeString(b.copy(), "tampered");
    assertThatThrownBy(b::restore).hasMessageContaining("corrupt");
    assertThat(Files.readString(f)).isEqualTo("three");
  }
}
