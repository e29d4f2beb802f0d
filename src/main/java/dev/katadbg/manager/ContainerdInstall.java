package dev.katadbg.manager;

import dev.katadbg.elf.ElfBinary;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Plans {@code katadbg install containerd}: the runtime class in containerd's config, the
 * wrapper linked where containerd's lookup of {@code runtime_type} finds it, and {@code [shim]
 * binary} in katadbg's config.
 *
 * <p>The wrapper is found by name, not through {@code runtime_path}: containerd 1.6.20 parses
 * {@code runtime_path} but ignores it (fixed in 1.6.21), so a link named after the runtime type
 * in a directory on containerd's PATH (or its {@code <opt>/bin}) is what works everywhere.
 *
 * @param config containerd's config.toml
 * @param shim the real shim to debug; empty keeps the one in katadbg's config, else uses the
 *     binary of the runtime class the settings are copied from
 * @param binDir where the wrapper is linked; must be on containerd's PATH or be its opt bin dir
 * @param wrapper the installed {@code containerd-shim-katadbg-v2} launcher
 * @param katadbgConfig katadbg's config file, which the wrapper reads
 * @param defaultVersion the config version for a new file (2: containerd 1.x, 3: 2.x)
 * @param shimSearchPath where to look for a shim named by a runtime type
 */
public record ContainerdInstall(Path config, RuntimeClassRequest request, Optional<Path> shim, Path binDir,
    Path wrapper, Path katadbgConfig, int defaultVersion, List<Path> shimSearchPath) {

  public ContainerdInstall {
    config = config.toAbsolutePath();
    binDir = binDir.toAbsolutePath();
    wrapper = wrapper.toAbsolutePath();
    katadbgConfig = katadbgConfig.toAbsolutePath();
    shimSearchPath = List.copyOf(shimSearchPath);
    if (defaultVersion != 2 && defaultVersion != 3) {
      throw new IllegalArgumentException("config version must be 2 or 3, not " + defaultVersion);
    }
  }

  public static final String KIND = "containerd";

  public Plan plan() {
    List<Change> changes = new ArrayList<>();
    List<String> notes = new ArrayList<>();

    Optional<String> before = FileText.read(config);
    ContainerdConfigEdit.Result edit =
        ContainerdConfigEdit.addRuntimeClass(config.toString(), before, request, defaultVersion);
    if (!before.equals(Optional.of(edit.text()))) {
      changes.add(new Change.FileWrite(config, before, edit.text()));
    }
    String section = ContainerdConfigEdit.headerOf(ContainerdConfigEdit.runtimesPath(edit.configVersion()));
    edit.copiedFrom().ifPresent(c -> notes.add("copied the settings of runtime class '" + c.name() + "' ("
        + c.runtimeType() + ") into '" + request.name() + "'"));
    if (edit.addedRunc()) {
      notes.add("wrote out the default runtime 'runc' too: a config that declares any runtime class"
          + " without runc loses containerd's built-in one");
    }
    notes.addAll(importWarnings(edit));

    linkWrapper(changes, notes);

    Optional<String> kconfText = FileText.read(katadbgConfig);
    Optional<String> configured = KatadbgConfigEdit.shimBinary(katadbgConfig, kconfText);
    Path realShim = shim.map(Path::toAbsolutePath)
        .or(() -> configured.map(Path::of))
        .or(() -> edit.copiedFrom().flatMap(this::shimOf))
        // No runtime classes in the file: containerd's built-in runc is what runs today.
        .or(() -> edit.addedRunc() ? shimOf(new ContainerdConfigEdit.SourceClass(ContainerdConfigEdit.RUNC,
            ContainerdConfigEdit.RUNC_TYPE, Optional.empty())) : Optional.empty())
        .orElseThrow(() -> new ManagerException(ManagerException.Kind.NOT_FOUND,
            "no real shim to debug: name it with --shim /path/to/containerd-shim-NAME-v2 (a build with -gcflags=all=-N -l)"));
    if (realShim.equals(wrapper) || realShim.getFileName().toString().equals(wrapperName())) {
      throw new ManagerException(ManagerException.Kind.INVALID, "the real shim cannot be katadbg's own wrapper "
          + realShim + ": name the shim to debug with --shim");
    }
    String kconf = KatadbgConfigEdit.withShimBinary(katadbgConfig, kconfText, realShim);
    if (!kconfText.equals(Optional.of(kconf))) {
      changes.add(new Change.FileWrite(katadbgConfig, kconfText, kconf));
    }
    notes.addAll(shimWarnings(realShim));
    if (!changes.isEmpty()) {
      notes.add("restart containerd to load " + section + "." + request.name());
    }
    return new Plan(KIND, config, changes, notes);
  }

  private String wrapperName() {
    return ShimNames.binaryName(request.runtimeType()).orElseThrow(() -> new ManagerException(
        ManagerException.Kind.INVALID, "runtime type '" + request.runtimeType()
            + "' does not name a shim (io.containerd.NAME.vN or an absolute path)"));
  }

  private void linkWrapper(List<Change> changes, List<String> notes) {
    if (request.runtimeType().startsWith("/")) {
      notes.add("runtime_type is the absolute path " + request.runtimeType() + ": no link installed");
      return;
    }
    if (!Files.isExecutable(wrapper)) {
      throw new ManagerException(ManagerException.Kind.NOT_FOUND, "katadbg's wrapper " + wrapper
          + " is missing or not executable: build katadbg (mvn package) or name it with --wrapper");
    }
    Path link = binDir.resolve(wrapperName());
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
    // A link, not a copy: the launcher finds its jars relative to its real path.
    changes.add(new Change.Symlink(link, wrapper));
  }

  /** The binary a runtime class runs: its runtime_path, else its runtime_type looked up. */
  private Optional<Path> shimOf(ContainerdConfigEdit.SourceClass c) {
    if (c.runtimePath().isPresent()) {
      return c.runtimePath().map(Path::of);
    }
    if (c.runtimeType().startsWith("/")) {
      return Optional.of(Path.of(c.runtimeType()));
    }
    return ShimNames.binaryName(c.runtimeType()).flatMap(n -> ShimNames.find(n, shimSearchPath));
  }

  private static List<String> shimWarnings(Path shim) {
    if (!Files.isExecutable(shim)) {
      return List.of("warning: the real shim " + shim + " does not exist or is not executable yet; containers"
          + " under '" + "katadbg" + "' fail until it does");
    }
    try {
      if (!ElfBinary.read(shim).hasDwarf()) {
        return List.of("warning: the real shim " + shim + " has no DWARF debug info: the wrapper refuses it;"
            + " rebuild it with -gcflags=all=-N -l and run install again with --shim");
      }
    } catch (IOException | RuntimeException e) {
      return List.of("warning: cannot read " + shim + " as an ELF binary: " + e.getMessage());
    }
    return List.of("debugging the real shim " + shim);
  }

  /**
   * On containerd 1.x an imported file that has the CRI plugin section replaces this file's
   * section, runtime class included.
   */
  private List<String> importWarnings(ContainerdConfigEdit.Result edit) {
    if (edit.configVersion() >= 3) {
      return List.of();
    }
    List<String> warnings = new ArrayList<>();
    List<String> plugin = ContainerdConfigEdit.runtimesPath(edit.configVersion()).subList(0, 2);
    for (String pattern : edit.imports()) {
      for (Path file : glob(config.getParent(), pattern)) {
        Optional<String> text = FileText.read(file);
        if (text.isPresent() && TomlDocument.parse(file.toString(), text.get()).root().contains(plugin)) {
          warnings.add("warning: " + file + " (imported) sets " + ContainerdConfigEdit.headerOf(plugin)
              + ", which on containerd 1.x replaces this file's whole section, '" + request.name()
              + "' and runc included: move that file's settings into " + config + " or add the class there");
        }
      }
    }
    return warnings;
  }

  private static List<Path> glob(Path base, String pattern) {
    Path p = base.resolve(pattern);
    List<Path> out = new ArrayList<>();
    if (!pattern.contains("*") && !pattern.contains("?") && !pattern.contains("[")) {
      if (Files.isRegularFile(p)) {
        out.add(p);
      }
      return out;
    }
    Path dir = p.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, p.getFileName().toString())) {
      for (Path f : stream) {
        if (Files.isRegularFile(f)) {
          out.add(f);
        }
      }
    } catch (IOException e) {
      // An unreadable import directory is containerd's problem to report; skip the check.
    }
    out.sort(null);
    return out;
  }
}
