package dev.katadbg.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DlvTerminalTest {
  @TempDir Path dir;

  Path executable(Path p) throws IOException {
    Files.createDirectories(p.getParent());
    Files.writeString(p, "#!/bin/sh\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
    return p;
  }

  @Test
  void aConfiguredPathIsUsedAsIs() throws IOException {
    Path dlv = executable(dir.resolve("opt/dlv"));
    assertThat(DlvTerminal.locate(dlv.toString(), Optional.empty())).isEqualTo(dlv);
    assertThat(DlvTerminal.command(dlv, "127.0.0.1:4000"))
        .containsExactly(dlv.toString(), "connect", "127.0.0.1:4000");
  }

  @Test
  void aBareNameIsLookedUpOnPathInOrder() throws IOException {
    Path second = executable(dir.resolve("b/dlv"));
    Files.createDirectories(dir.resolve("a"));
    assertThat(DlvTerminal.locate("dlv", Optional.of(dir.resolve("a") + "::" + dir.resolve("b"))))
        .isEqualTo(second);
  }

  @Test
  void missingDlvSaysWhatToDo() {
    assertThatThrownBy(() -> DlvTerminal.locate("dlv", Optional.of(dir.toString())))
        .isInstanceOf(ControlException.class).hasMessageContaining("not on PATH")
        .hasMessageContaining("[debugger] path");
    assertThatThrownBy(() -> DlvTerminal.locate(dir.resolve("none").toString(), Optional.empty()))
        .isInstanceOf(ControlException.class).hasMessageContaining("is not an executable file");
  }
}
