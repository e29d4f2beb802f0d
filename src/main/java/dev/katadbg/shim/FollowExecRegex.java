package dev.katadbg.shim;

import java.nio.file.Path;

/**
 * The follow-exec regex that catches exactly the shim's daemon. Go shims re-execute
 * {@code os.Executable()} (the resolved path) with flags and no action word, so the daemon's
 * command line starts with the real binary's path and a flag; the hypervisor, runc and other
 * children have other paths. Delve matches unanchored with Go's RE2, hence the explicit
 * {@code ^} and RE2-compatible escaping (no lookahead is available to exclude {@code start}).
 */
final class FollowExecRegex {
  private FollowExecRegex() {}

  static String forDaemonOf(Path realBinary) {
    return "^" + quoteMeta(realBinary.toString()) + " -";
  }

  /** The same characters Go's regexp.QuoteMeta escapes. */
  static String quoteMeta(String s) {
    StringBuilder b = new StringBuilder(s.length() + 8);
    for (char c : s.toCharArray()) {
      if ("\\.+*?()|[]{}^$".indexOf(c) >= 0) {
        b.append('\\');
      }
      b.append(c);
    }
    return b.toString();
  }
}
