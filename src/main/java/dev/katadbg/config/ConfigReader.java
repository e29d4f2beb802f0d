package dev.katadbg.config;

import dev.katadbg.config.KatadbgConfig.DebuggerSettings;
import dev.katadbg.config.KatadbgConfig.OnFailure;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/** Turns TOML into a {@link KatadbgConfig}, naming file, line, column and key in every error. */
final class ConfigReader {
  private static final Map<String, Set<String>> KNOWN = Map.of(
      "shim", Set.of("binary"),
      "debugger", Set.of("path", "listen", "wait_for_client", "follow_exec_regex", "breakpoints",
          "start_timeout", "on_failure", "check_go_version", "target", "kind", "gdb",
          "gdbserver"),
      "state", Set.of("dir"));

  private final Path source;
  private TomlParseResult toml;

  ConfigReader(Path source) {
    this.source = source;
  }

  KatadbgConfig read(String text) {
    toml = Toml.parse(text);
    if (toml.hasErrors()) {
      TomlParseError e = toml.errors().get(0);
      throw new ConfigException(where(e.position()) + e.getMessage());
    }
    checkKnownKeys();
    DebuggerSettings d = DebuggerSettings.defaults();
    try {
      DebuggerSettings debugger = new DebuggerSettings(
          string("debugger.path").orElse(d.path()),
          string("debugger.listen").map(v -> value("debugger.listen", () -> ListenPolicy.parse(v)))
              .orElse(d.listen()),
          bool("debugger.wait_for_client").orElse(d.waitForClient()),
          string("debugger.follow_exec_regex").filter(s -> !s.isEmpty())
              .map(v -> value("debugger.follow_exec_regex", () -> checkRegex(v))),
          stringList("debugger.breakpoints"),
          duration("debugger.start_timeout").orElse(d.startTimeout()),
          string("debugger.on_failure").map(this::onFailure).orElse(d.onFailure()),
          bool("debugger.check_go_version").orElse(d.checkGoVersion()),
          string("debugger.target").map(this::target).orElse(d.target()),
          string("debugger.kind").map(this::kind).orElse(d.kind()),
          string("debugger.gdb").orElse(d.gdb()),
          string("debugger.gdbserver").orElse(d.gdbserver()));
      return new KatadbgConfig(Optional.of(source),
          path("shim.binary"),
          debugger,
          path("state.dir").orElse(KatadbgConfig.DEFAULT_STATE_DIR));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(source + ": " + e.getMessage());
    }
  }

  private void checkKnownKeys() {
    for (String table : toml.keySet()) {
      Set<String> keys = KNOWN.get(table);
      if (keys == null) {
        throw new ConfigException(where(toml.inputPositionOf(table)) + "unknown table [" + table
            + "] (known: " + String.join(", ", new TreeSet<>(KNOWN.keySet())) + ")");
      }
      if (!toml.isTable(table)) {
        throw new ConfigException(where(toml.inputPositionOf(table)) + table + " must be a table");
      }
      TomlTable t = toml.getTable(table);
      for (String key : t.keySet()) {
        if (!keys.contains(key)) {
          throw new ConfigException(where(t.inputPositionOf(key)) + "unknown key " + table + "."
              + key + " (known in [" + table + "]: " + String.join(", ", new TreeSet<>(keys))
              + ")");
        }
      }
    }
  }

  private Optional<String> string(String key) {
    if (!toml.contains(key)) {
      return Optional.empty();
    }
    if (!toml.isString(key)) {
      throw bad(key, "must be a string");
    }
    return Optional.of(toml.getString(key));
  }

  private Optional<Boolean> bool(String key) {
    if (!toml.contains(key)) {
      return Optional.empty();
    }
    if (!toml.isBoolean(key)) {
      throw bad(key, "must be true or false");
    }
    return Optional.of(toml.getBoolean(key));
  }

  private Optional<Path> path(String key) {
    return string(key).map(s -> {
      Path p = Path.of(s);
      if (!p.isAbsolute()) {
        throw bad(key, "must be an absolute path, not '" + s + "'");
      }
      return p;
    });
  }

  private Optional<Duration> duration(String key) {
    if (toml.contains(key) && toml.isLong(key)) {
      long seconds = toml.getLong(key);
      if (seconds <= 0) {
        throw bad(key, "must be positive");
      }
      return Optional.of(Duration.ofSeconds(seconds));
    }
    return string(key).map(v -> {
      Duration parsed = value(key, () -> GoDuration.parse(v));
      if (parsed.isZero() || parsed.isNegative()) {
        throw bad(key, "must be positive");
      }
      return parsed;
    });
  }

  private List<String> stringList(String key) {
    if (!toml.contains(key)) {
      return List.of();
    }
    if (!toml.isArray(key)) {
      throw bad(key, "must be a list of strings, e.g. [\"main.main\", \"service.go:120\"]");
    }
    TomlArray a = toml.getArray(key);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      if (!a.isString(i) || a.getString(i).isBlank()) {
        throw bad(key, "item " + (i + 1) + " must be a non-empty string");
      }
      out.add(a.getString(i));
    }
    return out;
  }

  private OnFailure onFailure(String v) {
    try {
      return OnFailure.valueOf(v.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw bad("debugger.on_failure", "must be \"fail\" or \"passthrough\", not \"" + v + "\"");
    }
  }

  private KatadbgConfig.Target target(String v) {
    try {
      return KatadbgConfig.Target.valueOf(v.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw bad("debugger.target", "must be \"daemon\" or \"start\", not \"" + v + "\"");
    }
  }

  private KatadbgConfig.Kind kind(String v) {
    try {
      return KatadbgConfig.Kind.valueOf(v.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw bad("debugger.kind", "must be \"auto\", \"delve\" or \"gdb\", not \"" + v + "\"");
    }
  }

  private static String checkRegex(String v) {
    java.util.regex.Pattern.compile(v);
    return v;
  }

  private <T> T value(String key, java.util.function.Supplier<T> parse) {
    try {
      return parse.get();
    } catch (java.util.regex.PatternSyntaxException e) {
      throw bad(key, "is not a valid regular expression: " + e.getDescription());
    } catch (IllegalArgumentException e) {
      throw bad(key, e.getMessage());
    }
  }

  private ConfigException bad(String key, String what) {
    return new ConfigException(where(toml.inputPositionOf(key)) + key + " " + what);
  }

  private String where(TomlPosition p) {
    return p == null ? source + ": " : source + ":" + p.line() + ":" + p.column() + ": ";
  }
}
