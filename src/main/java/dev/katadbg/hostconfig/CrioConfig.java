package dev.katadbg.hostconfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

/**
 * CRI-O's runtime handlers as CRI-O merges its files: {@code crio.conf}, then every file of
 * {@code crio.conf.d} in lexical order, a handler table in a later file replacing that handler
 * entirely (notes/runtime-managers.md). No CRI-O package exists here, so this reads files only.
 */
public final class CrioConfig {
  public static final Path DEFAULT_CONFIG = Path.of("/etc/crio/crio.conf");
  public static final Path DEFAULT_DROP_IN_DIR = Path.of("/etc/crio/crio.conf.d");
  /** CRI-O's default {@code container_create_timeout}, in seconds (its minimum is 30). */
  public static final long DEFAULT_CREATE_TIMEOUT_SECONDS = 240;
  /** For {@code runtime_type = "vm"} CRI-O requires the binary's file name to match this. */
  public static final Pattern VM_BINARY_NAME = Pattern.compile("^containerd-shim-[a-zA-Z0-9\\-+]+$");

  /**
   * A runtime handler ({@code [crio.runtime.runtimes.NAME]}) and the file that defined it.
   *
   * @param createTimeoutSeconds {@code container_create_timeout} when set
   */
  public record Handler(String name, Path file, Optional<String> runtimePath,
      Optional<String> runtimeType, Optional<String> runtimeConfigPath,
      Optional<Long> createTimeoutSeconds) {}

  private final List<Path> files;
  private final Map<String, Handler> handlers;

  private CrioConfig(List<Path> files, Map<String, Handler> handlers) {
    this.files = List.copyOf(files);
    this.handlers = Map.copyOf(handlers);
  }

  /** Reads {@code config} (if it exists) and the drop-ins of {@code dropInDir} (if it exists). */
  public static CrioConfig read(Path config, Path dropInDir) {
    List<Path> files = new ArrayList<>();
    if (Files.isRegularFile(config)) {
      files.add(config);
    }
    if (Files.isDirectory(dropInDir)) {
      try (Stream<Path> s = Files.list(dropInDir)) {
        s.filter(Files::isRegularFile).sorted().forEach(files::add);
      } catch (IOException e) {
        throw new HostConfigException("cannot list " + dropInDir + ": " + e.getMessage(), e);
      }
    }
    Map<String, Handler> handlers = new LinkedHashMap<>();
    for (Path f : files) {
      TomlParseResult toml = Tomls.parse(f);
      TomlTable runtimes = toml.getTable(List.of("crio", "runtime", "runtimes"));
      if (runtimes == null) {
        continue;
      }
      for (String name : runtimes.keySet()) {
        TomlTable t = runtimes.getTable(List.of(name));
        if (t == null) {
          continue;
        }
        handlers.put(name, new Handler(name, f,
            Optional.ofNullable(t.getString("runtime_path")).filter(s -> !s.isEmpty()),
            Optional.ofNullable(t.getString("runtime_type")).filter(s -> !s.isEmpty()),
            Optional.ofNullable(t.getString("runtime_config_path")).filter(s -> !s.isEmpty()),
            Optional.ofNullable(t.getLong("container_create_timeout"))));
      }
    }
    return new CrioConfig(files, handlers);
  }

  /** The files read, in merge order. */
  public List<Path> files() {
    return files;
  }

  public Optional<Handler> handler(String name) {
    return Optional.ofNullable(handlers.get(name));
  }

  public Map<String, Handler> handlers() {
    return handlers;
  }
}
