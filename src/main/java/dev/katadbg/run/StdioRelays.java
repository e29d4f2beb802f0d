package dev.katadbg.run;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The threads that copy between a run's FIFOs and our streams, one per role, as containerd's
 * cio copies a task's stdio: our stdin into the container's, its stdout and stderr and the
 * shim's log out to ours. Each is a daemon thread, so one stuck on a FIFO never keeps the JVM.
 */
final class StdioRelays {
  /** A FIFO's role: its file name, and which way it flows. */
  enum Role {
    STDIN("stdin"), STDOUT("stdout"), STDERR("stderr"), LOG("log");

    private final String fileName;

    Role(String fileName) {
      this.fileName = fileName;
    }

    String fileName() {
      return fileName;
    }

    /** Whether the relay reads the FIFO (and so can be blocked opening it). */
    boolean readsFifo() {
      return this != STDIN;
    }
  }

  private record Relay(Thread thread, Path fifo) {
    Relay {
      Objects.requireNonNull(thread, "thread");
      Objects.requireNonNull(fifo, "fifo");
    }
  }

  /** Guarded by itself: relays start on the run's thread, and tests ask from theirs. */
  private final Map<Role, Relay> relays = new EnumMap<>(Role.class);

  /**
   * Copies {@code fifo} to {@code to}, each line after {@code prefix} (none if empty); writes
   * to {@code to} are made under its lock so lines of two relays do not mix.
   */
  void fromFifo(Role role, Path fifo, Writer to, String prefix) {
    if (!role.readsFifo()) {
      throw new IllegalArgumentException(role + " is written, not read");
    }
    Thread t = new Thread(() -> copy(fifo, to, prefix), "relay " + fifo);
    start(role, t, fifo);
  }

  private static void copy(Path fifo, Writer to, String prefix) {
    try (InputStream in = Files.newInputStream(fifo);
        Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
      char[] buf = new char[8192];
      boolean lineStart = true;
      for (int n; (n = r.read(buf)) > 0; ) {
        synchronized (to) {
          if (prefix.isEmpty()) {
            to.write(buf, 0, n);
          } else {
            for (int i = 0; i < n; i++) {
              if (lineStart) {
                to.write(prefix);
              }
              to.write(buf[i]);
              lineStart = buf[i] == '\n';
            }
          }
          to.flush();
        }
      }
    } catch (IOException e) {
      // The FIFO was removed or the writer vanished: nothing more to relay.
    }
  }

  /**
   * Copies {@code in} into the container's stdin FIFO; at the end of {@code in}, or when the
   * container stops reading, the FIFO is closed and {@code atEnd} runs (CloseIO, as ctr does).
   * Opened only after Create: the shim has its end open by then, so our open does not block.
   */
  void toFifo(Path fifo, InputStream in, Runnable atEnd) {
    Thread t = new Thread(() -> {
      try (var w = Files.newOutputStream(fifo)) {
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) >= 0; ) {
          if (n > 0) {
            w.write(buf, 0, n);
            w.flush();
          }
        }
      } catch (IOException e) {
        // The container's stdin went away (it exited): nothing more to send.
      }
      atEnd.run();
    }, "relay stdin " + fifo);
    start(Role.STDIN, t, fifo);
  }

  private void start(Role role, Thread t, Path fifo) {
    t.setDaemon(true);
    synchronized (relays) {
      if (relays.containsKey(role)) {
        throw new IllegalStateException("a " + role + " relay is already running");
      }
      relays.put(role, new Relay(t, fifo));
    }
    t.start();
  }

  private Optional<Relay> relay(Role role) {
    synchronized (relays) {
      return Optional.ofNullable(relays.get(role));
    }
  }

  /**
   * Lets a reading relay end before its FIFO is removed: one still blocked opening a FIFO
   * nobody opened for writing is released by opening it for writing once, and given a second.
   * The stdin relay is left alone: it waits on our stdin, which nothing here can end.
   */
  void release(Role role) {
    if (!role.readsFifo()) {
      return;
    }
    Optional<Relay> r = relay(role).filter(x -> x.thread().isAlive());
    if (r.isEmpty()) {
      return;
    }
    Path fifo = r.get().fifo();
    Thread opener = new Thread(() -> {
      try (var w = Files.newOutputStream(fifo)) {
        w.flush();
      } catch (IOException e) {
        // Gone already.
      }
    });
    opener.setDaemon(true);
    opener.start();
    join(r.get().thread(), 1000);
  }

  /** The container's output may still be in flight when Wait returns. */
  void awaitOutput() {
    for (Role role : List.of(Role.STDOUT, Role.STDERR)) {
      relay(role).ifPresent(r -> join(r.thread(), 5000));
    }
  }

  /** Whether the relay of {@code role} was started and is still copying. */
  boolean running(Role role) {
    return relay(role).map(r -> r.thread().isAlive()).orElse(false);
  }

  private static void join(Thread t, long millis) {
    try {
      t.join(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
