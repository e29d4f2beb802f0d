package dev.katadbg.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.katadbg.control.Control;
import dev.katadbg.control.ControlException;
import dev.katadbg.control.TargetState;
import dev.katadbg.delve.StackFrame;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** Shared plumbing of the scripted commands: session lookup, connection, error mapping. */
final class ControlCommands {
  private ControlCommands() {}

  static <T> T withControl(Map<String, String> env, Optional<String> query,
      Function<Control, T> action) {
    Session s = Registries.live(Registries.open(env), query);
    try (Control c = Control.connect(s, Processes.linux())) {
      return action.apply(c);
    } catch (ControlException e) {
      throw new CliException(ExitCode.FAILURE, e.getMessage());
    }
  }

  static String toJson(Object json) {
    return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(
        (com.google.gson.JsonElement) json);
  }

  static JsonObject json(TargetState s) {
    JsonObject o = new JsonObject();
    o.addProperty("state", s.status().name().toLowerCase(Locale.ROOT));
    o.addProperty("pid", s.pid());
    o.addProperty("commandLine", s.commandLine());
    o.addProperty("why", s.why());
    s.thread().ifPresent(t -> {
      o.addProperty("thread", t.id());
      o.addProperty("goroutine", t.goroutineId());
      o.addProperty("function", t.function());
      o.addProperty("file", t.file());
      o.addProperty("line", t.line());
    });
    s.breakpoint().ifPresent(b -> {
      JsonObject bp = new JsonObject();
      bp.addProperty("id", b.id());
      bp.addProperty("name", b.name());
      o.add("breakpoint", bp);
    });
    if (s.status() == TargetState.Status.EXITED
        && s.exitStatus() != TargetState.UNKNOWN_STATUS) {
      o.addProperty("exitStatus", s.exitStatus());
    }
    if (!s.note().isEmpty()) {
      o.addProperty("note", s.note());
    }
    return o;
  }

  static JsonArray json(List<StackFrame> frames) {
    JsonArray a = new JsonArray();
    for (StackFrame f : frames) {
      JsonObject o = new JsonObject();
      o.addProperty("function", f.function());
      o.addProperty("file", f.file());
      o.addProperty("line", f.line());
      a.add(o);
    }
    return a;
  }
}
