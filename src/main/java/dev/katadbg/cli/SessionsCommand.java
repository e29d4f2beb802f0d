package dev.katadbg.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import dev.katadbg.session.Session;
import dev.katadbg.session.SessionJson;
import dev.katadbg.session.SessionRegistry;
import dev.katadbg.session.SessionState;
import java.io.PrintWriter;
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
        "Sessions whose processes are gone are shown once as such, then cleaned."})
final class SessionsCommand implements Callable<Integer> {
  private final Map<String, String> env;

  @Spec CommandSpec spec;

  @Option(names = "--json", description = "Print a JSON array of session objects.")
  boolean json;

  SessionsCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    SessionRegistry registry = Registries.open(env);
    List<Session> sessions = registry.list();
    PrintWriter out = spec.commandLine().getOut();
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
            s.listen(), s.debugger().pid(), s.shim().map(r -> "" + r.pid()).orElse("-"),
            s.reason().orElse(hint(s)));
      }
    }
    out.flush();
    for (Session s : sessions) {
      if (!registry.isLive(s) && s.state() != SessionState.STARTING) {
        registry.remove(s);
      }
    }
    return ExitCode.OK;
  }

  private static String hint(Session s) {
    return switch (s.state()) {
      case WAITING -> "halted before its first instruction: katadbg connect, or dlv connect";
      case RUNNING -> "dlv connect " + s.listen();
      case GONE -> "processes gone; cleaned";
      default -> "";
    };
  }

  private static String abbrev(String id) {
    return id.length() <= 24 ? id : id.substring(0, 21) + "...";
  }
}
