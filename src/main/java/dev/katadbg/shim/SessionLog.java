package dev.katadbg.shim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * The session's own log. The start path may not write to stdout or stderr (containerd merges
 * them into the reply), so everything katadbg has to say about a start goes here.
 */
final class SessionLog {
  private final Path file;

  Path file() {
    return file;
  }

  SessionLog(Path file) {
    this.file = file;
  }

  void info(String line) {
    write("info", line);
  }

  void warn(String line) {
    write("warn", line);
  }

  void error(String line) {
    write("error", line);
  }

  private void write(String level, String line) {
    try {
      Files.writeString(file, Instant.now() + " " + level + " " + line + "\n",
          StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      // A log that cannot be written must not fail the container's start.
    }
  }
}
