package dev.katadbg.errors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ErrorLineTest {
  @TempDir Path dir;

  @Test
  void theCauseOfAWrapperReachesTheLine() {
    var e = new IllegalStateException("cannot save session x",
        new FileSystemException("/run/katadbg/x/session.json", null, "No space left on device"));

    assertThat(ErrorLine.of(e)).isEqualTo("cannot save session x: /run/katadbg/x/session.json:"
        + " No space left on device");
  }

  @Test
  void aWrapperThatRepeatsItsCauseIsNotRepeatedAndTheErrnoIsNamed() throws IOException {
    // what the JDK itself throws for EACCES, wrapped as katadbg's registry wraps it
    Path ro = Files.createDirectories(dir.resolve("ro"));
    AccessDeniedException denied = new AccessDeniedException(ro.resolve("f").toString());
    var e = new UncheckedIOException(denied);

    assertThat(ErrorLine.of(e)).isEqualTo(ro.resolve("f") + ": permission denied");
  }

  @Test
  void anExceptionWithoutAMessageIsNamedNeverNull() {
    assertThat(ErrorLine.of(new IllegalStateException())).isEqualTo("IllegalStateException");
    assertThat(ErrorLine.of(new RuntimeException(null, new IllegalArgumentException("bad port"))))
        .isEqualTo("bad port");
  }

  @Test
  void aCauseAlreadyInTheMessageIsLeftOut() {
    var e = new IllegalStateException("connect to delve: connection refused",
        new IOException("connection refused"));

    assertThat(ErrorLine.of(e)).isEqualTo("connect to delve: connection refused");
  }

  @Test
  void aCauseLoopEnds() {
    var a = new IllegalStateException("a");
    var b = new IllegalStateException("b", a);
    a.initCause(b);

    assertThat(ErrorLine.of(b)).isEqualTo("b: a");
  }
}
