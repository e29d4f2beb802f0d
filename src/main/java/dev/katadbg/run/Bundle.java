package dev.katadbg.run;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A run's files: its work directory under the state dir (sockets, stdio FIFOs, the shim's
 * stderr), the bundle (the user's, or one made in the work dir from a rootfs) and the shim's
 * log FIFO in it. Everything made here is removed by {@link #remove}; a user's bundle is kept.
 */
final class Bundle {
  private static final String PRIVATE = "rwx------";

  private final Path work;
  private final Path dir;
  private final Optional<Path> ownLog;

  Bundle(Path work, Path dir, Optional<Path> ownLog) {
    this.work = Objects.requireNonNull(work, "work");
    this.dir = Objects.requireNonNull(dir, "dir");
    this.ownLog = Objects.requireNonNull(ownLog, "ownLog");
    if (ownLog.isPresent() && !dir.equals(ownLog.get().getParent())) {
      throw new IllegalArgumentException("the log FIFO " + ownLog.get() + " is not in " + dir);
    }
  }

  /**
   * Makes the work dir and, unless the spec names a bundle, the bundle from its rootfs. If that
   * fails the work dir goes again: the caller never holds half a bundle.
   */
  static Bundle create(Path stateDir, RunSpec spec) throws IOException {
    Path runs = stateDir.resolve("run");
    Files.createDirectories(runs);
    Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString(PRIVATE));
    Path work = workDir(runs);
    try {
      Path dir;
      if (spec.bundle().isPresent()) {
        dir = spec.bundle().get();
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
          throw new RunException("bundle " + dir + " has no config.json");
        }
      } else {
        // Named by the id: the runc shim's delete finds its state in ../<id>/ of its cwd, as
        // in containerd's layout (.../io.containerd.runtime.v2.task/<ns>/<id>).
        dir = work.resolve(spec.id());
        Files.createDirectory(dir);
        Path rootfs = spec.rootfs().get();
        if (!Files.isDirectory(rootfs)) {
          throw new RunException("rootfs " + rootfs + " is not a directory");
        }
        Files.writeString(dir.resolve("config.json"),
            OciConfig.json(rootfs, spec.command(), spec.namespace(), spec.id(), spec.tty()));
      }
      // The shim's daemon opens "log" in its cwd for writing and blocks until it has a reader.
      Path log = dir.resolve(StdioRelays.Role.LOG.fileName());
      Optional<Path> ownLog = Optional.empty();
      if (!Files.exists(log)) {
        mkfifo(log);
        ownLog = Optional.of(log);
      }
      return new Bundle(work, dir, ownLog);
    } catch (IOException | RuntimeException e) {
      deleteTree(work);
      throw e;
    }
  }

  /**
   * A short unpredictable name: unix socket paths must fit in 108 bytes, and the id is already
   * in the bundle's name.
   */
  private static Path workDir(Path runs) throws IOException {
    SecureRandom rnd = new SecureRandom();
    for (int i = 0; ; i++) {
      Path p = runs.resolve(String.format("%08x", rnd.nextInt()));
      try {
        return Files.createDirectory(p,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(PRIVATE)));
      } catch (FileAlreadyExistsException e) {
        if (i > 10) {
          throw e;
        }
      }
    }
  }

  Path work() {
    return work;
  }

  /** The bundle directory: the shim's cwd. */
  Path dir() {
    return dir;
  }

  /** The log FIFO if we made it (a user's bundle may bring its own log). */
  Optional<Path> ownLog() {
    return ownLog;
  }

  /** Where the FIFO of a role is: the log in the bundle, the container's stdio in work. */
  Path fifo(StdioRelays.Role role) {
    return role == StdioRelays.Role.LOG ? dir.resolve(role.fileName())
        : work.resolve(role.fileName());
  }

  Path makeFifo(StdioRelays.Role role) throws IOException {
    return mkfifo(fifo(role));
  }

  /**
   * Our FIFOs, then the work dir with all in it. A relay still blocked opening its FIFO is
   * released first, or it would hold a thread on a file that is gone.
   */
  void remove(StdioRelays relays, Consumer<String> note) {
    ownLog.ifPresent(f -> removeFifo(StdioRelays.Role.LOG, f, relays, note));
    for (StdioRelays.Role r : List.of(StdioRelays.Role.STDIN, StdioRelays.Role.STDOUT,
        StdioRelays.Role.STDERR)) {
      removeFifo(r, fifo(r), relays, note);
    }
    deleteTree(work);
  }

  private static void removeFifo(StdioRelays.Role role, Path fifo, StdioRelays relays,
      Consumer<String> note) {
    relays.release(role);
    try {
      Files.deleteIfExists(fifo);
    } catch (IOException e) {
      note.accept("cannot remove " + fifo + ": " + e.getMessage());
    }
  }

  /** Through mkfifo(1): Java has no mkfifo of its own. */
  static Path mkfifo(Path p) throws IOException {
    try {
      Process mk = new ProcessBuilder("mkfifo", "-m", "0600", p.toString())
          .redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
      String msg = new String(mk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (mk.waitFor() != 0) {
        throw new IOException("mkfifo " + p + ": " + msg.strip());
      }
      return p;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted creating " + p);
    }
  }

  static void deleteTree(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Best effort: a leftover dir under the state dir is harmless.
    }
  }
}
