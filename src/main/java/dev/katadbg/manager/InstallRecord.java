package dev.katadbg.manager;

import java.util.List;
import java.util.Optional;

/**
 * What an install changed, so that uninstall can undo exactly that: each entry is a file it
 * wrote (with the backup of what was there, and the SHA-256 of what it wrote) or a link it made.
 *
 * @param kind {@code containerd} or {@code crio}
 * @param target the config file or drop-in directory the install was for
 */
public record InstallRecord(String kind, String target, List<Entry> entries) {
  public InstallRecord {
    entries = List.copyOf(entries);
  }

  /**
   * One path katadbg changed.
   *
   * @param type {@code file} or {@code symlink}
   * @param backup the copy of the file as it was before katadbg first changed it; empty when
   *     katadbg created the file
   * @param sha256 the SHA-256 of the content katadbg last wrote (files)
   * @param linkTarget where the link katadbg made points (symlinks)
   */
  public record Entry(String type, String path, Optional<String> backup, Optional<String> sha256,
      Optional<String> linkTarget) {
    public Entry {
      if (!type.equals("file") && !type.equals("symlink")) {
        throw new IllegalArgumentException("unknown entry type " + type);
      }
      backup = backup == null ? Optional.empty() : backup;
      sha256 = sha256 == null ? Optional.empty() : sha256;
      linkTarget = linkTarget == null ? Optional.empty() : linkTarget;
    }
  }

  public Optional<Entry> entry(String path) {
    return entries.stream().filter(e -> e.path().equals(path)).findFirst();
  }
}
