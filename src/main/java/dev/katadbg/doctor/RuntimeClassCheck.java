package dev.katadbg.doctor;

import dev.katadbg.hostconfig.ContainerdConfig;
import dev.katadbg.hostconfig.CrioConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The runtime class is in the configuration in force. For containerd that is what {@code
 * containerd config dump} reports, not what the files say: on 1.x an imported drop-in's plugin
 * section replaces the main file's, dropping runtime classes (katadbg's, or the default runc)
 * without a word in containerd's log.
 */
final class RuntimeClassCheck implements Check {
  @Override
  public String name() {
    return "runtime-class";
  }

  @Override
  public CheckResult run(Host host) {
    return switch (host.options().manager()) {
      case CONTAINERD -> containerd(host);
      case CRIO -> crio(host);
    };
  }

  private CheckResult containerd(Host host) {
    String name = host.options().runtimeClass();
    Path file = host.options().containerdConfig();
    var fact = host.containerdConfig();
    if (fact.value().isEmpty()) {
      return CheckResult.fail(name(), fact.why(), "correct " + file
          + " (containerd --config " + file + " config dump shows what containerd reads)");
    }
    ContainerdConfig c = fact.value().get();
    String table = "[plugins.\"" + c.criPlugin().get(1) + "\".containerd.runtimes." + name + "]";
    var runtimes = c.runtimes();
    var runtime = runtimes.get(name);
    if (runtime == null) {
      List<Path> declaredIn = declaredIn(file, c.imports(), "runtimes." + name);
      if (!declaredIn.isEmpty()) {
        String why = "runtime class " + name + " is written in " + declaredIn + " but missing"
            + " from containerd's effective config: on containerd 1.x a drop-in from imports"
            + " replaces the main file's whole plugin section";
        if (declaredIn.equals(List.of(file))) {
          return CheckResult.fail(name(), why, "move the CRI settings of the imported drop-ins"
              + " (" + c.imports() + ") into " + file + ", or repeat runtimes." + name
              + " and every other CRI setting in the drop-in, then restart containerd");
        }
        return CheckResult.fail(name(), why, "declare " + table + " in " + file + " itself,"
            + " beside the CRI section it extends (katadbg install does this), or repeat the"
            + " whole CRI section in the drop-in");
      }
      return CheckResult.fail(name(), "no runtime class " + name + " in containerd's effective"
          + " config (" + file + ")", "add to " + file + ": " + table + "  runtime_type = \""
          + Host.KATADBG_RUNTIME_TYPE + "\", then restart containerd (or: katadbg install)");
    }
    var dflt = c.defaultRuntimeName().orElse("runc");
    if (!runtimes.containsKey(dflt)) {
      return CheckResult.fail(name(), "runtime class " + name + " is there but the default"
          + " runtime " + dflt + " is gone from the effective config" + (c.imports().isEmpty()
          ? ": declaring runtimes." + name + " without runtimes." + dflt + " drops the built-in"
          : ": an imported drop-in replaced the main file's CRI section"),
          "declare runtimes." + dflt + " again next to runtimes." + name + " in " + file
              + " (katadbg install keeps it)");
    }
    String type = runtime.runtimeType();
    if (!type.equals(Host.KATADBG_RUNTIME_TYPE) && !type.endsWith("/containerd-shim-katadbg-v2")) {
      return CheckResult.fail(name(), "runtime class " + name + " has runtime_type \"" + type
          + "\", which does not start katadbg's wrapper", "set runtime_type = \""
          + Host.KATADBG_RUNTIME_TYPE + "\" in " + table);
    }
    if (c.isDisabled(c.criPlugin().get(1))) {
      return CheckResult.warn(name(), "runtime class " + name + " is configured, but the CRI"
          + " plugin is disabled: only ctr --runtime " + Host.KATADBG_RUNTIME_TYPE + " can use it",
          "remove \"" + c.criPlugin().get(1) + "\" from disabled_plugins in " + file
              + " for Kubernetes or crictl");
    }
    return CheckResult.ok(name(), "runtime class " + name + " (runtime_type " + type
        + ") in containerd's effective config");
  }

  /** Which of the main file and its imported drop-ins mention {@code needle}. */
  private static List<Path> declaredIn(Path main, List<String> imports, String needle) {
    java.util.Set<Path> files = new java.util.LinkedHashSet<>();
    files.add(main);
    for (String glob : imports) {
      // containerd lists the main file itself among the imports of its dump.
      Path g = main.resolveSibling(glob);
      Path dir = g.getParent();
      if (dir == null || !Files.isDirectory(dir)) {
        continue;
      }
      PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + g);
      try (Stream<Path> s = Files.list(dir)) {
        s.filter(m::matches).sorted().forEach(files::add);
      } catch (IOException e) {
        // An unreadable drop-in shows in containerd's own dump error; nothing to add here.
      }
    }
    List<Path> hits = new ArrayList<>();
    for (Path f : files) {
      try {
        if (Files.readString(f, StandardCharsets.UTF_8).contains(needle)) {
          hits.add(f);
        }
      } catch (IOException e) {
        // As above.
      }
    }
    return hits;
  }

  private CheckResult crio(Host host) {
    String name = host.options().runtimeClass();
    var fact = host.crioConfig();
    if (fact.value().isEmpty()) {
      return CheckResult.fail(name(), fact.why(), "correct the file named");
    }
    CrioConfig c = fact.value().get();
    var h = c.handler(name);
    Path dropIn = host.options().crioDropInDir().resolve("50-katadbg.conf");
    if (h.isEmpty()) {
      return CheckResult.fail(name(), "no CRI-O runtime handler " + name + " in "
          + (c.files().isEmpty() ? "any file" : c.files().toString()),
          "write " + dropIn + ": [crio.runtime.runtimes." + name + "] runtime_path = \"<path of"
              + " containerd-shim-katadbg-v2>\", runtime_type = \"vm\"; then systemctl reload crio");
    }
    String type = h.get().runtimeType().orElse("oci");
    if (!type.equals("vm")) {
      return CheckResult.fail(name(), "handler " + name + " in " + h.get().file()
          + " has runtime_type \"" + type + "\": a shim v2 needs \"vm\"",
          "set runtime_type = \"vm\" in [crio.runtime.runtimes." + name + "] of " + h.get().file());
    }
    return CheckResult.ok(name(), "CRI-O handler " + name + " (vm) from " + h.get().file());
  }
}
