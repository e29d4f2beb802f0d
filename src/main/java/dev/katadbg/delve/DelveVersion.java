package dev.katadbg.delve;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * DelveVersion is what a Delve server reports about itself in the {@code GetVersion} handshake.
 *
 * @param delveVersion the server's release, parsed from text like {@code "Version: 1.24.0\nBuild:
 *     $Id$"}
 * @param apiVersion the JSON-RPC API version being served; katadbg needs 2
 * @param targetGoVersion the Go version the target was built with, as Delve words it ({@code "Go
 *     cmd/compile go1.24.4"}); empty if unknown
 * @param minSupportedGo oldest Go release this Delve supports, if it says
 * @param maxSupportedGo newest Go release this Delve supports, if it says
 */
public record DelveVersion(
    Semver delveVersion,
    int apiVersion,
    String targetGoVersion,
    Optional<Semver> minSupportedGo,
    Optional<Semver> maxSupportedGo) {

  /** follow-exec (FollowExec, FollowExecEnabled, ListTargets) arrived in Delve 1.21.0. */
  public static final Semver FOLLOW_EXEC_SINCE = new Semver(1, 21, 0);

  private static final Pattern VERSION_LINE = Pattern.compile("(?m)^\\s*Version:\\s*(\\S+)");

  public DelveVersion {
    Objects.requireNonNull(delveVersion, "delveVersion");
    Objects.requireNonNull(targetGoVersion, "targetGoVersion");
    Objects.requireNonNull(minSupportedGo, "minSupportedGo");
    Objects.requireNonNull(maxSupportedGo, "maxSupportedGo");
  }

  /** True if the server has the follow-exec API (Delve 1.21.0+). */
  public boolean supportsFollowExec() {
    return delveVersion.atLeast(FOLLOW_EXEC_SINCE);
  }

  /**
   * Extracts the release from Delve's version text, which is the multi-line banner {@code dlv
   * version} prints: {@code "Version: 1.20.2\nBuild: $Id: e0c2...$"}.
   */
  static Optional<Semver> parseVersionText(String text) {
    if (text == null) {
      return Optional.empty();
    }
    var m = VERSION_LINE.matcher(text);
    return m.find() ? Semver.parse(m.group(1)) : Optional.empty();
  }
}
