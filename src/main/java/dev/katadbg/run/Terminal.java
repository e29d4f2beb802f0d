package dev.katadbg.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The user's terminal on our stdin, through {@code stty} (Java has no termios): whether stdin is
 * one, its size, raw mode and putting the saved settings back. {@code stty} inherits our stdin,
 * which is the terminal it acts on.
 */
final class Terminal {
  /** Rows and columns, as ResizePty wants them (width = columns, height = rows). */
  record Size(int rows, int columns) {
    Size {
      if (rows < 0 || columns < 0) {
        throw new IllegalArgumentException("negative terminal size " + rows + "x" + columns);
      }
    }
  }

  private final String saved;
  private final AtomicBoolean raw = new AtomicBoolean();

  private Terminal(String saved) {
    this.saved = saved;
  }

  /** The terminal on stdin, or empty when stdin is not one (a pipe, a file, /dev/null). */
  static Optional<Terminal> onStdin() {
    return stty("-g").map(String::strip).filter(s -> !s.isEmpty()).map(Terminal::new);
  }

  /** Raw, no echo: every key (Ctrl-C too) goes to the container's terminal, as ctr -t does. */
  void makeRaw() throws IOException {
    if (stty("raw", "-echo").isEmpty()) {
      throw new IOException("stty raw -echo failed on stdin");
    }
    raw.set(true);
  }

  /** Puts the settings saved before {@link #makeRaw} back; once, from any thread. */
  void restore() {
    if (raw.compareAndSet(true, false)) {
      stty(saved);
    }
  }

  /** The current size; empty if stty cannot tell (stdin no longer a terminal). */
  static Optional<Size> size() {
    return stty("size").flatMap(s -> {
      String[] p = s.strip().split("\\s+");
      try {
        return p.length == 2
            ? Optional.of(new Size(Integer.parseInt(p[0]), Integer.parseInt(p[1])))
            : Optional.empty();
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    });
  }

  private static Optional<String> stty(String... args) {
    String[] cmd = new String[args.length + 1];
    cmd[0] = "stty";
    System.arraycopy(args, 0, cmd, 1, args.length);
    try {
      Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.INHERIT)
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return p.waitFor() == 0 ? Optional.of(out) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
