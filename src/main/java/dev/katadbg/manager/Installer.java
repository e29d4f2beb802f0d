package dev.katadbg.manager;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.katadbg.files.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Applies {@link Plan}s and undoes them. Before a file is first changed its bytes are copied to
 * {@code <state>/backups}; afterwards {@code <state>/records/KIND-HASH.json} lists every path
 * with the SHA-256 of what katadbg wrote. Uninstall restores only if every path still holds
 * exactly that, so nobody's later edit is silently thrown away.
 */
public final class Installer {
  /** Survives reboots, unlike /run: an uninstall may come much later. */
  public static final Path DEFAULT_STATE_DIR = Path.of("/var/lib/katadbg/install");

  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

  private final Path stateDir;

  public Installer(Path stateDir) {
    this.stateDir = stateDir.toAbsolutePath();
  }

  /** What an uninstall did or would do: one line per path. */
  public record Undo(List<String> actions, String diff) {
    public Undo {
      actions = List.copyOf(actions);
    }
  }

  /** The record of an earlier install for this target, if any. */
  public Optional<InstallRecord> record(String kind, Path target) {
    Path file = recordFile(kind, target);
    try {
      return Optional.of(fromWire(GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), WireRecord.class)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      throw new ManagerException(ManagerException.Kind.IO, "cannot read install record " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes the plan's changes: backups first, then each file atomically, then the record. A file
   * that changed since the plan was made stops the install before anything is written.
   */
  public void apply(Plan plan) {
    if (plan.isEmpty()) {
      return;
    }
    for (Change c : plan.changes()) {
      requireUnchangedSincePlan(c);
    }
    InstallRecord old = record(plan.kind(), plan.target())
        .orElse(new InstallRecord(plan.kind(), plan.target().toString(), List.of()));
    List<InstallRecord.Entry> entries = new ArrayList<>(old.entries());
    Path backups = backupDir(plan.kind(), plan.target());
    try {
      createPrivateDir(stateDir);
      for (Change c : plan.changes()) {
        String path = c.path().toString();
        Optional<InstallRecord.Entry> earlier = old.entry(path);
        if (c instanceof Change.FileWrite w) {
          byte[] after = w.after().getBytes(StandardCharsets.UTF_8);
          Optional<String> backup = earlier.flatMap(InstallRecord.Entry::backup);
          if (earlier.isEmpty() && w.before().isPresent()) {
            createPrivateDir(backups);
            Path copy = backups.resolve(entries.size() + "-" + w.path().getFileName());
            Files.write(copy, Files.readAllBytes(w.path()));
            backup = Optional.of(copy.toString());
          }
          AtomicFiles.write(w.path(), after);
          InstallRecord.Entry entry = new InstallRecord.Entry("file", path, backup, Optional.of(sha256(after)),
              Optional.empty());
          replace(entries, entry);
        } else if (c instanceof Change.Symlink s) {
          Files.createDirectories(s.path().getParent());
          Files.createSymbolicLink(s.path(), s.target());
          replace(entries, new InstallRecord.Entry("symlink", path, Optional.empty(), Optional.empty(),
              Optional.of(s.target().toString())));
        }
      }
      writeRecord(new InstallRecord(plan.kind(), plan.target().toString(), entries));
    } catch (IOException e) {
      throw new ManagerException(ManagerException.Kind.IO, "install into " + plan.target() + " failed: " + e
          + (entries.isEmpty() ? "" : "; the files changed so far are listed in " + recordFile(plan.kind(), plan.target())), e);
    }
  }

  /**
   * Undoes the recorded install of {@code kind} into {@code target}: restores each changed file
   * from its backup, removes created files and links. Checks every path first and changes
   * nothing if one was modified since; {@code dryRun} only reports.
   */
  public Undo uninstall(String kind, Path target, boolean dryRun) {
    InstallRecord rec = record(kind, target).orElseThrow(() -> new ManagerException(ManagerException.Kind.NOT_FOUND,
        "no record of a katadbg install into " + target + " (in " + stateDir + "): nothing to undo"));
    List<String> actions = new ArrayList<>();
    StringBuilder diff = new StringBuilder();
    List<InstallRecord.Entry> reversed = new ArrayList<>(rec.entries());
    java.util.Collections.reverse(reversed);
    try {
      for (InstallRecord.Entry e : reversed) {
        Path p = Path.of(e.path());
        if (e.type().equals("symlink")) {
          if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            actions.add("already gone: " + p);
          } else if (!Files.isSymbolicLink(p) || !Files.readSymbolicLink(p).toString().equals(e.linkTarget().orElse(""))) {
            throw conflict(p, "is no longer katadbg's link to " + e.linkTarget().orElse("?"));
          } else {
            actions.add("remove link " + p);
          }
          continue;
        }
        if (!Files.exists(p)) {
          throw conflict(p, "was removed after katadbg wrote it");
        }
        byte[] now = Files.readAllBytes(p);
        if (!sha256(now).equals(e.sha256().orElse(""))) {
          throw conflict(p, "was changed after katadbg wrote it");
        }
        if (e.backup().isPresent()) {
          byte[] original = Files.readAllBytes(Path.of(e.backup().get()));
          actions.add("restore " + p + " (" + original.length + " bytes from " + e.backup().get() + ")");
          diff.append(UnifiedDiff.diff(p.toString(), p.toString(), new String(now, StandardCharsets.UTF_8),
              new String(original, StandardCharsets.UTF_8)));
        } else {
          actions.add("remove " + p + " (katadbg created it)");
          diff.append(UnifiedDiff.diff(p.toString(), "/dev/null", new String(now, StandardCharsets.UTF_8), ""));
        }
      }
      if (dryRun) {
        return new Undo(actions, diff.toString());
      }
      for (InstallRecord.Entry e : reversed) {
        Path p = Path.of(e.path());
        if (e.type().equals("symlink")) {
          Files.deleteIfExists(p);
        } else if (e.backup().isPresent()) {
          AtomicFiles.write(p, Files.readAllBytes(Path.of(e.backup().get())));
        } else {
          Files.delete(p);
        }
      }
      Files.delete(recordFile(kind, target));
      deleteTree(backupDir(kind, target));
    } catch (IOException ex) {
      throw new ManagerException(ManagerException.Kind.IO, "uninstall from " + target + " failed: " + ex, ex);
    }
    return new Undo(actions, diff.toString());
  }

  private ManagerException conflict(Path p, String what) {
    return new ManagerException(ManagerException.Kind.CONFLICT, p + " " + what + "; nothing was undone: undo"
        + " your own change first, or restore it by hand (backups and the record are under " + stateDir + ")");
  }

  private static void requireUnchangedSincePlan(Change c) {
    try {
      if (c instanceof Change.FileWrite w) {
        Optional<String> now = Files.exists(w.path())
            ? Optional.of(Files.readString(w.path(), StandardCharsets.UTF_8)) : Optional.empty();
        if (!now.equals(w.before())) {
          throw new ManagerException(ManagerException.Kind.CONFLICT, w.path() + " changed while katadbg was"
              + " planning its edit; nothing was written: run the install again");
        }
      } else if (c instanceof Change.Symlink s && Files.exists(s.path(), LinkOption.NOFOLLOW_LINKS)) {
        throw new ManagerException(ManagerException.Kind.CONFLICT, s.path() + " appeared while katadbg was"
            + " planning; nothing was written: run the install again");
      }
    } catch (IOException e) {
      throw new ManagerException(ManagerException.Kind.IO, "cannot read " + c.path() + ": " + e, e);
    }
  }

  private static void replace(List<InstallRecord.Entry> entries, InstallRecord.Entry entry) {
    for (int i = 0; i < entries.size(); i++) {
      if (entries.get(i).path().equals(entry.path())) {
        entries.set(i, entry);
        return;
      }
    }
    entries.add(entry);
  }

  private void writeRecord(InstallRecord rec) throws IOException {
    Path file = recordFile(rec.kind(), Path.of(rec.target()));
    createPrivateDir(file.getParent());
    AtomicFiles.write(file, GSON.toJson(toWire(rec)).getBytes(StandardCharsets.UTF_8),
        PosixFilePermissions.fromString("rw-------"));
  }

  Path recordFile(String kind, Path target) {
    return stateDir.resolve("records").resolve(kind + "-" + key(target) + ".json");
  }

  private Path backupDir(String kind, Path target) {
    return stateDir.resolve("backups").resolve(kind + "-" + key(target));
  }

  private static String key(Path target) {
    return sha256(target.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
  }

  private static void createPrivateDir(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always present", e);
    }
  }

  // ---- the record on disk: plain nullable fields, apart from the domain record

  private static final class WireRecord {
    String kind;
    String target;
    List<WireEntry> entries;
  }

  private static final class WireEntry {
    String type;
    String path;
    String backup;
    String sha256;
    String linkTarget;
  }

  private static WireRecord toWire(InstallRecord r) {
    WireRecord w = new WireRecord();
    w.kind = r.kind();
    w.target = r.target();
    w.entries = new ArrayList<>();
    for (InstallRecord.Entry e : r.entries()) {
      WireEntry we = new WireEntry();
      we.type = e.type();
      we.path = e.path();
      we.backup = e.backup().orElse(null);
      we.sha256 = e.sha256().orElse(null);
      we.linkTarget = e.linkTarget().orElse(null);
      w.entries.add(we);
    }
    return w;
  }

  private static InstallRecord fromWire(WireRecord w) {
    List<InstallRecord.Entry> entries = new ArrayList<>();
    for (WireEntry e : w.entries == null ? List.<WireEntry>of() : w.entries) {
      entries.add(new InstallRecord.Entry(e.type, e.path, Optional.ofNullable(e.backup),
          Optional.ofNullable(e.sha256), Optional.ofNullable(e.linkTarget)));
    }
    return new InstallRecord(w.kind, w.target, entries);
  }
}
