package dev.katadbg.control;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonReader;
import dev.katadbg.delve.DelveAddress;
import dev.katadbg.elf.GoBuildInfo;
import dev.katadbg.elf.GoModule;
import java.io.StringReader;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A VS Code Go attach configuration for a session: remote mode through dlv-dap on the session's
 * headless server (which speaks DAP on the same port), with a substitutePath entry mapping the
 * user's source tree ({@code from}, local) to the shim's build directory ({@code to}, the paths
 * in its DWARF).
 */
public final class VsCodeLaunch {
  private VsCodeLaunch() {}

  /** Settings the IDE's gdb gets, as katadbg's own gdb has them (see dev.katadbg.gdb.Keeper). */
  private static final List<String> GDB_SETUP = java.util.stream.Stream.concat(
      java.util.stream.Stream.of("set sysroot /"),
      dev.katadbg.gdb.Keeper.SIGNAL_SETTINGS.stream()).toList();

  /**
   * A VS Code C/C++ ({@code cppdbg}) configuration for a gdb session: the IDE's gdb connects to
   * the session's gdbserver ({@code miDebuggerServerAddress}, extended-remote), with the shim's
   * binary for symbols. gdbserver serves one client, katadbg's own gdb: the configuration runs
   * {@code katadbg lend SESSION} as its debug server, which frees gdbserver for the IDE and
   * takes the shim back when the IDE ends it.
   *
   * @param katadbg the katadbg launcher to run {@code lend} with
   * @param session {@code NAMESPACE/ID}
   * @param buildPath the directory the shim's DWARF paths start with (sourceFileMap's key), if
   *     known
   * @param source the local tree that holds the same files
   */
  public static JsonObject cppdbg(String name, String listen, String program, String gdb,
      String katadbg, String session, Optional<String> buildPath, String source,
      String serverStarted) {
    JsonObject o = new JsonObject();
    o.addProperty("name", name);
    o.addProperty("type", "cppdbg");
    o.addProperty("request", "launch");
    o.addProperty("program", program);
    o.addProperty("cwd", WORKSPACE);
    o.addProperty("MIMode", "gdb");
    o.addProperty("miDebuggerPath", gdb);
    o.addProperty("miDebuggerServerAddress", dev.katadbg.gdb.Keeper.clientAddress(listen));
    o.addProperty("useExtendedRemote", true);
    o.addProperty("debugServerPath", katadbg);
    o.addProperty("debugServerArgs", "lend " + session);
    o.addProperty("serverStarted", serverStarted);
    o.addProperty("filterStdout", true);
    JsonArray setup = new JsonArray();
    for (String c : GDB_SETUP) {
      JsonObject t = new JsonObject();
      t.addProperty("text", c);
      setup.add(t);
    }
    o.add("setupCommands", setup);
    JsonObject map = new JsonObject();
    buildPath.ifPresent(b -> map.addProperty(b, source));
    o.add("sourceFileMap", map);
    return o;
  }

  /** The {@code from} of substitutePath (the local tree) when the user names no source tree. */
  public static final String WORKSPACE = "${workspaceFolder}";

  /**
   * The configuration object.
   *
   * @param name the entry's name ({@code katadbg ID}); merging replaces an entry of that name
   * @param listen the session's Delve address; it must be TCP
   * @param buildPath the build-machine directory the shim's DWARF paths start with, if known
   *     (substitutePath's {@code to})
   * @param source the local tree that holds the same files (substitutePath's {@code from})
   * @throws ControlException for a unix socket, which VS Code's remote mode cannot use
   */
  public static JsonObject configuration(String name, String listen, Optional<String> buildPath,
      String source) {
    DelveAddress a = DelveAddress.parse(listen);
    if (a.isUnix()) {
      throw new ControlException("this session's debugger listens on " + listen + "; VS Code's"
          + " remote attach needs host:port. Set [debugger] listen to a loopback TCP address"
          + " (e.g. \"127.0.0.1:0\") for new sessions");
    }
    JsonObject o = new JsonObject();
    o.addProperty("name", name);
    o.addProperty("type", "go");
    o.addProperty("request", "attach");
    o.addProperty("mode", "remote");
    o.addProperty("debugAdapter", "dlv-dap");
    o.addProperty("host", a.host().orElseThrow());
    o.addProperty("port", a.port().orElseThrow());
    JsonArray subst = new JsonArray();
    // Delve's (and the Go extension's) substitutePath maps FROM the client's (local) path TO
    // the debugger's (remote) one: service/dap's SubstitutePath "From: the local path to be
    // replaced when passing paths to the debugger". DapClientIT proves the direction.
    buildPath.ifPresent(built -> {
      JsonObject m = new JsonObject();
      m.addProperty("from", source);
      m.addProperty("to", built);
      subst.add(m);
    });
    o.add("substitutePath", subst);
    return o;
  }

  /**
   * The import path whose directory is the root of the shim's source tree: the main module's
   * path, or for a GOPATH build (no module) the repository part of the main package's path
   * ({@code host/owner/repo} on the usual code hosts).
   */
  public static String sourceRoot(GoBuildInfo info) {
    Optional<String> module = info.mainModule().map(GoModule::path)
        .filter(p -> !p.isBlank() && !p.equals("command-line-arguments"));
    if (module.isPresent()) {
      return module.get();
    }
    String[] parts = info.mainPath().split("/");
    if (parts.length > 3 && parts[0].contains(".")) {
      return String.join("/", List.of(parts).subList(0, 3));
    }
    return info.mainPath();
  }

  /**
   * The build-machine directory of {@code importRoot}, from the source paths Delve lists: the
   * prefix of the first path containing {@code /importRoot/}.
   */
  public static Optional<String> buildPath(List<String> sources, String importRoot) {
    String marker = "/" + importRoot + "/";
    for (String s : sources) {
      int i = s.indexOf(marker);
      if (i >= 0) {
        return Optional.of(s.substring(0, i + marker.length() - 1));
      }
    }
    return Optional.empty();
  }

  /**
   * For a shim built outside any module (GOPATH mode, e.g. Debian's packaging, where the main
   * package's path is a directory like {@code _/build/dir}): the GOPATH {@code src} directory
   * most of its non-standard-library sources come from, e.g. {@code /usr/share/gocode/src}.
   */
  public static Optional<String> gopathSrc(List<String> sources) {
    Optional<String> goroot = sources.stream().filter(f -> f.endsWith("/src/runtime/proc.go"))
        .map(f -> f.substring(0, f.length() - "runtime/proc.go".length())).findFirst();
    java.util.Map<String, Integer> counts = new java.util.HashMap<>();
    for (String f : sources) {
      if (goroot.isPresent() && f.startsWith(goroot.get())) {
        continue;
      }
      int i = f.indexOf("/src/");
      while (i >= 0) {
        int next = f.indexOf('/', i + 5);
        if (next > 0 && f.substring(i + 5, next).contains(".")) {
          counts.merge(f.substring(0, i + 4), 1, Integer::sum);
          break;
        }
        i = f.indexOf("/src/", i + 1);
      }
    }
    return counts.entrySet().stream().max(java.util.Map.Entry.comparingByValue())
        .map(java.util.Map.Entry::getKey);
  }

  /** The Go regexp for ListSources that finds files of {@code importRoot}. */
  public static String sourcesFilter(String importRoot) {
    return ("/" + importRoot + "/").replaceAll("([.+*?^$()\\[\\]{}|\\\\])", "\\\\$1");
  }

  /**
   * Merges {@code config} into the text of a launch.json (which may have comments, as VS Code
   * allows; they are not kept), replacing an entry of the same name and keeping all others.
   */
  public static String merge(Optional<String> existing, JsonObject config) {
    JsonObject root;
    if (existing.isEmpty() || existing.get().isBlank()) {
      root = new JsonObject();
      root.addProperty("version", "0.2.0");
    } else {
      try {
        JsonReader r = new JsonReader(new StringReader(existing.get()));
        r.setLenient(true);
        JsonElement e = JsonParser.parseReader(r);
        if (!e.isJsonObject()) {
          throw new ControlException("launch.json is not a JSON object; fix or move it");
        }
        root = e.getAsJsonObject();
      } catch (JsonParseException e) {
        throw new ControlException("cannot read launch.json: " + e.getMessage()
            + "; fix or move it");
      }
    }
    JsonArray configs = root.has("configurations") && root.get("configurations").isJsonArray()
        ? root.getAsJsonArray("configurations") : new JsonArray();
    String name = config.get("name").getAsString();
    JsonArray out = new JsonArray();
    boolean replaced = false;
    for (JsonElement c : configs) {
      if (c.isJsonObject() && c.getAsJsonObject().has("name")
          && Objects.equals(c.getAsJsonObject().get("name").getAsString(), name)) {
        if (!replaced) {
          out.add(config);
          replaced = true;
        }
      } else {
        out.add(c);
      }
    }
    if (!replaced) {
      out.add(config);
    }
    root.add("configurations", out);
    return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(root)
        + "\n";
  }
}
