package dev.katadbg.cli;

import dev.katadbg.config.ConfigException;
import dev.katadbg.config.KatadbgConfig;
import dev.katadbg.control.TargetState;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.PidFile;
import dev.katadbg.session.Session;
import dev.katadbg.session.SessionRegistry;
import java.util.Map;
import java.util.Optional;

/** Opens the session registry the wrapper writes to, from the same config. */
final class Registries {
  private Registries() {}

  static SessionRegistry open(Map<String, String> env) {
    KatadbgConfig config;
    try {
      config = KatadbgConfig.load(env);
    } catch (ConfigException e) {
      throw new CliException(ExitCode.FAILURE, e.getMessage());
    }
    Processes p = Processes.linux();
    return SessionRegistry.open(config.stateDir(), r -> p.isAlive(r.pid(), r.startTime()));
  }

  /**
   * The live session named by {@code query}, or without one the newest live session. A session
   * that is recorded but whose debugger is gone is "not found", with its state in the message.
   */
  static Session live(SessionRegistry registry, java.util.Optional<String> query) {
    if (query.isEmpty()) {
      return registry.list().stream().filter(registry::isLive).findFirst()
          .orElseThrow(() -> new CliException(ExitCode.NOT_FOUND,
              "no live session (katadbg sessions lists them; start a container with the katadbg"
              + " runtime)"));
    }
    Session s = find(registry, query.get());
    if (!registry.isLive(s)) {
      throw new CliException(ExitCode.NOT_FOUND, "session " + s.namespace() + "/" + s.id()
          + " is " + s.state().name().toLowerCase(java.util.Locale.ROOT)
          + s.reason().map(r -> " (" + r + ")").orElse("")
          + "; its debugger no longer runs (katadbg sessions lists the live ones)");
    }
    return s;
  }

  /**
   * The runtime manager no longer knows a live session's shim once the shim's bundle is gone:
   * containerd restarted while the shim was halted, gave up on it and cleaned up after it. The
   * shim and its Delve run on, served by nobody.
   */
  static Optional<String> orphaned(Session s) {
    return s.bundle().filter(b -> !java.nio.file.Files.isDirectory(b)).map(b ->
        "its runtime manager dropped it (the bundle " + b + " is gone): katadbg stop --kill "
            + s.namespace() + "/" + s.id() + " ends the shim and its Delve");
  }

  /**
   * A live session whose shim will never be called: halted before its first instruction (so it
   * never answered Create) while the runtime manager that started it is gone. A restarted
   * containerd gives up on a shim that does not answer and keeps no task for it; its bundle
   * stays, so {@link #orphaned(Session)} cannot tell.
   */
  static Optional<String> unserved(Session s, Optional<TargetState> target, Processes processes) {
    if (target.isEmpty() || !target.get().beforeFirstInstruction()) {
      return Optional.empty();
    }
    return PidFile.read(s.managerPidFile())
        .filter(m -> !processes.isAlive(m.pid(), m.startTime()))
        .map(m -> "the runtime manager that started it (pid " + m.pid() + ") is gone and the"
            + " shim never ran, so it never answered Create: nobody will call it (a restarted"
            + " containerd gives up on it): katadbg stop --kill " + s.namespace() + "/"
            + s.id() + " ends the shim and its Delve");
  }

  static Session find(SessionRegistry registry, String query) {
    try {
      return registry.find(query).orElseThrow(() -> new CliException(ExitCode.NOT_FOUND,
          "no session '" + query + "' (katadbg sessions lists them)"));
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCode.AMBIGUOUS, e.getMessage());
    }
  }
}
