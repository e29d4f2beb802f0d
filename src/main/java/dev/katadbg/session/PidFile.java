package dev.katadbg.session;

import dev.katadbg.session.Session.ProcessRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * A process named in a session's directory as {@code "PID STARTTIME\n"}, the form the reaper's
 * shell reads with one {@code read}. Written by rename, so a reader sees it whole or not at all.
 */
public final class PidFile {
  private PidFile() {}

  public static void write(Path file, ProcessRef process) {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Files.writeString(tmp, process.pid() + " " + process.startTime() + "\n");
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** The process named in {@code file}; empty when there is none or it is not one. */
  public static Optional<ProcessRef> read(Path file) {
    try {
      String[] f = Files.readString(file, StandardCharsets.US_ASCII).strip().split(" ");
      if (f.length != 2) {
        return Optional.empty();
      }
      return Optional.of(new ProcessRef(Integer.parseInt(f[0]), Long.parseLong(f[1])));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
