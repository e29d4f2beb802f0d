package dev.katadbg.session;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonParser;
import dev.katadbg.files.FileErrors;
import dev.katadbg.session.Session.ProcessRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The sessions on this host, one directory each under {@code STATE/sessions/NAMESPACE/ID}. The
 * state directory is 0700 and owned by us: it holds debugger sockets and logs of root shims, so
 * nothing here may live under a predictable name in a world-writable place.
 *
 * <p>A session is claimed by creating its directory, which the kernel does atomically: two
 * starts of one sandbox cannot both win, and starts of different sandboxes never touch the same
 * file.
 */
public final class SessionRegistry {
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rwx------");
  private static final String RECORD = "session.json";
  /** Ended sessions kept as evidence: the newest this many ... */
  public static final int KEEP_ENDED = 20;
  /** ... and none whose record was last written longer ago than this. */
  public static final Duration MAX_ENDED_AGE = Duration.ofDays(7);

  private final Path root;
  private final Predicate<ProcessRef> alive;

  private SessionRegistry(Path root, Predicate<ProcessRef> alive) {
    this.root = root;
    this.alive = alive;
  }

  /**
   * Opens (creating if needed) the registry at {@code stateDir}; {@code alive} tells whether a
   * recorded process still exists (the same pid with the same start time).
   */
  public static SessionRegistry open(Path stateDir, Predicate<ProcessRef> alive) {
    try {
      ensurePrivateDir(stateDir);
      ensurePrivateDir(stateDir.resolve("sessions"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot use state directory " + stateDir + ": "
          + FileErrors.describe(e) + ": " + stateDirFix(), e);
    }
    return new SessionRegistry(stateDir, alive);
  }

  /** Root can create any directory that can be created: then only another [state] dir helps. */
  private static String stateDirFix() {
    Object uid;
    try {
      uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      uid = -1;
    }
    return Integer.valueOf(0).equals(uid)
        ? "set [state] dir to a directory katadbg can create (it keeps it 0700)"
        : "run katadbg as root (it debugs root's processes), or set [state] dir";
  }

  public Path stateDir() {
    return root;
  }

  /** The outcome of trying to take a sandbox id for a new session. */
  public sealed interface Claim {
    /** The directory is ours; the caller must {@link #save} a record or {@link #remove} it. */
    record Claimed(Path dir) implements Claim {}

    /** A live session already serves this sandbox. */
    record Busy(Session existing) implements Claim {}
  }

  /**
   * Claims {@code namespace/id} for a session set up by {@code owner} (the wrapper's own
   * process), replacing a dead session's leftovers.
   */
  public Claim claim(String namespace, String id) {
    Session.requireId("namespace", namespace);
    Session.requireId("id", id);
    Path dir = root.resolve("sessions").resolve(namespace).resolve(id);
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        ensurePrivateDir(dir.getParent());
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        return new Claim.Claimed(dir);
      } catch (FileAlreadyExistsException e) {
        Optional<Session> existing = read(dir);
        if (existing.isPresent() && isLive(existing.get())) {
          return new Claim.Busy(existing.get());
        }
        if (existing.isEmpty() && recentlyCreated(dir)) {
          // Claimed a moment ago by a start that has not written its record yet.
          return new Claim.Busy(placeholder(namespace, id, dir));
        }
        deleteTree(dir);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create session directory " + dir + ": " + e, e);
      }
    }
    throw new IllegalStateException("could not claim session directory " + dir);
  }

  /** Writes the session's record atomically, so readers see the old or the new one whole. */
  public void save(Session s) {
    Path tmp = s.dir().resolve(RECORD + ".tmp");
    try {
      String json = new GsonBuilder().setPrettyPrinting().create().toJson(SessionJson.toJson(s));
      Files.writeString(tmp, json + "\n", StandardCharsets.UTF_8);
      try {
        Files.move(tmp, s.dir().resolve(RECORD), StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, s.dir().resolve(RECORD), StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write session record in " + s.dir(), e);
    }
  }

  /** Every recorded session, newest first, with the state of dead ones shown as GONE. */
  public List<Session> list() {
    List<Session> out = new ArrayList<>();
    Path sessions = root.resolve("sessions");
    try (DirectoryStream<Path> namespaces = Files.newDirectoryStream(sessions)) {
      for (Path ns : namespaces) {
        try (DirectoryStream<Path> ids = Files.newDirectoryStream(ns)) {
          for (Path dir : ids) {
            read(dir).map(this::withLiveness).ifPresent(out::add);
          }
        } catch (NoSuchFileException | java.nio.file.NotDirectoryException e) {
          // Removed while we looked: nothing to show.
        }
      }
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list sessions in " + sessions, e);
    }
    out.sort(Comparator.comparing(Session::created).reversed());
    return out;
  }

  /**
   * Finds a session by {@code ID}, {@code NAMESPACE/ID} or a unique id prefix; an ambiguous
   * prefix is an error that lists the candidates.
   */
  public Optional<Session> find(String query) {
    List<Session> all = list();
    List<Session> exact = all.stream()
        .filter(s -> s.id().equals(query) || (s.namespace() + "/" + s.id()).equals(query))
        .toList();
    List<Session> matches = !exact.isEmpty() ? exact
        : all.stream().filter(s -> s.id().startsWith(query)
            || (s.namespace() + "/" + s.id()).startsWith(query)).toList();
    if (matches.size() > 1) {
      throw new IllegalArgumentException("'" + query + "' matches " + matches.size()
          + " sessions: " + String.join(", ",
              matches.stream().map(s -> s.namespace() + "/" + s.id()).toList())
          + " (give more of the id, or NAMESPACE/ID)");
    }
    return matches.stream().findFirst();
  }

  /** The session of exactly this sandbox, if one is recorded. */
  public Optional<Session> get(String namespace, String id) {
    return read(root.resolve("sessions").resolve(namespace).resolve(id)).map(this::withLiveness);
  }

  /** True while the processes the session depends on still exist. */
  public boolean isLive(Session s) {
    return switch (s.state()) {
      case FAILED, STOPPED, GONE -> false;
      case PASSTHROUGH -> s.shim().map(alive::test).orElse(false);
      default -> alive.test(s.debugger());
    };
  }

  /**
   * True once a session can change no more: failed, stopped, or its processes gone. A STARTING
   * session whose wrapper still runs is not ended.
   */
  public boolean isEnded(Session s) {
    return switch (withLiveness(s).state()) {
      case FAILED, STOPPED, GONE -> true;
      default -> false;
    };
  }

  /**
   * Removes ended sessions beyond the {@link #KEEP_ENDED} newest and those last written more
   * than {@link #MAX_ENDED_AGE} before {@code now}; live ones are never touched. Returns what it
   * removed.
   */
  public List<Session> prune(Instant now) {
    List<Session> ended = list().stream().filter(this::isEnded).toList();
    List<Session> removed = new ArrayList<>();
    for (int i = 0; i < ended.size(); i++) {
      Session s = ended.get(i);
      if (i >= KEEP_ENDED || lastWritten(s).plus(MAX_ENDED_AGE).isBefore(now)) {
        remove(s);
        removed.add(s);
      }
    }
    return removed;
  }

  private static Instant lastWritten(Session s) {
    try {
      return Files.getLastModifiedTime(s.dir().resolve(RECORD)).toInstant();
    } catch (IOException e) {
      return s.created();
    }
  }

  /** Deletes the session's directory and everything in it (logs included). */
  public void remove(Session s) {
    deleteTree(s.dir());
  }

  private Session withLiveness(Session s) {
    if (s.state() == SessionState.GONE || s.state() == SessionState.FAILED
        || s.state() == SessionState.STOPPED || isLive(s)) {
      return s;
    }
    return s.withState(SessionState.GONE, s.reason().or(() -> endedReason(s.dir())));
  }

  /** What the session's reaper or guard wrote when they saw its shim or Delve end. */
  private static Optional<String> endedReason(Path dir) {
    try {
      return Files.readAllLines(dir.resolve(Reaper.ENDED_FILE), StandardCharsets.UTF_8).stream()
          .map(String::strip).filter(l -> !l.isEmpty()).findFirst();
    } catch (IOException | UncheckedIOException e) {
      return Optional.empty();
    }
  }

  private Optional<Session> read(Path dir) {
    try {
      String text = Files.readString(dir.resolve(RECORD), StandardCharsets.UTF_8);
      return Optional.of(SessionJson.fromJson(JsonParser.parseString(text).getAsJsonObject()));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static boolean recentlyCreated(Path dir) {
    try {
      long age = System.currentTimeMillis() - Files.getLastModifiedTime(dir).toMillis();
      return age < 5_000;
    } catch (IOException e) {
      return false;
    }
  }

  private static Session placeholder(String namespace, String id, Path dir) {
    return new Session(id, namespace, dir, Optional.empty(), Path.of("/"), "", SessionState.STARTING,
        Optional.empty(), ProcessRef.none(), Optional.empty(), Optional.empty(), List.of(),
        java.time.Instant.now());
  }

  private static void ensurePrivateDir(Path dir) throws IOException {
    try {
      Files.createDirectories(dir.getParent());
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    } catch (FileAlreadyExistsException e) {
      // Checked below.
    }
    PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class,
        java.nio.file.LinkOption.NOFOLLOW_LINKS);
    if (!a.isDirectory()) {
      throw new IOException(dir + " exists and is not a directory");
    }
    String me = System.getProperty("user.name");
    if (!a.owner().getName().equals(me)) {
      throw new IOException(dir + " is owned by " + a.owner().getName() + ", not " + me);
    }
    if (!a.permissions().equals(OWNER_ONLY)) {
      Files.setPosixFilePermissions(dir, OWNER_ONLY);
    }
  }

  private static void deleteTree(Path dir) {
    // The session's reaper writes its last words (the ended file, a log line) when it sees the
    // shim and the debugger end, which a caller removing the session has just made happen: a
    // file may appear after the walk. The reaper exits right after, so a few walks suffice.
    for (int attempt = 1; ; attempt++) {
      try (Stream<Path> walk = Files.walk(dir)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
        return;
      } catch (NoSuchFileException e) {
        return;
      } catch (java.nio.file.DirectoryNotEmptyException e) {
        if (attempt == 20) {
          throw new UncheckedIOException("cannot remove " + dir, e);
        }
        sleepQuietly(50);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot remove " + dir, e);
      }
    }
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
