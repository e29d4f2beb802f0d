package dev.katadbg.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.katadbg.config.ConfigException;
import dev.katadbg.config.KatadbgConfig;
import dev.katadbg.control.Control;
import dev.katadbg.control.ControlException;
import dev.katadbg.control.TargetState;
import dev.katadbg.control.VsCodeLaunch;
import dev.katadbg.elf.ElfBinary;
import dev.katadbg.elf.GoBuildInfo;
import dev.katadbg.files.AtomicFiles;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "ide", mixinStandardHelpOptions = true,
    description = "Attach configurations for IDEs.",
    subcommands = {IdeCommand.VsCode.class, CommandLine.HelpCommand.class})
final class IdeCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "vscode", mixinStandardHelpOptions = true,
      description = {"Print a VS Code Go attach configuration (remote mode, dlv-dap) for a"
          + " session, or merge it into DIR/.vscode/launch.json keeping the other entries.",
          "For a gdb session: a C/C++ (cppdbg) configuration on its gdbserver, which runs"
              + " katadbg lend SESSION as its debug server.",
          "The shim's build directory is read from Delve while the shim is stopped (e.g."
              + " waiting for a client); otherwise give it with --build-dir."})
  static final class VsCode implements Callable<Integer> {
    private final Map<String, String> env;

    @Spec CommandSpec spec;

    @Mixin SessionArgs.Live session;

    @Option(names = "--source", paramLabel = "DIR",
        description = "Your checkout of the shim's source tree (default: ${workspaceFolder}).")
    Path source;

    // --from: the first name of this option, kept for scripts; it is substitutePath's "to".
    @Option(names = {"--build-dir", "--from"}, paramLabel = "DIR",
        description = "The directory the shim was built in (substitutePath's \"to\": the paths"
            + " in its DWARF), when it cannot be read from Delve.")
    String from;

    @Option(names = "--write", paramLabel = "DIR",
        description = "Merge into DIR/.vscode/launch.json instead of printing.")
    Path write;

    VsCode(Map<String, String> env) {
      this.env = env;
    }

    @Override
    public Integer call() {
      Session s = Registries.live(Registries.open(env), session.query());
      PrintWriter err = spec.commandLine().getErr();
      String local = source == null ? VsCodeLaunch.WORKSPACE
          : source.toAbsolutePath().toString();
      JsonObject config;
      try {
        if (s.kind() == Session.DebuggerKind.GDB) {
          if (from == null) {
            err.println("katadbg: sourceFileMap left empty: give --build-dir DIR, the"
                + " directory the shim was built in (Rust: the crate's directory)");
          }
          config = VsCodeLaunch.cppdbg("katadbg " + s.id(), s.listen(),
              s.shimBinary().toString(), gdbPath(), katadbgPath(),
              s.namespace() + "/" + s.id(), Optional.ofNullable(from), local, LendCommand.LENT);
        } else {
          warnIfAttachWouldWait(s, err);
          Optional<String> buildPath = Optional.ofNullable(from).or(() -> buildPath(s, err));
          config = VsCodeLaunch.configuration("katadbg " + s.id(), s.listen(), buildPath, local);
        }
      } catch (ControlException e) {
        throw new CliException(ExitCode.FAILURE, e.getMessage());
      }
      PrintWriter out = spec.commandLine().getOut();
      if (write == null) {
        out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create()
            .toJson(config));
        return ExitCode.OK;
      }
      Path file = write.resolve(".vscode/launch.json");
      try {
        Optional<String> existing = Files.exists(file)
            ? Optional.of(Files.readString(file, StandardCharsets.UTF_8)) : Optional.empty();
        String merged = VsCodeLaunch.merge(existing, config);
        Files.createDirectories(file.getParent());
        AtomicFiles.write(file, merged.getBytes(StandardCharsets.UTF_8));
      } catch (ControlException e) {
        throw new CliException(ExitCode.FAILURE, file + ": " + e.getMessage());
      } catch (IOException e) {
        throw new CliException(ExitCode.FAILURE, "cannot write " + file + ": " + e.getMessage());
      }
      out.println("wrote configuration 'katadbg " + s.id() + "' to " + file);
      return ExitCode.OK;
    }

    /** The gdb the IDE runs: katadbg's [debugger] gdb, found on PATH. */
    private String gdbPath() {
      String configured;
      try {
        configured = KatadbgConfig.load(env).debugger().gdb();
      } catch (ConfigException e) {
        configured = "gdb";
      }
      try {
        return dev.katadbg.control.DlvTerminal.locate(configured,
            Optional.ofNullable(env.get("PATH")), "[debugger] gdb", "install gdb").toString();
      } catch (ControlException e) {
        return configured;
      }
    }

    /** This katadbg's launcher, which the IDE runs as its debug server ({@code lend}). */
    private static String katadbgPath() {
      return Optional.ofNullable(System.getProperty(Managers.HOME_PROPERTY))
          .map(h -> Path.of(h, "bin", "katadbg").toAbsolutePath().normalize().toString())
          .orElse("katadbg");
    }

    /**
     * An IDE's remote attach halts a running target first, which Delve 1.24 cannot do for a
     * launched shim whose daemon has not stopped since the start process exited: the attach then
     * waits for the daemon's next stop. Whether it has stopped since is not visible from outside.
     */
    private void warnIfAttachWouldWait(Session s, PrintWriter err) {
      // Without wait_for_client the wrapper selects the daemon in Delve as the start process
      // exits, which lifts the limit; with it, the user's continue lets the start process exit.
      boolean waited;
      try {
        waited = KatadbgConfig.load(env).debugger().waitForClient();
      } catch (ConfigException e) {
        waited = true;
      }
      Processes processes = Processes.linux();
      boolean startGone = s.startProcess()
          .map(r -> !processes.isAlive(r.pid(), r.startTime())).orElse(false);
      if (s.origin() != Session.Origin.LAUNCHED || !startGone) {
        return;
      }
      try (Control c = Control.connect(s, processes)) {
        TargetState st = c.state();
        if (st.status() == TargetState.Status.RUNNING
            && (waited || st.note().equals(TargetState.START_EXITED))) {
          err.println("katadbg: warning: the shim runs; an IDE's attach halts it first, which"
              + " Delve cannot do if the daemon has not stopped since its start process exited"
              + " (the attach then waits for its next stop). Attach while it is stopped, or"
              + " give it a debugger of its own first: katadbg reattach " + s.namespace() + "/"
              + s.id());
        }
      } catch (ControlException e) {
        throw new CliException(ExitCode.FAILURE, e.getMessage());
      }
    }

    /** The shim's build directory from its Go build info and Delve's source list. */
    private static Optional<String> buildPath(Session s, PrintWriter err) {
      Optional<GoBuildInfo> info;
      try {
        info = ElfBinary.read(s.shimBinary()).goBuildInfo();
      } catch (IOException | RuntimeException e) {
        info = Optional.empty();
      }
      if (info.isEmpty()) {
        err.println("katadbg: " + s.shimBinary() + " has no Go build info; substitutePath left"
            + " empty (give --build-dir DIR)");
        return Optional.empty();
      }
      String root = VsCodeLaunch.sourceRoot(info.get());
      Optional<List<String>> sources;
      try (Control c = Control.connect(s, Processes.linux())) {
        sources = c.sourcesIfStopped("");
      } catch (ControlException e) {
        throw new CliException(ExitCode.FAILURE, e.getMessage());
      }
      if (sources.isEmpty()) {
        err.println("katadbg: the shim is running and Delve lists its source files only while"
            + " it is stopped; substitutePath left empty (give --build-dir DIR, the directory of "
            + root + " on the build machine)");
        return Optional.empty();
      }
      Optional<String> found = VsCodeLaunch.buildPath(sources.get(), root)
          .or(() -> VsCodeLaunch.gopathSrc(sources.get()));
      if (found.isEmpty()) {
        err.println("katadbg: no source file of " + root + " in the shim's debug info;"
            + " substitutePath left empty (give --build-dir DIR)");
      }
      return found;
    }
  }
}
