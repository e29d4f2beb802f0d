package dev.katadbg.elf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * GoBuildInfo is the build information the Go linker embeds in every binary — what
 * {@code go version -m FILE} prints. katadbg reads it to tell whether a shim was built for
 * debugging ({@code -gcflags="all=-N -l"}) or stripped ({@code -ldflags="-s -w"}).
 *
 * @param goVersion the toolchain version, e.g. {@code go1.24.4}
 * @param mainPath the main package's import path ({@code path} line); empty if not recorded
 * @param mainModule the main module ({@code mod} line); absent in GOPATH-mode builds
 * @param deps the dependency modules ({@code dep} lines), in file order
 * @param settings the {@code build KEY=VALUE} settings, unquoted, in file order, e.g.
 *     {@code -gcflags -> all=-N -l}, {@code CGO_ENABLED -> 1}
 */
public record GoBuildInfo(
    String goVersion,
    String mainPath,
    Optional<GoModule> mainModule,
    List<GoModule> deps,
    Map<String, String> settings) {

  public GoBuildInfo {
    Objects.requireNonNull(goVersion, "goVersion");
    Objects.requireNonNull(mainPath, "mainPath");
    Objects.requireNonNull(mainModule, "mainModule");
    if (goVersion.isBlank()) {
      throw new IllegalArgumentException("goVersion is blank");
    }
    deps = List.copyOf(deps);
    // Map.copyOf would lose the order `go version -m` prints them in.
    settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    settings.forEach(
        (k, v) -> {
          Objects.requireNonNull(k, "setting key");
          Objects.requireNonNull(v, () -> "value of setting " + k);
        });
  }

  /** The value of a {@code build} setting, e.g. {@code setting("CGO_ENABLED")}. */
  public Optional<String> setting(String key) {
    return Optional.ofNullable(settings.get(key));
  }

  /** The {@code -gcflags} the binary was built with, e.g. {@code all=-N -l}. */
  public Optional<String> gcflags() {
    return setting("-gcflags");
  }

  /** The {@code -ldflags} the binary was built with, e.g. {@code -s -w}. */
  public Optional<String> ldflags() {
    return setting("-ldflags");
  }

  /**
   * Whether the compiler's optimizations and inlining were disabled for every package, the
   * build Delve recommends ({@code -gcflags="all=-N -l"}). Without the {@code all=} pattern
   * the flags apply only to the packages named on the command line, so the shim's
   * dependencies — where containerd's task service lives — would still be optimized.
   *
   * <p>Both flags are counters in the compiler: {@code -N} disables optimizations however often
   * it is given, but {@code -l} disables inlining only when given once (twice raises the
   * inlining level; cmd/compile/internal/gc/main.go), so exactly one {@code -l} is required.
   */
  public boolean optimizationsDisabled() {
    String flags = gcflags().orElse("");
    if (!flags.startsWith("all=")) {
      return false;
    }
    List<String> args = splitFlags(flags.substring("all=".length()));
    return args.contains("-N") && Collections.frequency(args, "-l") == 1;
  }

  /**
   * Splits a flag list the way the go command does (cmd/internal/quoted.Split): on white space,
   * where a field may be wrapped whole in single or double quotes.
   */
  static List<String> splitFlags(String s) {
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
        continue;
      }
      if (c == '\'' || c == '"') {
        int end = s.indexOf(c, i + 1);
        if (end < 0) {
          // An unterminated quote is an error for go; such a build could not have happened.
          out.add(s.substring(i));
          break;
        }
        out.add(s.substring(i + 1, end));
        i = end + 1;
      } else {
        int end = i;
        while (end < s.length() && !Character.isWhitespace(s.charAt(end))) {
          end++;
        }
        out.add(s.substring(i, end));
        i = end;
      }
    }
    return out;
  }

  /**
   * Parses the module information text (the sentinels already removed) in the layout of Go's
   * {@code runtime/debug.BuildInfo.String}: tab-separated lines {@code path}, {@code mod},
   * {@code dep}, {@code =>} (replaces the module on the line before) and
   * {@code build KEY=VALUE}. Unknown lines are skipped, as Go does, so a newer toolchain's
   * additions do not break us; a final line without a newline is ignored, also as Go does.
   *
   * @throws IllegalArgumentException if a known line is malformed
   */
  static GoBuildInfo parse(String goVersion, String modInfo) {
    String mainPath = "";
    GoModule main = null;
    List<GoModule> deps = new ArrayList<>();
    Map<String, String> settings = new LinkedHashMap<>();
    // Which module a following "=>" line replaces: -1 none, -2 the main module, else a dep index.
    int last = -1;
    int lineNumber = 0;
    int start = 0;
    while (true) {
      int end = modInfo.indexOf('\n', start);
      if (end < 0) {
        break;
      }
      String line = modInfo.substring(start, end);
      start = end + 1;
      lineNumber++;
      try {
        if (line.startsWith("path\t")) {
          mainPath = line.substring("path\t".length());
        } else if (line.startsWith("mod\t")) {
          main = module(line.substring("mod\t".length()));
          last = -2;
        } else if (line.startsWith("dep\t")) {
          deps.add(module(line.substring("dep\t".length())));
          last = deps.size() - 1;
        } else if (line.startsWith("=>\t")) {
          String[] f = line.substring("=>\t".length()).split("\t", -1);
          if (f.length != 3) {
            throw new IllegalArgumentException(
                "expected 3 columns for a replacement, got " + f.length);
          }
          GoModule by = new GoModule(f[0], f[1], f[2]);
          if (last == -2) {
            main = main.withReplacement(by);
          } else if (last >= 0) {
            deps.set(last, deps.get(last).withReplacement(by));
          } else {
            throw new IllegalArgumentException("replacement without a module on the line before");
          }
          last = -1;
        } else if (line.startsWith("build\t")) {
          setting(line.substring("build\t".length()), settings);
        }
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "module info line " + lineNumber + " (" + line + "): " + e.getMessage(), e);
      }
    }
    return new GoBuildInfo(goVersion, mainPath, Optional.ofNullable(main), deps, settings);
  }

  private static GoModule module(String columns) {
    String[] f = columns.split("\t", -1);
    if (f.length != 2 && f.length != 3) {
      throw new IllegalArgumentException("expected 2 or 3 columns, got " + f.length);
    }
    return new GoModule(f[0], f[1], f.length == 3 ? f[2] : "");
  }

  private static void setting(String keyValue, Map<String, String> settings) {
    String key;
    String rawValue;
    if (keyValue.isEmpty()) {
      throw new IllegalArgumentException("build line missing '='");
    } else if (keyValue.charAt(0) == '=') {
      throw new IllegalArgumentException("build line with an empty key");
    } else if (GoQuoting.isQuoted(keyValue)) {
      int n = GoQuoting.quotedPrefixLength(keyValue);
      key = GoQuoting.unquote(keyValue.substring(0, n));
      if (n >= keyValue.length() || keyValue.charAt(n) != '=') {
        throw new IllegalArgumentException("quoted key not followed by '='");
      }
      rawValue = keyValue.substring(n + 1);
    } else {
      int eq = keyValue.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("build line missing '='");
      }
      key = keyValue.substring(0, eq);
      rawValue = keyValue.substring(eq + 1);
    }
    String value = GoQuoting.isQuoted(rawValue) ? GoQuoting.unquote(rawValue) : rawValue;
    settings.put(key, value);
  }
}
