package dev.katadbg.elf;

import java.util.Objects;
import java.util.Optional;

/**
 * GoModule is one {@code mod}, {@code dep} or {@code =>} line of Go's embedded module
 * information (the same data {@code go version -m} prints).
 *
 * @param path the module path, e.g. {@code github.com/containerd/containerd}
 * @param version the module version, {@code (devel)} for a main module built from a checkout,
 *     empty for a directory replacement
 * @param sum the go.sum hash ({@code h1:...}), empty when not recorded
 * @param replacement the module that replaced this one ({@code =>} line), if any
 */
public record GoModule(String path, String version, String sum, Optional<GoModule> replacement) {
  public GoModule {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(sum, "sum");
    Objects.requireNonNull(replacement, "replacement");
    if (path.isEmpty()) {
      throw new IllegalArgumentException("module path is empty");
    }
    if (replacement.flatMap(GoModule::replacement).isPresent()) {
      // go.mod replacements are not transitive; a chain would be a parsing error.
      throw new IllegalArgumentException("replacement of " + path + " is itself replaced");
    }
  }

  /** A module without a replacement. */
  public GoModule(String path, String version, String sum) {
    this(path, version, sum, Optional.empty());
  }

  GoModule withReplacement(GoModule by) {
    return new GoModule(path, version, sum, Optional.of(by));
  }
}
