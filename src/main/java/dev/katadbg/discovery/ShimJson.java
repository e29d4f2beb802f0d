package dev.katadbg.discovery;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.util.Locale;

/** The JSON form {@code katadbg ps --json} prints, from the same records as the table. */
public final class ShimJson {
  private ShimJson() {}

  public static JsonObject toJson(Shim s) {
    JsonObject o = new JsonObject();
    o.addProperty("pid", s.pid());
    o.addProperty("runtime", s.runtime());
    o.addProperty("namespace", s.namespace());
    o.addProperty("id", s.id());
    o.addProperty("address", s.address());
    s.socket().ifPresentOrElse(v -> o.addProperty("socket", v), () -> o.add("socket",
        JsonNull.INSTANCE));
    s.bundle().ifPresentOrElse(v -> o.addProperty("bundle", v.toString()),
        () -> o.add("bundle", JsonNull.INSTANCE));
    JsonArray containers = new JsonArray();
    s.containers().forEach(containers::add);
    o.add("containers", containers);
    o.addProperty("binary", s.binary().toString());
    s.dwarf().ifPresentOrElse(v -> o.addProperty("dwarf", v), () -> o.add("dwarf",
        JsonNull.INSTANCE));
    o.addProperty("tracerPid", s.tracerPid());
    s.session().ifPresentOrElse(v -> {
      JsonObject j = new JsonObject();
      j.addProperty("id", v.id());
      j.addProperty("namespace", v.namespace());
      j.addProperty("listen", v.listen());
      j.addProperty("state", v.state().name().toLowerCase(Locale.ROOT));
      j.addProperty("origin", v.origin().name().toLowerCase(Locale.ROOT));
      o.add("session", j);
    }, () -> o.add("session", JsonNull.INSTANCE));
    return o;
  }
}
