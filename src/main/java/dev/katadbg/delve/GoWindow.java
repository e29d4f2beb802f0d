package dev.katadbg.delve;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether a Delve supports the Go release a target was built with. Delve refuses an unsupported
 * Go on {@code exec}, but {@code dlv attach} in Delve 1.20.2 attached to a Go 1.24 shim without a
 * word (only "could not patch runtime.mallocgc" in its log), so katadbg checks the window Delve
 * reports in its handshake itself. Releases compare by major.minor, as Delve's own check does.
 */
public final class GoWindow {
  private static final Pattern GO = Pattern.compile("go(\\d+)\\.(\\d+)");

  private GoWindow() {}

  /** The target's Go release from Delve's words ("Go cmd/compile go1.24.4"), as "1.24". */
  static Optional<int[]> targetGo(String producer) {
    Matcher m = GO.matcher(producer);
    return m.find() ? Optional.of(new int[] {Integer.parseInt(m.group(1)),
        Integer.parseInt(m.group(2))}) : Optional.empty();
  }

  /** Why {@code v}'s Delve does not support its target's Go; empty when it does or is unknown. */
  public static Optional<String> problem(DelveVersion v) {
    Optional<int[]> go = targetGo(v.targetGoVersion());
    if (go.isEmpty()) {
      return Optional.empty();
    }
    int[] g = go.get();
    String goText = "go" + g[0] + "." + g[1];
    String window = "Go " + v.minSupportedGo().map(GoWindow::minor).orElse("?") + " to "
        + v.maxSupportedGo().map(GoWindow::minor).orElse("?");
    if (v.minSupportedGo().filter(min -> before(g, min)).isPresent()) {
      return Optional.of(goText + ", older than Delve " + v.delveVersion() + " supports ("
          + window + ")");
    }
    if (v.maxSupportedGo().filter(max -> after(g, max)).isPresent()) {
      return Optional.of(goText + ", newer than Delve " + v.delveVersion() + " supports ("
          + window + ")");
    }
    return Optional.empty();
  }

  private static boolean before(int[] g, Semver s) {
    return g[0] < s.major() || (g[0] == s.major() && g[1] < s.minor());
  }

  private static boolean after(int[] g, Semver s) {
    return g[0] > s.major() || (g[0] == s.major() && g[1] > s.minor());
  }

  private static String minor(Semver s) {
    return s.major() + "." + s.minor();
  }
}
