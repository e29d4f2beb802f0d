package dev.katadbg.session;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.katadbg.session.Session.ProcessRef;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The flat JSON form of a session: the file kept in the session's directory and the objects
 * {@code katadbg sessions --json} prints are the same, so scripts see what katadbg sees.
 */
public final class SessionJson {
  private SessionJson() {}

  public static JsonObject toJson(Session s) {
    JsonObject o = new JsonObject();
    o.addProperty("id", s.id());
    o.addProperty("namespace", s.namespace());
    o.addProperty("state", s.state().name().toLowerCase(Locale.ROOT));
    o.addProperty("listen", s.listen());
    o.addProperty("debuggerPid", s.debugger().pid());
    o.addProperty("debuggerStartTime", s.debugger().startTime());
    o.addProperty("shimPid", s.shim().map(ProcessRef::pid).orElse(0));
    o.addProperty("shimStartTime", s.shim().map(ProcessRef::startTime).orElse(0L));
    o.addProperty("startPid", s.startProcess().map(ProcessRef::pid).orElse(0));
    o.addProperty("startStartTime", s.startProcess().map(ProcessRef::startTime).orElse(0L));
    o.addProperty("shimBinary", s.shimBinary().toString());
    s.bundle().ifPresent(b -> o.addProperty("bundle", b.toString()));
    o.addProperty("dir", s.dir().toString());
    o.addProperty("log", s.log().toString());
    o.addProperty("debuggerLog", s.debuggerLog().toString());
    o.addProperty("shimStderr", s.shimStderr().toString());
    s.reason().ifPresent(r -> o.addProperty("reason", r));
    JsonArray bps = new JsonArray();
    s.breakpoints().forEach(bps::add);
    o.add("breakpoints", bps);
    o.addProperty("created", s.created().toString());
    o.addProperty("origin", s.origin().name().toLowerCase(Locale.ROOT));
    o.addProperty("debuggerKind", s.kind().name().toLowerCase(Locale.ROOT));
    return o;
  }

  public static Session fromJson(JsonObject o) {
    try {
      return new Session(
          str(o, "id"),
          str(o, "namespace"),
          Path.of(str(o, "dir")),
          opt(o, "bundle").map(Path::of),
          Path.of(str(o, "shimBinary")),
          str(o, "listen"),
          SessionState.valueOf(str(o, "state").toUpperCase(Locale.ROOT)),
          opt(o, "reason"),
          new ProcessRef(num(o, "debuggerPid"), lng(o, "debuggerStartTime")),
          ref(num(o, "startPid"), lng(o, "startStartTime")),
          ref(num(o, "shimPid"), lng(o, "shimStartTime")),
          strings(o, "breakpoints"),
          Instant.parse(str(o, "created")),
          // Records written before attach existed are the wrapper's.
          Session.Origin.valueOf(opt(o, "origin").orElse("launched").toUpperCase(Locale.ROOT)),
          // Records written before gdb sessions existed are Delve's.
          Session.DebuggerKind.valueOf(
              opt(o, "debuggerKind").orElse("delve").toUpperCase(Locale.ROOT)));
    } catch (RuntimeException e) {
      throw new JsonParseException("not a katadbg session record: " + e.getMessage(), e);
    }
  }

  private static Optional<ProcessRef> ref(int pid, long start) {
    return pid == 0 ? Optional.empty() : Optional.of(new ProcessRef(pid, start));
  }

  private static List<String> strings(JsonObject o, String k) {
    List<String> out = new ArrayList<>();
    JsonElement e = o.get(k);
    if (e != null && e.isJsonArray()) {
      e.getAsJsonArray().forEach(x -> out.add(x.getAsString()));
    }
    return out;
  }

  private static String str(JsonObject o, String k) {
    return opt(o, k).orElseThrow(() -> new JsonParseException("missing " + k));
  }

  private static Optional<String> opt(JsonObject o, String k) {
    JsonElement e = o.get(k);
    return e == null || e.isJsonNull() ? Optional.empty() : Optional.of(e.getAsString());
  }

  private static int num(JsonObject o, String k) {
    JsonElement e = o.get(k);
    return e == null ? 0 : e.getAsInt();
  }

  private static long lng(JsonObject o, String k) {
    JsonElement e = o.get(k);
    return e == null ? 0 : e.getAsLong();
  }
}
