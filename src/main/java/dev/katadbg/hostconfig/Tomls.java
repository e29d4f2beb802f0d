package dev.katadbg.hostconfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.tomlj.Toml;
import org.tomlj.TomlParseResult;

/** Parses TOML files with errors that name the file, line and column. */
final class Tomls {
  private Tomls() {}

  static TomlParseResult parse(String text, String source) {
    TomlParseResult r = Toml.parse(text);
    if (r.hasErrors()) {
      throw new HostConfigException(source + ": " + r.errors().stream()
          .map(e -> "line " + e.position().line() + " column " + e.position().column() + ": "
              + e.getMessage())
          .collect(Collectors.joining("; ")));
    }
    return r;
  }

  static TomlParseResult parse(Path file) {
    try {
      return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    } catch (IOException e) {
      throw new HostConfigException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
