package dev.katadbg.shim;

import dev.katadbg.delve.DelveProcess;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The start process's stdout when Delve launches it ({@code target = "start"}): a FIFO Delve
 * opens as {@code -r stdout:}, read to its end, so the reply is relayed the moment the start
 * process exits.
 */
final class Fifo {
  private static final int MAX_REPLY = 1 << 20;

  private Fifo() {}

  static void create(Path fifo) throws IOException {
    try {
      Process p = new ProcessBuilder("mkfifo", "-m", "0600", fifo.toString())
          .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
              new File("/dev/null")))
          .start();
      String out = new String(p.getInputStream().readAllBytes()).strip();
      if (p.waitFor() != 0) {
        throw new IOException("mkfifo " + fifo + ": " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted creating " + fifo);
    }
  }

  static CompletableFuture<byte[]> readAll(Path fifo) {
    CompletableFuture<byte[]> f = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try (InputStream in = Files.newInputStream(fifo)) {
        f.complete(in.readNBytes(MAX_REPLY));
      } catch (IOException | RuntimeException e) {
        f.completeExceptionally(e);
      }
    }, "shim-stdout");
    t.setDaemon(true);
    t.start();
    return f;
  }

  /** The bytes once the writer closed its end; fails if Delve dies first. */
  static byte[] await(CompletableFuture<byte[]> reply, DelveProcess delve) throws IOException {
    while (true) {
      try {
        return reply.get(50, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        if (!delve.isAlive()) {
          throw new SetupException("Delve exited before the shim's start replied; see "
              + delve.logFile());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted waiting for the shim's reply");
      } catch (ExecutionException e) {
        throw new IOException("reading the shim's reply: " + e.getCause().getMessage());
      }
    }
  }
}
