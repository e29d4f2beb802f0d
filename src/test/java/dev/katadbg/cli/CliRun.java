package dev.katadbg.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The katadbg CLI run in-process on a config of its own whose state lives in {@code dir}. */
final class CliRun {
  record Result(int exit, String out, String err) {}

  final Map<String, String> env;

  CliRun(Path dir) throws IOException {
    Path config = Files.writeString(dir.resolve("c.toml"), "[shim]\nbinary = \"/bin/true\"\n"
        + "[state]\ndir = \"" + dir.resolve("state") + "\"\n");
    env = Map.of("KATADBG_CONFIG", config.toString());
  }

  Result katadbg(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), env, args);
    return new Result(exit, out.toString(), err.toString());
  }
}
