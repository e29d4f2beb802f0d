package dev.katadbg.manager;

import dev.katadbg.config.ConfigException;
import dev.katadbg.config.KatadbgConfig;
import java.nio.file.Path;
import java.util.Optional;

/** Sets {@code [shim] binary} in katadbg's own config, keeping the rest of the file as it is. */
final class KatadbgConfigEdit {
  private KatadbgConfigEdit() {}

  /** The configured real shim, if the file exists and sets one. */
  static Optional<String> shimBinary(Path file, Optional<String> text) {
    if (text.isEmpty()) {
      return Optional.empty();
    }
    TomlDocument doc = TomlDocument.parse(file.toString(), text.get());
    return Optional.ofNullable(doc.root().isString("shim.binary") ? doc.root().getString("shim.binary") : null);
  }

  static String withShimBinary(Path file, Optional<String> text, Path shim) {
    TomlDocument doc = TomlDocument.parse(file.toString(), text.orElse(""));
    TomlDocument.setIfDifferent(doc.root().getOrCreateTable("shim"), "binary", shim.toString());
    String out = doc.render();
    try {
      // The wrapper refuses a config with unknown keys or bad values: check it now, not at the
      // first container start.
      KatadbgConfig.parse(out, file);
    } catch (ConfigException | IllegalArgumentException e) {
      throw new ManagerException(ManagerException.Kind.INVALID, file + ": " + e.getMessage());
    }
    return out;
  }
}
