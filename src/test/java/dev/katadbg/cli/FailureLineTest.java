package dev.katadbg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A failing command: one line on stderr, and with KATADBG_DEBUG the stack trace after it. */
class FailureLineTest {
  @TempDir Path dir;

  @Test
  void katadbgDebugPrintsTheStackTraceAfterTheLine() throws IOException {
    // a real failure: the state directory is a file, so the registry cannot be opened
    Path notADir = Files.writeString(dir.resolve("state"), "");
    Path config = Files.writeString(dir.resolve("c.toml"),
        "[shim]\nbinary = \"/bin/true\"\n[state]\ndir = \"" + notADir + "\"\n");
    Map<String, String> env = Map.of("KATADBG_CONFIG", config.toString());

    String quiet = errOf(env, "sessions");
    String debug = errOf(Map.of("KATADBG_CONFIG", config.toString(), "KATADBG_DEBUG", "1"),
        "sessions");

    assertThat(quiet).startsWith("katadbg: ").doesNotContain("\tat ").doesNotContain("null");
    assertThat(quiet.lines().count()).isEqualTo(1);
    assertThat(debug).startsWith(quiet.strip()).contains("\tat dev.katadbg.");
  }

  private static String errOf(Map<String, String> env, String... args) {
    StringWriter err = new StringWriter();
    Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err, true), env, args);
    return err.toString();
  }
}
