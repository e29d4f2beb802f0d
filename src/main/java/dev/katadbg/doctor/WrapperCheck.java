package dev.katadbg.doctor;

import dev.katadbg.hostconfig.ContainerdConfig;
import dev.katadbg.hostconfig.CrioConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The wrapper is where the runtime manager will look for it. containerd 1.6 turns runtime_type
 * {@code io.containerd.NAME.v2} into {@code containerd-shim-NAME-v2} and looks it up on its PATH
 * (with the opt plugin's {@code <path>/bin} first), then beside the containerd binary; an
 * absolute runtime_type is the binary itself. CRI-O runs a vm handler's {@code runtime_path},
 * whose file name must be {@code containerd-shim-*}.
 */
final class WrapperCheck implements Check {
  /** Debian's opt plugin path when the config does not name one. */
  static final Path DEFAULT_OPT = Path.of("/var/lib/containerd/opt");

  @Override
  public String name() {
    return "wrapper";
  }

  @Override
  public CheckResult run(Host host) {
    return switch (host.options().manager()) {
      case CONTAINERD -> containerd(host);
      case CRIO -> crio(host);
    };
  }

  /**
   * The wrapper of the katadbg that runs this check (its launcher passes katadbg.home), so that
   * a fix names the file that exists, be it under target/ or an installed copy.
   */
  static Path installedWrapper() {
    return Optional.ofNullable(System.getProperty("katadbg.home"))
        .map(h -> Path.of(h).toAbsolutePath().normalize())
        .orElse(Path.of("/usr/local/lib/katadbg"))
        .resolve("bin/containerd-shim-katadbg-v2");
  }

  static Optional<String> binaryName(String runtimeType) {
    String[] parts = runtimeType.split("\\.");
    if (parts.length < 2) {
      return Optional.empty();
    }
    return Optional.of("containerd-shim-" + parts[parts.length - 2] + "-" + parts[parts.length - 1]);
  }

  private CheckResult containerd(Host host) {
    Optional<ContainerdConfig> c = host.containerdConfig().value();
    String type = c.map(ContainerdConfig::runtimes)
        .map(r -> r.get(host.options().runtimeClass()))
        .map(ContainerdConfig.Runtime::runtimeType).filter(t -> !t.isEmpty())
        .orElse(Host.KATADBG_RUNTIME_TYPE);
    if (type.startsWith("/")) {
      Path p = Path.of(type);
      return Files.isExecutable(p) ? CheckResult.ok(name(), p + " (absolute runtime_type)")
          : CheckResult.fail(name(), "runtime_type " + p + " does not exist or is not executable",
              "install the wrapper there: ln -s " + installedWrapper() + " " + p);
    }
    Optional<String> bin = binaryName(type);
    if (bin.isEmpty()) {
      return CheckResult.fail(name(), "runtime_type \"" + type + "\" names no shim binary",
          "set runtime_type = \"" + Host.KATADBG_RUNTIME_TYPE + "\"");
    }
    List<Path> dirs = new ArrayList<>();
    Optional<Path> opt = c.isPresent() ? c.get().optPath()
        .or(() -> c.get().isDisabled("io.containerd.internal.v1.opt") ? Optional.empty()
            : Optional.of(DEFAULT_OPT)) : Optional.of(DEFAULT_OPT);
    opt.ifPresent(o -> dirs.add(o.resolve("bin")));
    for (String d : host.options().env().getOrDefault("PATH", "").split(":")) {
      if (!d.isEmpty()) {
        dirs.add(Path.of(d));
      }
    }
    host.containerdBinary().value().map(Path::getParent).ifPresent(dirs::add);
    for (Path d : dirs) {
      Path p = d.resolve(bin.get());
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return CheckResult.ok(name(), type + " -> " + p);
      }
    }
    Path target = opt.map(o -> o.resolve("bin")).orElse(Path.of("/usr/local/bin"));
    return CheckResult.fail(name(), bin.get() + " (for runtime_type " + type + ") is not in "
        + dirs, "ln -s " + installedWrapper() + " " + target.resolve(bin.get())
        + " (containerd caches the lookup: restart it after adding the wrapper)");
  }

  private CheckResult crio(Host host) {
    String name = host.options().runtimeClass();
    Optional<CrioConfig.Handler> h = host.crioConfig().value().flatMap(c -> c.handler(name));
    if (h.isEmpty()) {
      return CheckResult.fail(name(), "no CRI-O handler " + name + " names the wrapper",
          "add [crio.runtime.runtimes." + name + "] runtime_path = \"/usr/local/bin/"
              + "containerd-shim-katadbg-v2\" with runtime_type = \"vm\"");
    }
    if (h.get().runtimePath().isEmpty()) {
      return CheckResult.fail(name(), "handler " + name + " in " + h.get().file()
          + " has no runtime_path", "set runtime_path = \"/usr/local/bin/containerd-shim-katadbg-v2\"");
    }
    Path p = Path.of(h.get().runtimePath().get());
    if (!CrioConfig.VM_BINARY_NAME.matcher(p.getFileName().toString()).matches()) {
      return CheckResult.fail(name(), "runtime_path " + p + ": CRI-O requires a vm runtime's file"
          + " name to match " + CrioConfig.VM_BINARY_NAME.pattern(),
          "point runtime_path at a link named containerd-shim-katadbg-v2");
    }
    if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
      return CheckResult.fail(name(), "runtime_path " + p + " does not exist or is not executable",
          "ln -s " + installedWrapper() + " " + p);
    }
    return CheckResult.ok(name(), "CRI-O handler " + name + " -> " + p);
  }
}
