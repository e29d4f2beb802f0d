package dev.katadbg.cli;

import dev.katadbg.config.ConfigException;
import dev.katadbg.config.KatadbgConfig;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session;
import dev.katadbg.session.SessionRegistry;
import java.util.Map;

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

  static Session find(SessionRegistry registry, String query) {
    try {
      return registry.find(query).orElseThrow(() -> new CliException(ExitCode.NOT_FOUND,
          "no session '" + query + "' (katadbg sessions lists them)"));
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCode.AMBIGUOUS, e.getMessage());
    }
  }
}
