package dev.katadbg.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.katadbg.control.Control;
import dev.katadbg.control.TargetState;
import dev.katadbg.delve.ThreadInfo;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session;
import dev.katadbg.session.SessionJson;
import dev.katadbg.session.SessionRegistry;
import dev.katadbg.session.SessionState;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
  /** Per live session, for the connect and each call: a listing must not hang on one. */
  static final Duration ASK_TIMEOUT = Duration.ofMillis(500);

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
    Processes processes = Processes.linux();
    Map<Session, Optional<TargetState>> asked = new HashMap<>();
    for (Session s : sessions) {
      if (asksDebugger(s, registry.isLive(s)) && Registries.orphaned(s).isEmpty()) {
        asked.put(s, Control.peek(s, processes, ASK_TIMEOUT));
      }
    }
    if (json) {
      JsonArray a = new JsonArray();
      for (Session s : sessions) {
        JsonObject o = SessionJson.toJson(s);
        Optional.ofNullable(asked.get(s)).flatMap(t -> t)
            .ifPresent(t -> o.add("target", ControlCommands.json(t)));
        if (registry.isLive(s)) {
          orphaned(s, asked, processes).ifPresent(why -> o.addProperty("orphaned", why));
        }
        a.add(o);
      }
      out.println(new GsonBuilder().setPrettyPrinting().create().toJson(a));
    } else if (sessions.isEmpty()) {
      out.println("no sessions (start a container with the katadbg runtime)");
    } else {
      String fmt = "%-8s %-24s %-11s %-26s %8s %8s  %s%n";
      out.printf(fmt, "NS", "ID", "STATE", "LISTEN", "DLV", "SHIM", "INFO");
      for (Session s : sessions) {
        Row r = registry.isLive(s) ? orphaned(s, asked, processes)
            .map(why -> new Row("orphaned", why))
            .orElseGet(() -> asked.containsKey(s) ? asked(s, asked.get(s)) : recorded(s))
            : recorded(s);
        out.printf(fmt, s.namespace(), abbrev(s.id()), r.state(), s.listen(), dlvColumn(s),
            s.shim().map(p -> "" + p.pid()).orElse("-"), r.info());
      }
    }
    out.flush();
    return ExitCode.OK;
  }

  private static Optional<String> orphaned(Session s, Map<Session, Optional<TargetState>> asked,
      Processes processes) {
    return Registries.orphaned(s).or(() -> Registries.unserved(s,
        Optional.ofNullable(asked.get(s)).flatMap(t -> t), processes));
  }

  /** A session's Delve is asked only while it runs and could answer. */
  static boolean asksDebugger(Session s, boolean live) {
    return live && !s.listen().isEmpty()
        && (s.state() == SessionState.WAITING || s.state() == SessionState.RUNNING);
  }

  /** What the table shows of a session: STATE and INFO. */
  record Row(String state, String info) {}

  /** A session whose debugger was not asked: what katadbg recorded, and why or what next. */
  static Row recorded(Session s) {
    return new Row(s.state().name().toLowerCase(Locale.ROOT), s.reason().orElse(hint(s)));
  }

  /**
   * A session whose debugger was asked: its {@code answer} (empty when it did not answer)
   * wins over the recorded WAITING or RUNNING, which says only what the wrapper last did; the
   * shim may have stopped at a breakpoint or moved on since.
   */
  static Row asked(Session s, Optional<TargetState> answer) {
    if (answer.isEmpty()) {
      return new Row(s.state().name().toLowerCase(Locale.ROOT),
          "its debugger does not answer at " + s.listen());
    }
    TargetState t = answer.get();
    return switch (t.status()) {
      case RUNNING -> new Row("running", connectHint(s));
      case EXITED -> new Row("exited", "the shim " + t.why());
      case STOPPED -> {
        ThreadInfo th = t.thread().orElseThrow();
        if (t.beforeFirstInstruction()) {
          yield new Row("waiting", "halted before its first instruction: katadbg connect"
              + (s.kind() == Session.DebuggerKind.GDB ? "" : ", or " + connectHint(s)));
        }
        yield new Row("stopped", t.why() + ": " + th.function() + "() " + th.file() + ":"
            + th.line());
      }
    };
  }

  /** Until Delve runs, a session records the wrapper as its process: no Delve to show. */
  static String dlvColumn(Session s) {
    return s.listen().isEmpty() ? "-" : Long.toString(s.debugger().pid());
  }

  private static String hint(Session s) {
    return switch (s.state()) {
      case WAITING -> "halted before its first instruction: katadbg connect"
          + (s.kind() == Session.DebuggerKind.GDB ? "" : ", or dlv connect");
      case RUNNING -> connectHint(s);
      case GONE, FAILED, STOPPED -> "katadbg logs " + s.namespace() + "/" + s.id();
      default -> "";
    };
  }

  /** How a person gets in: Delve's own client, or katadbg's gdb (its keeper holds gdbserver). */
  static String connectHint(Session s) {
    return s.kind() == Session.DebuggerKind.GDB
        ? "gdb: katadbg connect " + s.namespace() + "/" + s.id()
        : "dlv connect " + s.listen();
  }

  private static String abbrev(String id) {
    return id.length() <= 24 ? id : id.substring(0, 21) + "...";
  }
}
