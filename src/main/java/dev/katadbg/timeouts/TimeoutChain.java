package dev.katadbg.timeouts;

import dev.katadbg.hostconfig.ContainerdConfig;
import dev.katadbg.hostconfig.CrioConfig;
import dev.katadbg.hostconfig.HostConfigException;
import dev.katadbg.timeouts.TimeoutSetting.Source;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tomlj.Toml;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

/**
 * Reads the timeout chain of notes/runtime-managers.md from this host's files: each timeout
 * that can end a debugging session while the shim is halted, with the value in force.
 */
public final class TimeoutChain {
  static final Duration DUMP_TIMEOUT = Duration.ofSeconds(20);

  private TimeoutChain() {}

  /** Every link of the chain, kubelet first. */
  public static List<TimeoutSetting> read(TimeoutPaths paths) {
    List<TimeoutSetting> out = new ArrayList<>();
    out.add(new TimeoutSetting("kubelet", "runtimeRequestTimeout", "2m (default)",
        Source.ELSEWHERE, Optional.empty(), "kubelet config file (runtimeRequestTimeout) or"
            + " --runtime-request-timeout; RunPodSandbox gets twice it; restart kubelet"));
    out.add(new TimeoutSetting("crictl", "--timeout / -T", "2s (runp 4s)", Source.ELSEWHERE,
        Optional.empty(), "crictl -T DURATION per command, or timeout: SECONDS in"
            + " /etc/crictl.yaml"));
    containerd(paths, out);
    crio(paths, out);
    kata(paths, out);
    out.add(new TimeoutSetting("kata", "VM start wait", "10s", Source.HARD_CODED,
        Optional.empty(), "cannot be raised: do not halt the shim between starting the VM and"
            + " the agent's first answer; break after CreateSandbox returns"));
    out.add(new TimeoutSetting("kata", "health monitor", "5s interval", Source.HARD_CODED,
        Optional.empty(), "cannot be raised: a failed agent check stops the sandbox; keep"
            + " halts short, or break in code that runs after the sandbox is up"));
    return out;
  }

  private static void containerd(TimeoutPaths paths, List<TimeoutSetting> out) {
    Path file = paths.containerdConfig();
    Map<String, String> raw = Map.of();
    Map<String, String> effective = Map.of();
    boolean exists = Files.isRegularFile(file);
    if (exists) {
      raw = rawTimeouts(file);
      effective = raw;
      if (Files.isExecutable(paths.containerd())) {
        effective = ContainerdConfig.dump(paths.containerd(), file, DUMP_TIMEOUT).timeouts();
      }
    }
    for (String[] k : Keys.CONTAINERD) {
      String inForce = effective.getOrDefault(k[0], k[1]);
      boolean written = raw.containsKey(k[0]) || !inForce.equals(k[1]);
      String where = k[0].equals(Keys.SHIMSTATS)
          ? "[timeouts] of " + file + " (containerd 1.7+; 1.6 has no such timeout)"
          : k[0].equals(Keys.SHIM_LOAD)
          ? "[timeouts] of " + file + "; raising it delays containerd's start by that much per"
              + " halted shim: continue or detach shims before restarting containerd instead"
          : "[timeouts] of " + file + "; restart containerd";
      out.add(new TimeoutSetting("containerd", k[0], inForce,
          written ? Source.FILE : Source.DEFAULT, exists ? Optional.of(file) : Optional.empty(),
          where));
    }
  }

  static Map<String, String> rawTimeouts(Path file) {
    TomlParseResult toml = parse(file);
    TomlTable t = toml.getTable("timeouts");
    Map<String, String> out = new java.util.LinkedHashMap<>();
    if (t != null) {
      for (String k : t.keySet()) {
        out.put(k, String.valueOf(t.get(List.of(k))));
      }
    }
    return out;
  }

  static TomlParseResult parse(Path file) {
    try {
      TomlParseResult r = Toml.parse(file);
      if (r.hasErrors()) {
        throw new HostConfigException(file + ": " + r.errors().get(0).toString());
      }
      return r;
    } catch (java.io.IOException e) {
      throw new HostConfigException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static void crio(TimeoutPaths paths, List<TimeoutSetting> out) {
    CrioConfig crio = CrioConfig.read(paths.crioConfig(), paths.crioDropInDir());
    if (crio.files().isEmpty()) {
      return;
    }
    var h = crio.handler(paths.handler());
    if (h.isEmpty()) {
      out.add(new TimeoutSetting("cri-o", "[crio.runtime.runtimes." + paths.handler() + "] "
          + Keys.CRIO_CREATE, CrioConfig.DEFAULT_CREATE_TIMEOUT_SECONDS + " (no such handler)",
          Source.DEFAULT, Optional.empty(), "define the handler first (katadbg doctor"
              + " --runtime-manager crio)"));
      return;
    }
    var v = h.get().createTimeoutSeconds();
    out.add(new TimeoutSetting("cri-o", "[crio.runtime.runtimes." + paths.handler() + "] "
        + Keys.CRIO_CREATE, String.valueOf(v.orElse(CrioConfig.DEFAULT_CREATE_TIMEOUT_SECONDS)),
        v.isPresent() ? Source.FILE : Source.DEFAULT, Optional.of(h.get().file()),
        "seconds, in " + h.get().file() + " (the effective limit is the smaller of this and"
            + " kubelet's); systemctl reload crio"));
  }

  private static void kata(TimeoutPaths paths, List<TimeoutSetting> out) {
    Optional<Path> file = paths.kataConfig();
    if (file.isEmpty()) {
      return;
    }
    TomlParseResult toml = parse(file.get());
    if (isRuntimeRs(toml)) {
      add(out, "kata-rs", toml, file.get(), Keys.RS_REQUEST, Keys.RS_REQUEST_DEFAULT, "ms");
      add(out, "kata-rs", toml, file.get(), Keys.RS_RECONNECT, Keys.RS_RECONNECT_DEFAULT, "ms");
    } else {
      add(out, "kata", toml, file.get(), Keys.KATA_DIAL, Keys.KATA_DIAL_DEFAULT, "seconds");
      add(out, "kata", toml, file.get(), Keys.KATA_CREATE, Keys.KATA_CREATE_DEFAULT, "seconds");
    }
  }

  /** runtime-rs names its agent timeouts in milliseconds; the Go runtime has none of them. */
  static boolean isRuntimeRs(TomlTable toml) {
    return toml.contains(Keys.RS_REQUEST) || toml.contains(Keys.RS_RECONNECT)
        || toml.contains(List.of("agent", "kata", "dial_timeout_ms"));
  }

  private static void add(List<TimeoutSetting> out, String component, TomlTable toml, Path file,
      List<String> key, String dflt, String unit) {
    Object v = toml.get(key);
    String table = "[" + String.join(".", key.subList(0, key.size() - 1)) + "] "
        + key.get(key.size() - 1);
    out.add(new TimeoutSetting(component, table, v == null ? dflt : String.valueOf(v),
        v == null ? Source.DEFAULT : Source.FILE, Optional.of(file),
        unit + ", in " + file + "; read by each new sandbox"));
  }
}
