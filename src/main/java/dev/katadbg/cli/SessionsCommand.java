package dev.katadbg.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import dev.katadbg.session.Session;
import dev.katadbg.session.SessionJson;
import dev.katadbg.session.SessionRegistry;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "sessions", mixinStandardHelpOptions = true,
    description = {"List debug sessions: one per sandbox started through the wrapper.",
        "Ended sessions (failed, stopped, gone) are kept with their logs (katadbg logs) until"
            + " removed: the newest " + SessionRegistry.KEEP_ENDED + ", for 7 days; --clean or"
            + " katadbg stop SESSION removes them sooner."})
final class SessionsCommand implements Callable<Integer> {
  private final Map<String, String> env;

  @Spec CommandSpec spec;

  @Option(names = "--json", description = "Print a JSON array of session objects.")
  boolean json;

  @Option(names = "--clean", description = "Remove every ended session and its logs first.")
  boolean clean;

  SessionsCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    SessionRegistry registry = Registries.open(env);
    PrintWriter out = spec.commandLine().getOut();
    registry.prune(Instant.now());
    if (clean) {
      for (Session s : registry.list().stream().filter(registry::isEnded).toList()) {
        registry.remove(s);
        if (!json) {
          out.println("removed " + s.namespace() + "/" + s.id() + " ("
              + s.state().name().toLowerCase(Locale.ROOT) + ")");
        }
      }
    }
    List<Session> sessions = registry.list();
    if (json) {
      JsonArray a = new JsonArray();
      sessions.forEach(s -> a.add(SessionJson.toJson(s)));
      out.println(new GsonBuilder().setPrettyPrinting().create().toJson(a));
    } else if (sessions.isEmpty()) {
      out.println("no sessions (start a container with the katadbg runtime)");
    } else {
      String fmt = "%-8s %-24s %-11s %-26s %8s %8s  %s%n";
      out.printf(fmt, "NS", "ID", "STATE", "LISTEN", "DLV", "SHIM", "INFO");
      for (Session s : sessions) {
        out.printf(fmt, s.namespace(), abbrev(s.id()), s.state().name().toLowerCase(Locale.ROOT),
            s.listen(), dlvColumn(s), s.shim().map(r -> "" + r.pid()).orElse("-"),
            s.reason().orElse(hint(s)));
      }
    }
    out.flush();
    return ExitCode.OK;
  }

  /** Until Delve runs, a session records the wrapper as its process: no Delve to show. */
  static String dlvColumn(Session s) {
    return s.listen().isEmpty() ? "-" : Long.toString(s.debugger().pid());
  }

  private static String hint(Session s) {
    return switch (s.state()) {
      case WAITING -> "halted before its first instruction: katadbg connect, or dlv connect";
      case RUNNING -> "dlv connect " + s.listen();
      case GONE, FAILED, STOPPED -> "katadbg logs " + s.namespace() + "/" + s.id();
      default -> "";
    };
  }

  private static String abbrev(String id) {
    return id.length() <= 24 ? id : id.substring(0, 21) + "...";
  }
}
