package dev.katadbg.manager;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlTable;

/**
 * Plans {@code katadbg install crio}: a drop-in with a {@code [crio.runtime.runtimes.NAME]}
 * handler of {@code runtime_type = "vm"} (a containerd shim v2 CRI-O talks ttrpc to) whose
 * {@code runtime_path} is the wrapper, the wrapper link and katadbg's {@code [shim] binary}.
 *
 * <p>CRI-O reads crio.conf, then crio.conf.d/* in lexical order, and a handler table in a later
 * file replaces that handler entirely; the drop-in must sort after the file it copies from. It
 * rejects a {@code vm} handler whose binary name does not match {@link #VM_BINARY} or whose
 * {@code runtime_config_path} names a missing file, so those are checked before anything is
 * written; an empty or absent {@code runtime_config_path} is valid (the shim reads its default).
 *
 * @param dir the drop-in directory
 * @param mainConfig crio.conf, read for existing handlers
 * @param fileName the drop-in's name; empty for {@code 99-NAME.conf}
 * @param runtimeConfigPath the Kata configuration the shim reads; empty copies the source handler's,
 *     or leaves the key out when there is none
 * @param runtimeRoot empty copies the source handler's, else {@code /run/vc}
 */
public record CrioInstall(Path dir, Path mainConfig, String name, Optional<String> copyFrom,
    Optional<String> fileName, Optional<Path> runtimeConfigPath, Optional<Path> runtimeRoot, Optional<Path> shim,
    Path binDir, Path wrapper, Path katadbgConfig) {

  public static final String KIND = "crio";
  public static final String DEFAULT_DIR = "/etc/crio/crio.conf.d";
  public static final String DEFAULT_MAIN = "/etc/crio/crio.conf";
  static final Pattern VM_BINARY = Pattern.compile("^containerd-shim-[a-zA-Z0-9\\-+]+$");
  private static final String WRAPPER_NAME = "containerd-shim-katadbg-v2";

  public CrioInstall {
    dir = dir.toAbsolutePath();
    mainConfig = mainConfig.toAbsolutePath();
    binDir = binDir.toAbsolutePath();
    wrapper = wrapper.toAbsolutePath();
    katadbgConfig = katadbgConfig.toAbsolutePath();
    new RuntimeClassRequest(name, RuntimeClassRequest.DEFAULT_RUNTIME_TYPE, copyFrom);
  }

  /** A handler found in CRI-O's config files, and the file that defined it last. */
  record Handler(String name, TomlTable table, Path file) {}

  public Path dropIn() {
    return dir.resolve(fileName.orElse("99-" + name + ".conf"));
  }

  public Plan plan() {
    Path dropIn = dropIn();
    if (!dropIn.getParent().equals(dir)) {
      throw new ManagerException(ManagerException.Kind.INVALID, "the drop-in name must be a file name, not " + fileName.orElse(""));
    }
    Map<String, Handler> handlers = handlers(dropIn);
    Handler source = pickSource(handlers);
    List<String> notes = new ArrayList<>();

    Path runtimePath = binDir.resolve(WRAPPER_NAME);
    if (!VM_BINARY.matcher(runtimePath.getFileName().toString()).matches()) {
      throw new ManagerException(ManagerException.Kind.INVALID, "CRI-O requires a vm runtime's binary name to match "
          + VM_BINARY.pattern() + ", and " + runtimePath.getFileName() + " does not");
    }
    Optional<String> configPath = runtimeConfigPath.map(Path::toString)
        .or(() -> source == null ? Optional.empty() : Optional.ofNullable(source.table().getString("runtime_config_path")))
        .filter(s -> !s.isEmpty());
    if (configPath.isPresent() && !Files.isRegularFile(Path.of(configPath.get()))) {
      throw new ManagerException(ManagerException.Kind.NOT_FOUND, "runtime_config_path " + configPath.get()
          + " does not exist, and CRI-O refuses a handler whose runtime_config_path is missing: name the Kata"
          + " configuration with --runtime-config-path, or leave it out for the shim's default");
    }
    if (configPath.isEmpty()) {
      notes.add("no runtime_config_path (no Kata handler to copy it from, no --runtime-config-path): the shim"
          + " reads its own default configuration (Kata: /etc/kata-containers/configuration.toml, else"
          + " /usr/share/defaults/kata-containers/configuration.toml)");
    }
    String root = runtimeRoot.map(Path::toString)
        .or(() -> source == null ? Optional.empty() : Optional.ofNullable(source.table().getString("runtime_root")))
        .filter(s -> !s.isEmpty()).orElse("/run/vc");
    boolean privileged = source == null || source.table().getBoolean("privileged_without_host_devices", () -> true);

    StringBuilder toml = new StringBuilder()
        .append("# Written by katadbg install crio: containers of RuntimeClass handler '").append(name)
        .append("' run their shim under Delve.\n")
        .append("# Undo with: katadbg uninstall crio --dir ").append(dir).append('\n');
    if (source != null) {
      toml.append("# Settings copied from handler '").append(source.name()).append("' in ").append(source.file()).append(".\n");
      notes.add("copied the settings of handler '" + source.name() + "' (" + source.file() + ") into '" + name + "'");
    }
    toml.append("[crio.runtime.runtimes.").append(name).append("]\n")
        .append("runtime_path = ").append(quote(runtimePath.toString())).append('\n')
        .append("runtime_type = \"vm\"\n")
        .append("runtime_root = ").append(quote(root)).append('\n');
    configPath.ifPresent(c -> toml.append("runtime_config_path = ").append(quote(c)).append('\n'));
    toml.append("privileged_without_host_devices = ").append(privileged).append('\n');
    if (source != null && source.table().isArray("allowed_annotations")) {
      toml.append("allowed_annotations = ").append(array(source.table().getArray("allowed_annotations"))).append('\n');
    }
    String text = toml.toString();
    TomlDocument.parse(dropIn + " (as generated)", text);

    List<Change> changes = new ArrayList<>();
    Optional<String> before = FileText.read(dropIn);
    if (!before.equals(Optional.of(text))) {
      changes.add(new Change.FileWrite(dropIn, before, text));
    }
    linkWrapper(runtimePath, changes);

    Optional<String> kconfText = FileText.read(katadbgConfig);
    Path realShim = shim.map(Path::toAbsolutePath)
        .or(() -> KatadbgConfigEdit.shimBinary(katadbgConfig, kconfText).map(Path::of))
        .or(() -> source == null ? Optional.empty()
            : Optional.ofNullable(source.table().getString("runtime_path")).filter(s -> !s.isEmpty()).map(Path::of))
        .orElseThrow(() -> new ManagerException(ManagerException.Kind.NOT_FOUND,
            "no real shim to debug: name it with --shim /path/to/containerd-shim-kata-v2 (a build with -gcflags=all=-N -l)"));
    String kconf = KatadbgConfigEdit.withShimBinary(katadbgConfig, kconfText, realShim);
    if (!kconfText.equals(Optional.of(kconf))) {
      changes.add(new Change.FileWrite(katadbgConfig, kconfText, kconf));
    }
    if (!changes.isEmpty()) {
      notes.add("reload CRI-O (systemctl reload crio, CRI-O 1.25.1+) to load handler '" + name + "'");
    }
    return new Plan(KIND, dir, changes, notes);
  }

  /** Every handler in crio.conf and the drop-ins (except ours), the last definition winning. */
  private Map<String, Handler> handlers(Path dropIn) {
    List<Path> files = new ArrayList<>();
    if (Files.isRegularFile(mainConfig)) {
      files.add(mainConfig);
    }
    if (Files.isDirectory(dir)) {
      List<Path> inDir = new ArrayList<>();
      try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
        for (Path f : stream) {
          if (Files.isRegularFile(f) && !f.getFileName().toString().startsWith(".") && !f.equals(dropIn)) {
            inDir.add(f);
          }
        }
      } catch (IOException e) {
        throw new ManagerException(ManagerException.Kind.IO, "cannot list " + dir + ": " + e, e);
      }
      inDir.sort(null);
      files.addAll(inDir);
    }
    Map<String, Handler> out = new LinkedHashMap<>();
    for (Path f : files) {
      String text = FileText.read(f).orElse("");
      TomlTable root = TomlDocument.parse(f.toString(), text).root();
      TomlTable runtimes = root.isTable(List.of("crio", "runtime", "runtimes"))
          ? root.getTable(List.of("crio", "runtime", "runtimes")) : null;
      if (runtimes == null) {
        continue;
      }
      for (String key : runtimes.keySet()) {
        if (runtimes.isTable(List.of(key))) {
          out.put(key, new Handler(key, runtimes.getTable(List.of(key)), f));
        }
      }
    }
    return out;
  }

  private Handler pickSource(Map<String, Handler> handlers) {
    Handler source = null;
    if (copyFrom.isPresent()) {
      source = handlers.get(copyFrom.get());
      if (source == null) {
        throw new ManagerException(ManagerException.Kind.NOT_FOUND, "no CRI-O handler '" + copyFrom.get()
            + "' to copy settings from (found " + handlers.keySet() + " in " + mainConfig + " and " + dir + ")");
      }
    } else {
      for (Handler h : handlers.values()) {
        String path = h.table().getString("runtime_path", () -> "");
        if (!h.name().equals(name) && "vm".equals(h.table().getString("runtime_type"))
            && (h.name().contains("kata") || path.contains("kata"))) {
          source = h;
          break;
        }
      }
    }
    if (source != null && source.file().getParent().equals(dir)
        && source.file().getFileName().toString().compareTo(dropIn().getFileName().toString()) >= 0) {
      throw new ManagerException(ManagerException.Kind.INVALID, "the drop-in " + dropIn().getFileName()
          + " would be read before " + source.file() + ", which it copies: choose a later name with --file-name");
    }
    return source;
  }

  private void linkWrapper(Path link, List<Change> changes) {
    if (!Files.isExecutable(wrapper)) {
      throw new ManagerException(ManagerException.Kind.NOT_FOUND, "katadbg's wrapper " + wrapper
          + " is missing or not executable: build katadbg (mvn package) or name it with --wrapper");
    }
    try {
      if (Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
        if (Files.exists(link) && Files.isSameFile(link, wrapper)) {
          return;
        }
        throw new ManagerException(ManagerException.Kind.CONFLICT, link + " already exists and is not "
            + wrapper + ": remove it, or link the wrapper elsewhere with --bin-dir");
      }
    } catch (IOException e) {
      throw new ManagerException(ManagerException.Kind.IO, "cannot inspect " + link + ": " + e, e);
    }
    changes.add(new Change.Symlink(link, wrapper));
  }

  static String quote(String s) {
    return "\"" + Toml.tomlEscape(s) + "\"";
  }

  private static String array(TomlArray a) {
    StringBuilder s = new StringBuilder("[");
    for (int i = 0; i < a.size(); i++) {
      s.append(i == 0 ? "" : ", ").append(quote(String.valueOf(a.get(i))));
    }
    return s.append(']').toString();
  }
}
