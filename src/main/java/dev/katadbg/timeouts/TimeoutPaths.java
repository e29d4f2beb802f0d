package dev.katadbg.timeouts;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The files the timeout chain is read from and written to. Flags, so tests and unusual hosts
 * use their own files.
 *
 * @param containerd the containerd binary, for {@code config dump}
 * @param containerdConfig containerd's main config file
 * @param crioConfig CRI-O's main file
 * @param crioDropInDir CRI-O's drop-in directory
 * @param kataConfigs Kata's configuration.toml candidates; the first that exists is in force
 *     (Kata's own order: /etc/kata-containers, then /usr/share/defaults/kata-containers)
 * @param handler the runtime class / CRI-O handler whose timeout matters
 */
public record TimeoutPaths(Path containerd, Path containerdConfig, Path crioConfig,
    Path crioDropInDir, List<Path> kataConfigs, String handler) {

  public static final List<Path> DEFAULT_KATA_CONFIGS = List.of(
      Path.of("/etc/kata-containers/configuration.toml"),
      Path.of("/usr/share/defaults/kata-containers/configuration.toml"));

  public TimeoutPaths {
    Objects.requireNonNull(containerd, "containerd");
    Objects.requireNonNull(containerdConfig, "containerdConfig");
    Objects.requireNonNull(crioConfig, "crioConfig");
    Objects.requireNonNull(crioDropInDir, "crioDropInDir");
    kataConfigs = List.copyOf(kataConfigs);
    Objects.requireNonNull(handler, "handler");
  }

  /** The Kata configuration in force, if any exists. */
  public Optional<Path> kataConfig() {
    return kataConfigs.stream().filter(Files::isRegularFile).findFirst();
  }
}
