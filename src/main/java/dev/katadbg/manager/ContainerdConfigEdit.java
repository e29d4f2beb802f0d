package dev.katadbg.manager;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.tomlj.MutableTomlTable;
import org.tomlj.TomlArray;
import org.tomlj.TomlTable;

/**
 * Adds a runtime class to containerd's config.toml text, keeping every other byte.
 *
 * <p>Why the main file and not a drop-in: on containerd 1.6/1.7 a file loaded through {@code
 * imports} replaces the main file's whole plugin section, so a drop-in with only {@code
 * runtimes.katadbg} silently removes the default {@code runc} runtime and resets CNI paths.
 * Likewise a config that declares any {@code runtimes.X} table without {@code runtimes.runc}
 * loses the built-in runc entry, so when the file has no runtimes table yet, runc is written out
 * with containerd's default {@code runtime_type} next to the new class.
 */
public final class ContainerdConfigEdit {
  static final String RUNC = "runc";
  static final String RUNC_TYPE = "io.containerd.runc.v2";
  /** Settings that choose the binary: the new class has its own; everything else is copied. */
  private static final Set<String> NOT_COPIED = Set.of("runtime_type", "runtime_path", "runtime_engine");

  /** What the edit did. */
  public record Result(String text, int configVersion, Optional<SourceClass> copiedFrom,
      boolean addedRunc, List<String> imports) {
    public Result {
      copiedFrom = copiedFrom == null ? Optional.empty() : copiedFrom;
      imports = List.copyOf(imports);
    }
  }

  /** The existing runtime class the new one copied its settings from. */
  public record SourceClass(String name, String runtimeType, Optional<String> runtimePath) {}

  private ContainerdConfigEdit() {}

  /**
   * Returns {@code original} with the runtime class added ({@code original} empty means the file
   * does not exist: the result is a new {@code version = defaultVersion} file). Unchanged text
   * comes back when the class is already there with the same settings.
   */
  public static Result addRuntimeClass(String source, Optional<String> original, RuntimeClassRequest request,
      int defaultVersion) {
    TomlDocument doc = TomlDocument.parse(source, original.orElse(""));
    MutableTomlTable root = doc.root();
    int version = configVersion(source, root, defaultVersion);
    if (!root.contains("version")) {
      root.set("version", (long) version);
    }
    List<String> runtimesPath = runtimesPath(version);
    String section = headerOf(runtimesPath);
    if (root.contains(runtimesPath) && !root.isTable(runtimesPath)) {
      throw new ManagerException(ManagerException.Kind.INVALID, source + ": " + section + " is not a table");
    }
    TomlTable runtimes = root.isTable(runtimesPath) ? root.getTable(runtimesPath) : null;
    List<String> containerdPath = runtimesPath.subList(0, runtimesPath.size() - 1);
    String defaultRuntime = root.isString(append(containerdPath, "default_runtime_name"))
        ? root.getString(append(containerdPath, "default_runtime_name")) : RUNC;

    Optional<SourceClass> from = Optional.empty();
    TomlTable fromTable = null;
    String fromName = request.copyFrom().orElse(null);
    if (fromName == null && runtimes != null) {
      fromName = pickSource(runtimes, request.name(), defaultRuntime);
    }
    if (fromName != null) {
      if (runtimes == null || !runtimes.isTable(List.of(fromName))) {
        throw new ManagerException(ManagerException.Kind.NOT_FOUND, source + ": no runtime class '" + fromName
            + "' to copy settings from (" + section + " has " + (runtimes == null ? "none" : runtimes.keySet()) + ")");
      }
      fromTable = runtimes.getTable(List.of(fromName));
      from = Optional.of(new SourceClass(fromName, fromTable.getString("runtime_type", () -> ""),
          Optional.ofNullable(fromTable.getString("runtime_path")).filter(p -> !p.isEmpty())));
    }

    boolean addRunc = runtimes == null && defaultRuntime.equals(RUNC);
    if (addRunc) {
      root.getOrCreateTable(append(runtimesPath, RUNC)).set("runtime_type", RUNC_TYPE);
    }
    MutableTomlTable target = root.getOrCreateTable(append(runtimesPath, request.name()));
    TomlDocument.setIfDifferent(target, "runtime_type", request.runtimeType());
    if (fromTable != null) {
      for (String key : fromTable.keySet()) {
        if (!NOT_COPIED.contains(key)) {
          TomlDocument.setIfDifferent(target, key, fromTable.get(List.of(key)));
        }
      }
    }
    String text = doc.render();
    List<String> imports = new ArrayList<>();
    TomlArray array = root.isArray("imports") ? root.getArray("imports") : null;
    for (int i = 0; array != null && i < array.size(); i++) {
      if (array.get(i) instanceof String s) {
        imports.add(s);
      }
    }
    return new Result(text, version, from, addRunc, imports);
  }

  /** The plugin table whose {@code containerd.runtimes} holds runtime classes, by config version. */
  public static List<String> runtimesPath(int version) {
    String plugin = version >= 3 ? "io.containerd.cri.v1.runtime" : "io.containerd.grpc.v1.cri";
    return List.of("plugins", plugin, "containerd", "runtimes");
  }

  /** {@code plugins."io.containerd.grpc.v1.cri".containerd.runtimes}: how users see the path. */
  static String headerOf(List<String> path) {
    StringBuilder s = new StringBuilder();
    for (String part : path) {
      if (s.length() > 0) {
        s.append('.');
      }
      s.append(part.matches("[A-Za-z0-9_-]+") ? part : "\"" + part + "\"");
    }
    return s.toString();
  }

  private static int configVersion(String source, TomlTable root, int defaultVersion) {
    if (!root.contains("version")) {
      if (root.isEmpty()) {
        return defaultVersion;
      }
      throw new ManagerException(ManagerException.Kind.INVALID, source
          + ": no 'version' key, so this is a version 1 config, which katadbg does not edit:"
          + " convert it with 'containerd config migrate' (containerd 2.x) or add version = 2 and rename its plugin tables");
    }
    Object v = root.get("version");
    if (v instanceof Long l && (l == 2 || l == 3)) {
      return l.intValue();
    }
    throw new ManagerException(ManagerException.Kind.INVALID, source + ":" + root.inputPositionOf("version").line()
        + ": config version " + v + " is not one katadbg knows (2: containerd 1.x, 3: containerd 2.x)");
  }

  /** A Kata class first (its ConfigPath is what the wrapped shim needs), else the default runtime. */
  private static String pickSource(TomlTable runtimes, String self, String defaultRuntime) {
    for (String name : runtimes.keySet()) {
      if (!name.equals(self) && runtimes.isTable(List.of(name))) {
        String type = runtimes.getTable(List.of(name)).getString("runtime_type", () -> "");
        if (type.contains("kata")) {
          return name;
        }
      }
    }
    if (!defaultRuntime.equals(self) && runtimes.isTable(List.of(defaultRuntime))) {
      return defaultRuntime;
    }
    return null;
  }

  static List<String> append(List<String> path, String key) {
    List<String> out = new ArrayList<>(path);
    out.add(key);
    return List.copyOf(out);
  }
}
