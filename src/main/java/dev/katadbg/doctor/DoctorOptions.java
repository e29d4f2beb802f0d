package dev.katadbg.doctor;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code katadbg doctor} examines.
 *
 * @param shim the real shim; empty means {@code [shim] binary} of katadbg's config
 * @param manager the runtime manager
 * @param runtimeClass the runtime class (containerd) or handler (CRI-O) name, e.g. katadbg
 * @param containerd the containerd binary ({@code config dump} is run with it)
 * @param containerdConfig containerd's main config file
 * @param crioConfig CRI-O's main file
 * @param crioDropInDir CRI-O's drop-in directory
 * @param env the environment (PATH, KATADBG_CONFIG)
 */
public record DoctorOptions(Optional<Path> shim, RuntimeManager manager, String runtimeClass,
    Path containerd, Path containerdConfig, Path crioConfig, Path crioDropInDir,
    Map<String, String> env) {
  public DoctorOptions {
    Objects.requireNonNull(shim, "shim");
    Objects.requireNonNull(manager, "manager");
    if (runtimeClass.isBlank()) {
      throw new IllegalArgumentException("runtime class name is empty");
    }
    Objects.requireNonNull(containerd, "containerd");
    Objects.requireNonNull(containerdConfig, "containerdConfig");
    Objects.requireNonNull(crioConfig, "crioConfig");
    Objects.requireNonNull(crioDropInDir, "crioDropInDir");
    env = Map.copyOf(env);
  }
}
