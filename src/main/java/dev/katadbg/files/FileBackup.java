package dev.katadbg.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A config file's original bytes, saved before katadbg edited it, and the fingerprint of what
 * katadbg wrote, so that a restore puts back the exact original and refuses to overwrite an
 * edit someone made in between.
 *
 * @param original the edited file
 * @param copy where its original bytes are kept
 * @param originalSha256 SHA-256 of the original bytes
 * @param editedSha256 SHA-256 of the bytes katadbg wrote
 */
public record FileBackup(Path original, Path copy, String originalSha256, String editedSha256) {
  public FileBackup {
    Objects.requireNonNull(original, "original");
    Objects.requireNonNull(copy, "copy");
    Objects.requireNonNull(originalSha256, "originalSha256");
    Objects.requireNonNull(editedSha256, "editedSha256");
  }

  /**
   * Saves {@code before} (the file's current bytes) to {@code copy} (0600, must not exist),
   * then writes {@code after} over the original atomically.
   */
  public static FileBackup replace(Path original, byte[] before, byte[] after, Path copy)
      throws IOException {
    Files.write(copy, before, java.nio.file.StandardOpenOption.CREATE_NEW,
        java.nio.file.StandardOpenOption.WRITE);
    Files.setPosixFilePermissions(copy, java.nio.file.attribute.PosixFilePermissions
        .fromString("rw-------"));
    AtomicFiles.write(original, after);
    return new FileBackup(original, copy, AtomicFiles.sha256(before), AtomicFiles.sha256(after));
  }

  /** Whether the file still holds exactly what katadbg wrote. */
  public boolean unchangedSinceEdit() throws IOException {
    return Files.exists(original)
        && AtomicFiles.sha256(Files.readAllBytes(original)).equals(editedSha256);
  }

  /** Puts the original bytes back (atomically, keeping mode and owner) and deletes the copy. */
  public void restore() throws IOException {
    byte[] bytes = Files.readAllBytes(copy);
    if (!AtomicFiles.sha256(bytes).equals(originalSha256)) {
      throw new IOException("backup " + copy + " of " + original + " is corrupt (checksum"
          + " differs); restore it by hand");
    }
    AtomicFiles.write(original, bytes);
    Files.delete(copy);
  }
}
