package dev.katadbg.elf;

import java.io.IOException;
import java.nio.file.Path;

/**
 * ElfException reports a file that is not an ELF file, is truncated or malformed, or uses a
 * layout this package does not read. The message always starts with the file's path, because
 * the caller usually checks several binaries (a shim, dlv, a wrapper) in one go.
 */
public final class ElfException extends IOException {
  private static final long serialVersionUID = 1L;

  private final Path file;

  public ElfException(Path file, String problem) {
    super(file + ": " + problem);
    this.file = file;
  }

  public ElfException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
    this.file = file;
  }

  /** The file that could not be read. */
  public Path file() {
    return file;
  }
}
