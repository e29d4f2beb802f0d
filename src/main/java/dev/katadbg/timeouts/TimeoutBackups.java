package dev.katadbg.timeouts;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.katadbg.files.AtomicFiles;
import dev.katadbg.files.FileBackup;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * The originals of the files a raise edited, kept in a 0700 directory (default
 * {@value #DEFAULT_DIR}, on disk so a restore still works after a reboot) with a manifest that
 * records each file's original and edited checksums.
 */
public final class TimeoutBackups {
  public static final String DEFAULT_DIR = "/var/lib/katadbg/timeouts";
  static final String MANIFEST = "manifest.json";

  private final Path dir;

  public TimeoutBackups(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  /** Whether a raise is in force (its manifest exists). */
  public boolean raised() {
    return Files.exists(dir.resolve(MANIFEST));
  }

  /**
   * Applies a plan: backs each file up, then replaces it atomically. The manifest is written
   * after every file, so a failure half-way leaves a restorable state.
   *
   * @throws IllegalStateException if a raise is already in force
   */
  public List<FileBackup> apply(TimeoutRaiser.Plan plan) throws IOException {
    if (raised()) {
      throw new IllegalStateException("timeouts are already raised (backups in " + dir
          + "): run katadbg timeouts restore first");
    }
    Files.createDirectories(dir.getParent());
    if (!Files.isDirectory(dir)) {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rwx------")));
    }
    List<FileBackup> done = new ArrayList<>();
    int n = 0;
    for (TimeoutRaiser.FileEdit e : plan.edits()) {
      Path copy = dir.resolve((++n) + "-" + e.file().getFileName() + ".orig");
      Files.deleteIfExists(copy);
      done.add(FileBackup.replace(e.file(), e.before(), e.after(), copy));
      save(done);
    }
    return done;
  }

  /** The backups of the raise in force. */
  public List<FileBackup> list() throws IOException {
    if (!raised()) {
      return List.of();
    }
    JsonArray a = JsonParser.parseString(Files.readString(dir.resolve(MANIFEST),
        StandardCharsets.UTF_8)).getAsJsonArray();
    List<FileBackup> out = new ArrayList<>();
    for (var el : a) {
      JsonObject o = el.getAsJsonObject();
      out.add(new FileBackup(Path.of(o.get("file").getAsString()),
          Path.of(o.get("backup").getAsString()), o.get("originalSha256").getAsString(),
          o.get("editedSha256").getAsString()));
    }
    return out;
  }

  /**
   * Puts every original back byte for byte. A file changed since the raise is not overwritten
   * unless {@code force}: someone's later edit would be lost.
   */
  public List<FileBackup> restore(boolean force) throws IOException {
    List<FileBackup> backups = list();
    if (backups.isEmpty()) {
      throw new IllegalStateException("nothing to restore: no raise recorded in " + dir);
    }
    List<String> changed = new ArrayList<>();
    for (FileBackup b : backups) {
      if (!b.unchangedSinceEdit()) {
        changed.add(b.original().toString());
      }
    }
    if (!changed.isEmpty() && !force) {
      throw new IllegalStateException("changed since the raise: " + changed + "; restoring"
          + " would lose those edits (originals are in " + dir + "; --force restores anyway)");
    }
    for (FileBackup b : backups) {
      b.restore();
    }
    Files.delete(dir.resolve(MANIFEST));
    return backups;
  }

  private void save(List<FileBackup> backups) throws IOException {
    JsonArray a = new JsonArray();
    for (FileBackup b : backups) {
      JsonObject o = new JsonObject();
      o.addProperty("file", b.original().toString());
      o.addProperty("backup", b.copy().toString());
      o.addProperty("originalSha256", b.originalSha256());
      o.addProperty("editedSha256", b.editedSha256());
      a.add(o);
    }
    AtomicFiles.write(dir.resolve(MANIFEST), new GsonBuilder().setPrettyPrinting().create()
        .toJson(a).getBytes(StandardCharsets.UTF_8));
    Files.setPosixFilePermissions(dir.resolve(MANIFEST),
        PosixFilePermissions.fromString("rw-------"));
  }
}
