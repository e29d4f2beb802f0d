package dev.katadbg.doctor;

import dev.katadbg.config.KatadbgConfig;
import dev.katadbg.delve.DelveGoSupport;
import dev.katadbg.delve.Semver;
import dev.katadbg.elf.ElfBinary;
import dev.katadbg.hostconfig.ContainerdConfig;
import dev.katadbg.hostconfig.CrioConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What the checks learn about the host, each fact computed once per doctor run (several checks
 * need the same dlv version or ELF file) and kept with its failure, so a check that depends on
 * a missing fact can say why in its own words.
 */
public final class Host {
  static final Duration TOOL_TIMEOUT = Duration.ofSeconds(20);
  static final String KATADBG_RUNTIME_TYPE = "io.containerd.katadbg.v2";

  private final DoctorOptions options;
  private final Map<String, Object> memo = new HashMap<>();

  public Host(DoctorOptions options) {
    this.options = options;
  }

  public DoctorOptions options() {
    return options;
  }

  /** A fact, or why it could not be established. */
  public sealed interface Fact<T> {
    record Known<T>(T known) implements Fact<T> {}

    record Unknown<T>(String why) implements Fact<T> {}

    default Optional<T> value() {
      return this instanceof Known<T> k ? Optional.of(k.known()) : Optional.empty();
    }

    default String why() {
      return this instanceof Unknown<T> u ? u.why() : "";
    }
  }

  @SuppressWarnings("unchecked")
  private <T> Fact<T> once(String key, Supplier<T> compute) {
    // Not computeIfAbsent: facts depend on other facts, and that map may not be re-entered.
    Fact<T> fact = (Fact<T>) memo.get(key);
    if (fact == null) {
      try {
        fact = new Fact.Known<>(compute.get());
      } catch (RuntimeException e) {
        fact = new Fact.Unknown<>(e.getMessage());
      }
      memo.put(key, fact);
    }
    return fact;
  }

  /** katadbg's own config, as the wrapper will load it. */
  public Fact<KatadbgConfig> config() {
    return once("config", () -> KatadbgConfig.load(options.env()));
  }

  /** Which file the config comes from (for messages). */
  public String configFile() {
    String explicit = options.env().get(KatadbgConfig.ENV);
    return explicit != null && !explicit.isEmpty() ? explicit : KatadbgConfig.DEFAULT_PATH;
  }

  /** The dlv the wrapper will run: [debugger] path, looked up on PATH when it is a bare name. */
  public Fact<Path> dlv() {
    return once("dlv", () -> {
      String configured = config().value().map(c -> c.debugger().path()).orElse("dlv");
      if (configured.contains("/")) {
        Path p = Path.of(configured);
        if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
          throw new IllegalStateException("dlv not found at " + p + " ([debugger] path)");
        }
        return p;
      }
      String path = options.env().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
      return onPath(path, configured).orElseThrow(() -> new IllegalStateException(
          configured + " not found on PATH (" + path + ")"));
    });
  }

  /** The version {@code dlv version} prints. */
  public Fact<Semver> dlvVersion() {
    return once("dlvVersion", () -> {
      Path dlv = dlv().value().orElseThrow(() -> new IllegalStateException(dlv().why()));
      try {
        return DelveGoSupport.version(dlv, TOOL_TIMEOUT);
      } catch (IOException e) {
        throw new IllegalStateException(e.getMessage(), e);
      }
    });
  }

  /** The real shim: --shim, else [shim] binary. */
  public Fact<Path> shim() {
    return once("shim", () -> {
      Path p = options.shim().orElseGet(() -> config().value().flatMap(KatadbgConfig::shimBinary)
          .orElseThrow(() -> new IllegalStateException("no shim given: pass --shim BINARY or set"
              + " [shim] binary in " + configFile())));
      if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
        throw new IllegalStateException("shim binary " + p + " does not exist or is not executable");
      }
      return p;
    });
  }

  /** The shim's ELF headers and Go build info. */
  public Fact<ElfBinary> shimElf() {
    return once("shimElf", () -> {
      Path p = shim().value().orElseThrow(() -> new IllegalStateException(shim().why()));
      try {
        return ElfBinary.read(p.toRealPath());
      } catch (IOException e) {
        throw new IllegalStateException("cannot read " + p + " as ELF: " + e.getMessage(), e);
      }
    });
  }

  /**
   * The debugger the wrapper will hand this shim to: [debugger] kind, or with "auto" Delve for
   * a Go binary (it has Go build info) and gdb for any other.
   */
  public Fact<KatadbgConfig.Kind> debuggerKind() {
    return once("debuggerKind", () -> {
      return config().value().map(c -> c.debugger().kind()).orElse(KatadbgConfig.Kind.AUTO)
          .resolve(() -> shimElf().value().orElseThrow(() -> new IllegalStateException(
              "kind = \"auto\" decides by the shim's binary: " + shimElf().why()))
              .goBuildInfo().isPresent());
    });
  }

  /** gdb as the wrapper and {@code katadbg connect} will run it ([debugger] gdb). */
  public Fact<Path> gdb() {
    return once("gdb", () -> tool(config().value().map(c -> c.debugger().gdb()).orElse("gdb"),
        "[debugger] gdb"));
  }

  /** gdbserver as the wrapper will run it ([debugger] gdbserver). */
  public Fact<Path> gdbserver() {
    return once("gdbserver", () -> tool(config().value().map(c -> c.debugger().gdbserver())
        .orElse("gdbserver"), "[debugger] gdbserver"));
  }

  private Path tool(String configured, String key) {
    String path = options.env().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    return dev.katadbg.files.Executables.find(configured, path).orElseThrow(() ->
        new IllegalStateException(configured.contains("/")
            ? configured + " not found (" + key + ")"
            : configured + " not found on PATH (" + path + ")"));
  }

  /** containerd's effective config (its own {@code config dump}). */
  public Fact<ContainerdConfig> containerdConfig() {
    return once("containerd", () -> {
      Path bin = containerdBinary().value().orElseThrow(
          () -> new IllegalStateException(containerdBinary().why()));
      if (!Files.isRegularFile(options.containerdConfig())) {
        throw new IllegalStateException("containerd config " + options.containerdConfig()
            + " does not exist");
      }
      return ContainerdConfig.dump(bin, options.containerdConfig(), TOOL_TIMEOUT);
    });
  }

  /** The containerd binary: --containerd as a path, or looked up on PATH. */
  public Fact<Path> containerdBinary() {
    return once("containerdBinary", () -> {
      String c = options.containerd().toString();
      if (c.contains("/")) {
        if (!Files.isExecutable(options.containerd())) {
          throw new IllegalStateException("containerd not found at " + c);
        }
        return options.containerd();
      }
      String path = options.env().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
      return onPath(path, c).orElseThrow(() -> new IllegalStateException(
          "containerd not found on PATH (" + path + ")"));
    });
  }

  /** CRI-O's merged runtime handlers. */
  public Fact<CrioConfig> crioConfig() {
    return once("crio", () -> CrioConfig.read(options.crioConfig(), options.crioDropInDir()));
  }

  static Optional<Path> onPath(String path, String name) {
    for (String d : path.split(":")) {
      if (!d.isEmpty()) {
        Path p = Path.of(d, name);
        if (Files.isRegularFile(p) && Files.isExecutable(p)) {
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }

}
