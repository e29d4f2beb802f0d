package dev.katadbg.cli;

import dev.katadbg.session.Session;
import dev.katadbg.session.SessionRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "logs", mixinStandardHelpOptions = true,
    description = {"Print a session's logs, live or ended.",
        "katadbg's own (what the wrapper did, and why it failed), Delve's, and what the shim's"
            + " start wrote on stderr."})
final class LogsCommand implements Callable<Integer> {
  private final Map<String, String> env;

  @Spec CommandSpec spec;

  @Mixin SessionArgs.Any session;

  @Option(names = "--paths", description = "Print the log files' paths only, one per line.")
  boolean paths;

  LogsCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    SessionRegistry registry = Registries.open(env);
    Session s = Registries.find(registry, session.query());
    PrintWriter out = spec.commandLine().getOut();
    for (Path log : s.logFiles()) {
      if (paths) {
        if (Files.exists(log)) {
          out.println(log);
        }
        continue;
      }
      out.println("==> " + log + " <==");
      try {
        String text = Files.readString(log, StandardCharsets.UTF_8);
        out.print(text.isEmpty() || text.endsWith("\n") ? text : text + "\n");
        if (text.isEmpty()) {
          out.println("(empty)");
        }
      } catch (java.nio.file.NoSuchFileException e) {
        out.println("(none)");
      } catch (IOException e) {
        out.println("(cannot read: " + dev.katadbg.files.FileErrors.describe(e) + ")");
      }
    }
    out.flush();
    return ExitCode.OK;
  }
}
