package dev.katadbg.manager;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** Reads a config file as UTF-8 text (TOML's encoding); empty when it does not exist. */
final class FileText {
  private FileText() {}

  static Optional<String> read(Path file) {
    try {
      return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (CharacterCodingException e) {
      throw new ManagerException(ManagerException.Kind.INVALID, file + ": not UTF-8 text, which TOML requires; nothing was changed");
    } catch (IOException e) {
      throw new ManagerException(ManagerException.Kind.IO, "cannot read " + file + ": " + e, e);
    }
  }
}
