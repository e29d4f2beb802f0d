package dev.katadbg.cli;

import dev.katadbg.attach.AttachException;
import dev.katadbg.attach.Attacher;
import dev.katadbg.attach.PtraceAccess;
import dev.katadbg.config.ConfigException;
import dev.katadbg.config.KatadbgConfig;
import dev.katadbg.config.ListenPolicy;
import dev.katadbg.delve.DelveLauncher;
import dev.katadbg.discovery.Shim;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session;
import dev.katadbg.session.SessionRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "attach", mixinStandardHelpOptions = true,
    description = {"Attach a headless Delve to a running shim (dlv attach PID --headless"
        + " --accept-multiclient --api-version=2) and record the session.",
        "A shim that is not Go (or with [debugger] kind = \"gdb\") gets gdbserver --attach and"
            + " katadbg's own gdb instead.",
        "The shim keeps running; connect with dlv connect ADDR (katadbg connect for gdb) or an"
        + " IDE. Attaching to a shim that has a session prints that session."})
final class AttachCommand implements Callable<Integer> {
  private final Map<String, String> env;

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "TARGET",
      description = "Shim pid, sandbox id, container id, NAMESPACE/ID or a unique prefix.")
  String target;

  @Option(names = "--listen", paramLabel = "ADDR",
      description = "Where the debugger listens: HOST:PORT (HOST:0 = a free port), unix: or"
          + " unix:/path. Default: [debugger] listen of the config (127.0.0.1:0).")
  String listen;

  @Option(names = "--check-go-version", arity = "1", paramLabel = "BOOL",
      description = "false lets Delve debug a shim built with a Go outside its window"
          + " (Delve warns of undefined behaviour). Default: [debugger] check_go_version.")
  Boolean checkGoVersion;

  AttachCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    SessionRegistry registry = Registries.open(env);
    Shim shim = Shims.resolve(target, Shims.find(registry));
    Attacher.Attached a = attach(env, registry, shim, listen, checkGoVersion,
        spec.commandLine().getErr());
    PrintWriter out = spec.commandLine().getOut();
    Session s = a.session();
    out.println((a.reused() ? "already attached: " : "attached: ") + shim.describe());
    boolean gdb = s.kind() == Session.DebuggerKind.GDB;
    out.println("debugger: " + s.listen() + " (" + (gdb ? "gdb" : "dlv") + " pid "
        + s.debugger().pid() + ", session "
        + s.namespace() + "/" + s.id() + ", " + s.origin().name().toLowerCase(java.util.Locale.ROOT)
        + ")");
    out.println("connect:  " + (gdb ? "katadbg connect " + s.namespace() + "/" + s.id()
        : "dlv connect " + s.listen()));
    out.println("detach:   katadbg detach " + shim.pid() + "   (the shim keeps running)");
    return ExitCode.OK;
  }

  /**
   * gdb and gdbserver when the shim goes to gdb: [debugger] kind = "gdb", or "auto" and its
   * binary has no Go build info (a Rust shim).
   */
  private static Optional<Attacher.Gdb> gdbFor(KatadbgConfig config, Shim shim,
      Map<String, String> env) {
    KatadbgConfig.Kind kind = config.debugger().kind().resolve(() -> {
      try {
        return dev.katadbg.elf.ElfBinary.read(shim.binary()).goBuildInfo().isPresent();
      } catch (java.io.IOException | RuntimeException e) {
        return true; // unreadable: Delve, whose own checks then say what is wrong
      }
    });
    if (kind != KatadbgConfig.Kind.GDB) {
      return Optional.empty();
    }
    Optional<String> path = Optional.ofNullable(env.get("PATH"));
    try {
      return Optional.of(new Attacher.Gdb(
          dev.katadbg.control.DlvTerminal.locate(config.debugger().gdb(), path, "[debugger] gdb",
              "install gdb or set [debugger] gdb"),
          dev.katadbg.control.DlvTerminal.locate(config.debugger().gdbserver(), path,
              "[debugger] gdbserver", "install gdbserver or set [debugger] gdbserver"),
          dev.katadbg.files.Libexec.find(Optional.ofNullable(
              System.getProperty(Managers.HOME_PROPERTY)), dev.katadbg.gdb.Keeper.RELAY)));
    } catch (dev.katadbg.control.ControlException e) {
      throw new CliException(ExitCode.NOT_FOUND, e.getMessage());
    }
  }

  /**
   * Attaches a headless Delve to {@code shim} with the config's [debugger] settings, {@code
   * listen} and {@code checkGoVersion} overriding them when given.
   */
  static Attacher.Attached attach(Map<String, String> env, SessionRegistry registry, Shim shim,
      String listen, Boolean checkGoVersion, PrintWriter err) {
    KatadbgConfig config;
    try {
      config = KatadbgConfig.load(env);
    } catch (ConfigException e) {
      throw new CliException(ExitCode.FAILURE, e.getMessage());
    }
    ListenPolicy policy;
    try {
      policy = listen == null ? config.debugger().listen() : ListenPolicy.parse(listen);
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCode.USAGE, "--listen: " + e.getMessage());
    }
    Attacher.Debugger debugger = gdbFor(config, shim, env).map(g -> (Attacher.Debugger) g)
        .orElseGet(() -> new Attacher.Delve(dlvFor(config, env),
            checkGoVersion != null ? checkGoVersion : config.debugger().checkGoVersion()));
    if (policy.isRemote()) {
      err.println("katadbg: warning: " + (debugger instanceof Attacher.Gdb ? "gdbserver" : "Delve")
          + " will listen on " + policy.text()
          + ", reachable from other hosts; anyone who connects controls the shim");
    }
    try {
      return new Attacher(registry, Processes.linux(), new DelveLauncher(),
          PtraceAccess.ofThisProcess()).attach(shim, new Attacher.Request(debugger, policy,
              config.debugger().startTimeout()));
    } catch (AttachException e) {
      throw new CliException(ExitCode.FAILURE, e.getMessage());
    }
  }

  private static Path dlvFor(KatadbgConfig config, Map<String, String> env) {
    String configured = config.debugger().path();
    return DelveLauncher.locate(configured, env.getOrDefault("PATH", "/usr/bin:/bin"))
        .orElseThrow(() -> new CliException(ExitCode.FAILURE, "dlv not found "
            + (configured.contains("/") ? "at " + configured : "on PATH")
            + ": install Delve (go install github.com/go-delve/delve/cmd/dlv@latest) or set"
            + " [debugger] path in " + config.source().map(Path::toString)
                .orElse(KatadbgConfig.DEFAULT_PATH)));
  }
}
