package dev.katadbg.timeouts;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * One link of the timeout chain kubelet → CRI → runtime manager → shim → agent, with the value
 * in force on this host.
 *
 * @param component who enforces it (kubelet, crictl, containerd, cri-o, kata, kata-rs)
 * @param key the setting's name as written in its file or flag
 * @param value the value in force, as the component writes it (e.g. {@code 5s}, {@code 240})
 * @param source where the value comes from
 * @param file the file read, when the value lives in one on this host
 * @param where how to change it (or what to do when it cannot be changed)
 */
public record TimeoutSetting(String component, String key, String value, Source source,
    Optional<Path> file, String where) {

  /** Where a value comes from. */
  public enum Source {
    /** Written in the file named. */
    FILE,
    /** Not written: the component's default. */
    DEFAULT,
    /** Not on this host's files (kubelet, crictl): the value to use is given. */
    ELSEWHERE,
    /** Compiled in; no setting changes it. */
    HARD_CODED
  }

  public TimeoutSetting {
    Objects.requireNonNull(component, "component");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(where, "where");
  }
}
