package dev.katadbg.cli;

import dev.katadbg.discovery.Shim;
import dev.katadbg.discovery.ShimFinder;
import dev.katadbg.discovery.Target;
import dev.katadbg.session.Session;
import dev.katadbg.session.SessionRegistry;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The running shims joined to their sessions, and TARGET arguments mapped to exit codes. */
final class Shims {
  private Shims() {}

  static List<Shim> find(SessionRegistry registry) {
    List<Session> live = registry.list().stream().filter(registry::isLive).toList();
    return ShimFinder.linux().find(live);
  }

  static List<Shim> find(Map<String, String> env) {
    return find(Registries.open(env));
  }

  /** The one shim {@code query} names, or a CliException listing the candidates. */
  static Shim resolve(String query, List<Shim> shims) {
    Target.Resolution r = Target.resolve(query, shims);
    if (r instanceof Target.Resolution.Found f) {
      return f.shim();
    }
    if (r instanceof Target.Resolution.Ambiguous a) {
      throw new CliException(ExitCode.AMBIGUOUS, "'" + query + "' matches "
          + a.candidates().size() + " shims: " + list(a.candidates())
          + " (give a pid, or more of the id)");
    }
    List<Shim> all = ((Target.Resolution.NotFound) r).candidates();
    throw new CliException(ExitCode.NOT_FOUND, "no shim matches '" + query + "'"
        + (all.isEmpty() ? " (no shim v2 daemons are running)"
            : "; running shims: " + list(all)));
  }

  private static String list(List<Shim> shims) {
    return shims.stream().map(Shim::describe).collect(Collectors.joining("; "));
  }
}
