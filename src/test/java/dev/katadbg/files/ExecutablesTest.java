package dev.katadbg.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecutablesTest {
  @TempDir Path dir;

  Path file(String name, String mode) throws Exception {
    Path p = Files.createDirectories(dir.resolve(name).getParent()).resolve(
        dir.resolve(name).getFileName());
    Files.writeString(p, "#!/bin/sh\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    return p;
  }

  @Test
  void aBareNameIsLookedUpOnPathInOrderSkippingWhatIsNotExecutable() throws Exception {
    file("a/gdb", "rw-r--r--");
    Path b = file("b/gdb", "rwxr-xr-x");
    file("c/gdb", "rwxr-xr-x");
    Files.createDirectories(dir.resolve("d/gdb"));
    String path = dir.resolve("d") + "::" + dir.resolve("a") + ":" + dir.resolve("b") + ":"
        + dir.resolve("c");
    assertThat(Executables.find("gdb", path)).contains(b);
    assertThat(Executables.find("gdbserver", path)).isEmpty();
    assertThat(Executables.find("", path)).isEmpty();
  }

  @Test
  void aPathIsTakenAsItIsIfExecutable() throws Exception {
    Path x = file("x/dlv", "rwxr-xr-x");
    Path y = file("y/dlv", "rw-------");
    assertThat(Executables.find(x.toString(), "")).contains(x);
    assertThat(Executables.find(y.toString(), "")).isEmpty();
    assertThat(Executables.find(dir.resolve("x").toString(), "")).as("a directory").isEmpty();
  }
}
