package dev.katadbg.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katadbg.session.Session.ProcessRef;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PidFileTest {
  @TempDir Path dir;

  @Test
  void writesWhatTheReapersShellReadsAndReadsItBack() throws Exception {
    Path f = dir.resolve("x.pid");
    PidFile.write(f, new ProcessRef(42, 12345));
    assertThat(Files.readString(f)).isEqualTo("42 12345\n");
    assertThat(PidFile.read(f)).contains(new ProcessRef(42, 12345));
    assertThat(dir.resolve("x.pid.tmp")).doesNotExist();
  }

  @Test
  void aMissingOrMalformedFileNamesNoProcess() throws Exception {
    assertThat(PidFile.read(dir.resolve("none"))).isEmpty();
    for (String text : new String[] {"", "42", "42 x", "a b", "1 2 3"}) {
      Files.writeString(dir.resolve("bad"), text);
      assertThat(PidFile.read(dir.resolve("bad"))).as(text).isEmpty();
    }
  }
}
