package dev.katadbg.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JDK's own exceptions, from real failing calls. */
class FileErrorsTest {
  @TempDir Path dir;

  @Test
  void aMissingFileIsNamedWithItsErrno() {
    IOException e = catchThrowableOfType(IOException.class,
        () -> Files.readString(dir.resolve("nope")));

    assertThat(FileErrors.describe(e)).isEqualTo(dir.resolve("nope") + ": no such file or directory");
  }

  @Test
  void anExistingFileIsNamedWithItsErrno() throws IOException {
    Files.createDirectory(dir.resolve("d"));
    IOException e = catchThrowableOfType(IOException.class,
        () -> Files.createDirectory(dir.resolve("d")));

    assertThat(FileErrors.describe(e)).isEqualTo(dir.resolve("d") + ": file exists");
  }

  @Test
  void aReasonTheKernelGaveIsKept() throws IOException {
    Path file = Files.writeString(dir.resolve("f"), "");
    IOException e = catchThrowableOfType(IOException.class,
        () -> Files.createDirectories(file.resolve("sub")));

    assertThat(e).isInstanceOf(FileSystemException.class);
    assertThat(FileErrors.describe(e)).contains(file.toString()).doesNotContain("null");
  }
}
