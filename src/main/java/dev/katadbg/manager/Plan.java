package dev.katadbg.manager;

import java.util.List;

/**
 * What an install will do: the changes (empty when everything is already in place) and notes
 * for the user (what was copied from where, what to do next, warnings).
 *
 * @param kind {@code containerd} or {@code crio}: which record an uninstall looks for
 * @param target the file or directory the install is about (the record's key)
 */
public record Plan(String kind, java.nio.file.Path target, List<Change> changes, List<String> notes) {
  public Plan {
    changes = List.copyOf(changes);
    notes = List.copyOf(notes);
  }

  public boolean isEmpty() {
    return changes.isEmpty();
  }

  /** A unified diff of every file change, and one line per link, for {@code --dry-run}. */
  public String describe() {
    StringBuilder out = new StringBuilder();
    for (Change c : changes) {
      if (c instanceof Change.FileWrite w) {
        out.append(UnifiedDiff.diff(w.before().isPresent() ? w.path().toString() : "/dev/null",
            w.path().toString(), w.before().orElse(""), w.after()));
      } else if (c instanceof Change.Symlink s) {
        out.append("link ").append(s.path()).append(" -> ").append(s.target()).append('\n');
      }
    }
    return out.toString();
  }
}
