package dev.katadbg.files;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Finding a program as a shell would: a path as it is, a bare name on a PATH. */
public final class Executables {
  private Executables() {}

  /**
   * {@code configured} itself when it names a path (it has a slash), else the first executable
   * file of that name in {@code pathEnv}'s directories; empty when there is none.
   */
  public static Optional<Path> find(String configured, String pathEnv) {
    if (configured.isEmpty()) {
      return Optional.empty();
    }
    if (configured.contains("/")) {
      Path p = Path.of(configured);
      return isExecutableFile(p) ? Optional.of(p.toAbsolutePath()) : Optional.empty();
    }
    for (String d : pathEnv.split(":")) {
      if (!d.isEmpty()) {
        Path candidate = Path.of(d, configured);
        if (isExecutableFile(candidate)) {
          return Optional.of(candidate.toAbsolutePath());
        }
      }
    }
    return Optional.empty();
  }

  private static boolean isExecutableFile(Path p) {
    return Files.isRegularFile(p) && Files.isExecutable(p);
  }
}
