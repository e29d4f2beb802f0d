package dev.katadbg.timeouts;

import dev.katadbg.config.GoDuration;
import dev.katadbg.hostconfig.CrioConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.tomlj.TomlParseResult;

/**
 * Plans the edits that raise the chain's timeouts for a debugging session. Files are edited
 * with tomlj, which re-writes everything it did not change byte for byte (comments, order,
 * indentation); only files that exist and only keys that matter are touched.
 */
public final class TimeoutRaiser {
  private TimeoutRaiser() {}

  /** One key's change. */
  public record Change(String key, String from, String to) {}

  /** One file's edit: its bytes before and after. */
  public record FileEdit(Path file, List<Change> changes, byte[] before, byte[] after) {
    public FileEdit {
      Objects.requireNonNull(file, "file");
      changes = List.copyOf(changes);
    }
  }

  /**
   * What a raise does.
   *
   * @param edits file edits, in chain order
   * @param restarts what must be restarted or reloaded for the edits to count
   * @param warnings what cannot be raised, with what to do instead
   */
  public record Plan(List<FileEdit> edits, List<String> restarts, List<String> warnings) {
    public Plan {
      edits = List.copyOf(edits);
      restarts = List.copyOf(restarts);
      warnings = List.copyOf(warnings);
    }
  }

  public static Plan plan(TimeoutPaths paths, Duration to) {
    if (to.isNegative() || to.isZero() || to.toSeconds() < 30) {
      throw new IllegalArgumentException("--to must be at least 30s (CRI-O's minimum), not "
          + GoDuration.format(to));
    }
    List<FileEdit> edits = new ArrayList<>();
    List<String> restarts = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    String goText = GoDuration.format(to);
    long seconds = to.toSeconds();

    Path cd = paths.containerdConfig();
    if (Files.isRegularFile(cd)) {
      TomlParseResult toml = TimeoutChain.parse(cd);
      List<Change> changes = new ArrayList<>();
      for (String key : Keys.CONTAINERD_RAISED) {
        List<String> k = List.of("timeouts", key);
        Object old = toml.get(k);
        if (!goText.equals(old)) {
          toml.set(k, goText);
          changes.add(new Change("[timeouts] " + key, old == null ? "(default)" : old.toString(),
              goText));
        }
      }
      addEdit(edits, cd, toml, changes);
      if (!changes.isEmpty()) {
        restarts.add("restart containerd (systemctl restart containerd) for " + cd
            + " — first continue or detach (katadbg stop) every shim halted in Delve");
      }
      warnings.add("containerd " + Keys.SHIM_LOAD + " (5s) is not raised: containerd loads"
          + " shims one by one as it starts, so a shim halted in Delve is declared dead after"
          + " it (raising it would stall containerd's start instead); continue or detach halted"
          + " shims before restarting containerd");
    }

    CrioConfig crio = CrioConfig.read(paths.crioConfig(), paths.crioDropInDir());
    var handler = crio.handler(paths.handler());
    if (handler.isPresent()) {
      Path f = handler.get().file();
      TomlParseResult toml = TimeoutChain.parse(f);
      List<String> k = List.of("crio", "runtime", "runtimes", paths.handler(), Keys.CRIO_CREATE);
      Object old = toml.get(k);
      List<Change> changes = new ArrayList<>();
      if (!Long.valueOf(seconds).equals(old)) {
        toml.set(k, seconds);
        changes.add(new Change("[crio.runtime.runtimes." + paths.handler() + "] "
            + Keys.CRIO_CREATE, old == null ? "(default 240)" : old.toString(), "" + seconds));
      }
      addEdit(edits, f, toml, changes);
      if (!changes.isEmpty()) {
        restarts.add("reload CRI-O (systemctl reload crio; CRI-O 1.25.1+ reloads handlers)");
      }
    }

    var kata = paths.kataConfig();
    if (kata.isPresent()) {
      TomlParseResult toml = TimeoutChain.parse(kata.get());
      List<Change> changes = new ArrayList<>();
      if (TimeoutChain.isRuntimeRs(toml)) {
        set(toml, Keys.RS_REQUEST, to.toMillis(), changes);
        set(toml, Keys.RS_RECONNECT, to.toMillis(), changes);
      } else {
        set(toml, Keys.KATA_DIAL, seconds, changes);
        set(toml, Keys.KATA_CREATE, seconds, changes);
      }
      addEdit(edits, kata.get(), toml, changes);
      warnings.add("Kata's VM start wait (10s) and health monitor (5s) are hard-coded: halt"
          + " the shim only after the sandbox is up, and keep halts short");
    }
    restarts.add("kubelet: set runtimeRequestTimeout: " + goText + " in its config file and"
        + " restart kubelet; crictl: pass -T " + goText);
    return new Plan(edits, restarts, warnings);
  }

  private static void set(TomlParseResult toml, List<String> key, long value,
      List<Change> changes) {
    Object old = toml.get(key);
    if (!Long.valueOf(value).equals(old)) {
      toml.set(key, value);
      changes.add(new Change("[" + String.join(".", key.subList(0, key.size() - 1)) + "] "
          + key.get(key.size() - 1), old == null ? "(default)" : old.toString(), "" + value));
    }
  }

  private static void addEdit(List<FileEdit> edits, Path file, TomlParseResult toml,
      List<Change> changes) {
    if (changes.isEmpty()) {
      return;
    }
    try {
      byte[] before = Files.readAllBytes(file);
      edits.add(new FileEdit(file, changes, before, toml.toToml().getBytes(StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new dev.katadbg.hostconfig.HostConfigException("cannot read " + file + ": "
          + e.getMessage(), e);
    }
  }
}
