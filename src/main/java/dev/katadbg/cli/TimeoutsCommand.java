package dev.katadbg.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.katadbg.config.ConfigException;
import dev.katadbg.config.GoDuration;
import dev.katadbg.files.FileBackup;
import dev.katadbg.hostconfig.HostConfigException;
import dev.katadbg.timeouts.TimeoutBackups;
import dev.katadbg.timeouts.TimeoutChain;
import dev.katadbg.timeouts.TimeoutPaths;
import dev.katadbg.timeouts.TimeoutRaiser;
import dev.katadbg.timeouts.TimeoutSetting;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "timeouts", mixinStandardHelpOptions = true,
    description = {"Show the timeouts that can end a debugging session while the shim is"
        + " halted (kubelet, crictl, containerd, CRI-O, Kata), with the value in force here."},
    subcommands = {TimeoutsCommand.Raise.class, TimeoutsCommand.Restore.class})
final class TimeoutsCommand implements Callable<Integer> {
  private final Map<String, String> env;

  @Spec CommandSpec spec;
  @Mixin Paths paths;

  @Option(names = "--json", description = "Print a JSON array of {component, key, value,"
      + " source, file, where}.")
  boolean json;

  TimeoutsCommand(Map<String, String> env) {
    this.env = env;
  }

  /** The files read and edited; every one a flag so tests and odd hosts use their own. */
  static final class Paths {
    @Mixin HostConfigOptions host;

    @Option(names = "--kata-config", paramLabel = "FILE",
        description = "Kata's configuration.toml; repeat for candidates, the first existing is"
            + " in force (default: /etc/kata-containers/configuration.toml,"
            + " /usr/share/defaults/kata-containers/configuration.toml).")
    List<Path> kata;

    @Option(names = "--runtime-class", paramLabel = "NAME",
        description = "CRI-O handler / runtime class name (default: ${DEFAULT-VALUE}).")
    String handler = "katadbg";

    TimeoutPaths resolve(Map<String, String> env) {
      Path bin = host.containerd;
      if (!bin.toString().contains("/")) {
        for (String d : env.getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
          if (!d.isEmpty() && Files.isExecutable(Path.of(d, bin.toString()))) {
            bin = Path.of(d, bin.toString());
            break;
          }
        }
      }
      return new TimeoutPaths(bin, host.containerdConfig, host.crioConfig, host.crioDir,
          kata == null || kata.isEmpty() ? TimeoutPaths.DEFAULT_KATA_CONFIGS : kata, handler);
    }
  }

  @Override
  public Integer call() {
    List<TimeoutSetting> chain;
    try {
      chain = TimeoutChain.read(paths.resolve(env));
    } catch (HostConfigException e) {
      throw new CliException(ExitCode.FAILURE, e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      JsonArray a = new JsonArray();
      for (TimeoutSetting s : chain) {
        JsonObject o = new JsonObject();
        o.addProperty("component", s.component());
        o.addProperty("key", s.key());
        o.addProperty("value", s.value());
        o.addProperty("source", s.source().name().toLowerCase(java.util.Locale.ROOT));
        s.file().ifPresent(f -> o.addProperty("file", f.toString()));
        o.addProperty("where", s.where());
        a.add(o);
      }
      out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(a));
    } else {
      int keys = chain.stream().mapToInt(s -> s.key().length()).max().orElse(7);
      String fmt = "%-10s  %-" + Math.max(7, keys) + "s  %-14s  %-10s  ";
      int width = TextWrap.width(env);
      int where = String.format(fmt, "", "", "", "").length();
      // WHERE is free text: beside the row while a readable width is left, else under it.
      boolean beside = width - where >= 30;
      out.println((String.format(fmt, "COMPONENT", "SETTING", "VALUE", "SOURCE")
          + (beside ? "WHERE" : "")).stripTrailing());
      for (TimeoutSetting s : chain) {
        String row = String.format(fmt, s.component(), s.key(), s.value(),
            s.source().name().toLowerCase(java.util.Locale.ROOT));
        if (beside) {
          TextWrap.hanging(row, s.where(), where, width).forEach(out::println);
        } else {
          out.println(row.stripTrailing());
          TextWrap.hanging(" ".repeat(12), s.where(), 12, width).forEach(out::println);
        }
      }
    }
    out.flush();
    return ExitCode.OK;
  }

  @Command(name = "raise", mixinStandardHelpOptions = true,
      description = {"Raise the timeouts in containerd's, CRI-O's and Kata's files for a"
          + " debugging session: comments kept, each file replaced atomically, originals"
          + " backed up for 'timeouts restore'. Prints what still needs a restart."})
  static final class Raise implements Callable<Integer> {
    private final Map<String, String> env;

    @Spec CommandSpec spec;
    @Mixin Paths paths;

    @Option(names = "--to", paramLabel = "DURATION",
        description = "The value to raise to, a Go duration (default: ${DEFAULT-VALUE}).")
    String to = "30m";

    @Option(names = "--dry-run", description = "Print the changes without writing anything.")
    boolean dryRun;

    @Option(names = "--backup-dir", paramLabel = "DIR",
        description = "Where originals are kept (default: ${DEFAULT-VALUE}).")
    Path backupDir = Path.of(TimeoutBackups.DEFAULT_DIR);

    Raise(Map<String, String> env) {
      this.env = env;
    }

    @Override
    public Integer call() {
      Duration d;
      try {
        d = GoDuration.parse(to);
      } catch (ConfigException | IllegalArgumentException e) {
        throw new CliException(ExitCode.USAGE, "--to: " + e.getMessage());
      }
      TimeoutRaiser.Plan plan;
      try {
        plan = TimeoutRaiser.plan(paths.resolve(env), d);
      } catch (IllegalArgumentException e) {
        throw new CliException(ExitCode.USAGE, e.getMessage());
      } catch (HostConfigException e) {
        throw new CliException(ExitCode.FAILURE, e.getMessage());
      }
      PrintWriter out = spec.commandLine().getOut();
      TimeoutBackups backups = new TimeoutBackups(backupDir);
      if (!dryRun) {
        try {
          backups.apply(plan);
        } catch (IllegalStateException e) {
          throw new CliException(ExitCode.FAILURE, e.getMessage());
        } catch (IOException e) {
          throw new CliException(ExitCode.FAILURE, "cannot write: " + e.getMessage()
              + (backups.raised() ? " (katadbg timeouts restore undoes what was written)" : ""));
        }
      }
      String verb = dryRun ? "would change" : "changed";
      if (plan.edits().isEmpty()) {
        out.println("nothing to change: every timeout is already " + to);
      }
      for (TimeoutRaiser.FileEdit e : plan.edits()) {
        out.println(verb + " " + e.file() + ":");
        for (TimeoutRaiser.Change c : e.changes()) {
          out.println("  " + c.key() + ": " + c.from() + " -> " + c.to());
        }
      }
      if (!dryRun && !plan.edits().isEmpty()) {
        out.println("originals saved in " + backupDir + " (katadbg timeouts restore)");
      }
      plan.restarts().forEach(r -> out.println("then: " + r));
      plan.warnings().forEach(w -> out.println("warning: " + w));
      out.flush();
      return ExitCode.OK;
    }
  }

  @Command(name = "restore", mixinStandardHelpOptions = true,
      description = {"Put back the exact original bytes of every file 'timeouts raise' edited."})
  static final class Restore implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--backup-dir", paramLabel = "DIR",
        description = "Where originals are kept (default: ${DEFAULT-VALUE}).")
    Path backupDir = Path.of(TimeoutBackups.DEFAULT_DIR);

    @Option(names = "--force", description = "Restore files edited since the raise too.")
    boolean force;

    @Override
    public Integer call() {
      List<FileBackup> restored;
      try {
        restored = new TimeoutBackups(backupDir).restore(force);
      } catch (IllegalStateException e) {
        throw new CliException(e.getMessage().startsWith("nothing") ? ExitCode.NOT_FOUND
            : ExitCode.FAILURE, e.getMessage());
      } catch (IOException e) {
        throw new CliException(ExitCode.FAILURE, "restore failed: " + e.getMessage());
      }
      PrintWriter out = spec.commandLine().getOut();
      restored.forEach(b -> out.println("restored " + b.original()));
      out.println("then: restart containerd / reload CRI-O as after the raise");
      out.flush();
      return ExitCode.OK;
    }
  }
}
