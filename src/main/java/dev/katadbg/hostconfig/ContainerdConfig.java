package dev.katadbg.hostconfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.tomlj.TomlArray;
import org.tomlj.TomlTable;

/**
 * containerd's effective configuration: what {@code containerd --config FILE config dump}
 * prints, i.e. the main file with its {@code imports} merged the way this containerd merges
 * them. Reading the dump rather than the files is the point: on containerd 1.6 and 1.7 a
 * drop-in's plugin section replaces the main file's whole section, so a runtime class written
 * in one file can be silently missing from the config in force (notes/runtime-managers.md).
 */
public final class ContainerdConfig {
  /** The CRI plugin of a version 2 config (containerd 1.x). */
  public static final List<String> CRI_V2 = List.of("plugins", "io.containerd.grpc.v1.cri");
  /** The CRI runtime plugin of a version 3 config (containerd 2.x). */
  public static final List<String> CRI_V3 = List.of("plugins", "io.containerd.cri.v1.runtime");
  public static final Path DEFAULT_PATH = Path.of("/etc/containerd/config.toml");

  private final Path source;
  private final TomlTable toml;

  private ContainerdConfig(Path source, TomlTable toml) {
    this.source = source;
    this.toml = toml;
  }

  /** Parses the text of a dump (or of a config file). */
  public static ContainerdConfig parse(String text, Path source) {
    return new ContainerdConfig(source, Tomls.parse(text, source.toString()));
  }

  /**
   * Runs {@code CONTAINERD --config CONFIG config dump}; containerd reads and merges the files
   * and exits, no daemon is contacted.
   *
   * @throws HostConfigException with containerd's own words when it rejects the config
   */
  public static ContainerdConfig dump(Path containerd, Path config, Duration timeout) {
    Objects.requireNonNull(config, "config");
    ProcessBuilder pb = new ProcessBuilder(containerd.toString(), "--config", config.toString(),
        "config", "dump").redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new HostConfigException("cannot run " + containerd + ": " + e.getMessage(), e);
    }
    try {
      // The dump is a few KB: reading stdout to the end before stderr cannot deadlock on pipes.
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new HostConfigException(containerd + " config dump did not finish");
      }
      if (p.exitValue() != 0) {
        String why = err.strip().isEmpty() ? out.strip() : err.strip();
        throw new HostConfigException("containerd rejects " + config + ": " + lastLine(why));
      }
      return parse(out, config);
    } catch (IOException e) {
      throw new HostConfigException("cannot read " + containerd + " config dump: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new HostConfigException("interrupted while running containerd config dump", e);
    } finally {
      p.destroyForcibly();
    }
  }

  private static String lastLine(String s) {
    String[] lines = s.split("\n");
    return lines[lines.length - 1].replaceFirst("^containerd: ", "");
  }

  /** The config file this was dumped from. */
  public Path source() {
    return source;
  }

  /** The config's {@code version} (1 when absent, as containerd assumes). */
  public long version() {
    Long v = toml.getLong("version");
    return v == null ? 1 : v;
  }

  /** The CRI plugin's table path for this config version. */
  public List<String> criPlugin() {
    return version() >= 3 ? CRI_V3 : CRI_V2;
  }

  /** The files named in {@code imports}. */
  public List<String> imports() {
    TomlArray a = toml.getArray("imports");
    if (a == null) {
      return List.of();
    }
    return a.toList().stream().map(Object::toString).toList();
  }

  /** A CRI runtime class ({@code runtimes.NAME}). */
  public record Runtime(String name, String runtimeType, Optional<String> runtimePath,
      Optional<String> configPath) {}

  /** The CRI runtime classes in force, by name. */
  public Map<String, Runtime> runtimes() {
    List<String> path = new java.util.ArrayList<>(criPlugin());
    path.addAll(List.of("containerd", "runtimes"));
    TomlTable t = toml.getTable(path);
    Map<String, Runtime> out = new LinkedHashMap<>();
    if (t != null) {
      for (String name : t.keySet()) {
        TomlTable r = t.getTable(List.of(name));
        if (r != null) {
          TomlTable opts = r.getTable("options");
          out.put(name, new Runtime(name, Optional.ofNullable(r.getString("runtime_type")).orElse(""),
              Optional.ofNullable(r.getString("runtime_path")).filter(s -> !s.isEmpty()),
              Optional.ofNullable(opts == null ? null : opts.getString("ConfigPath"))
                  .filter(s -> !s.isEmpty())));
        }
      }
    }
    return out;
  }

  /** {@code default_runtime_name} of the CRI plugin, usually {@code runc}. */
  public Optional<String> defaultRuntimeName() {
    List<String> path = new java.util.ArrayList<>(criPlugin());
    path.addAll(List.of("containerd", "default_runtime_name"));
    return Optional.ofNullable(toml.getString(path)).filter(s -> !s.isEmpty());
  }

  /** Whether a plugin is listed in {@code disabled_plugins}. */
  public boolean isDisabled(String plugin) {
    TomlArray a = toml.getArray("disabled_plugins");
    return a != null && a.toList().contains(plugin);
  }

  /** The opt plugin's path; containerd prepends its {@code bin} to the PATH shims are found on. */
  public Optional<Path> optPath() {
    if (isDisabled("io.containerd.internal.v1.opt")) {
      return Optional.empty();
    }
    return Optional.ofNullable(toml.getString(
        List.of("plugins", "io.containerd.internal.v1.opt", "path"))).map(Path::of);
  }

  /** The {@code [timeouts]} table in force: key → Go duration text. */
  public Map<String, String> timeouts() {
    TomlTable t = toml.getTable("timeouts");
    Map<String, String> out = new LinkedHashMap<>();
    if (t != null) {
      for (String k : t.keySet()) {
        Object v = t.get(List.of(k));
        out.put(k, String.valueOf(v));
      }
    }
    return out;
  }
}
