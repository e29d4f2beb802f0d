package dev.katadbg.delve;

import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Semver is a {@code major.minor.patch} version, ordered numerically. Pre-release and build
 * suffixes are not kept: Delve's feature checks only need the release triple.
 */
public record Semver(int major, int minor, int patch) implements Comparable<Semver> {
  private static final Pattern TRIPLE = Pattern.compile("v?(\\d{1,9})\\.(\\d{1,9})\\.(\\d{1,9})");
  private static final Comparator<Semver> ORDER =
      Comparator.comparingInt(Semver::major)
          .thenComparingInt(Semver::minor)
          .thenComparingInt(Semver::patch);

  public Semver {
    if (major < 0 || minor < 0 || patch < 0) {
      throw new IllegalArgumentException(
          "version parts must not be negative: " + major + "." + minor + "." + patch);
    }
  }

  /**
   * Parses {@code 1.24.0} or {@code v1.24.0}; a suffix after the triple ({@code -rc.1}, {@code
   * +dirty}) is accepted and dropped.
   */
  public static Optional<Semver> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    var m = TRIPLE.matcher(text.strip());
    if (!m.lookingAt()) {
      return Optional.empty();
    }
    int end = m.end();
    if (end < text.strip().length()) {
      char next = text.strip().charAt(end);
      if (next != '-' && next != '+') {
        return Optional.empty();
      }
    }
    return Optional.of(
        new Semver(
            Integer.parseInt(m.group(1)),
            Integer.parseInt(m.group(2)),
            Integer.parseInt(m.group(3))));
  }

  /** True if this version is the same as or newer than {@code other}. */
  public boolean atLeast(Semver other) {
    return compareTo(other) >= 0;
  }

  @Override
  public int compareTo(Semver other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return major + "." + minor + "." + patch;
  }
}
