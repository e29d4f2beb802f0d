package dev.katadbg.manager;

import java.nio.file.Path;
import java.util.Optional;

/** One change to the file system that an install makes, planned before anything is written. */
public sealed interface Change {
  Path path();

  /** Writes {@code after} to a text file; {@code before} empty means the file does not exist yet. */
  record FileWrite(Path path, Optional<String> before, String after) implements Change {
    public FileWrite {
      if (!path.isAbsolute()) {
        throw new IllegalArgumentException("not an absolute path: " + path);
      }
    }
  }

  /** Creates a symbolic link {@code path -> target} where nothing exists yet. */
  record Symlink(Path path, Path target) implements Change {
    public Symlink {
      if (!path.isAbsolute() || !target.isAbsolute()) {
        throw new IllegalArgumentException("symlink paths must be absolute: " + path + " -> " + target);
      }
    }
  }
}
