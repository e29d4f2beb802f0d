package dev.katadbg.manager;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * containerd's mapping from a {@code runtime_type} to a shim binary: {@code io.containerd.NAME.vN}
 * is {@code containerd-shim-NAME-vN}, looked up on containerd's PATH (its opt plugin's
 * {@code <path>/bin} first); an absolute {@code runtime_type} is the binary itself.
 */
public final class ShimNames {
  private static final Pattern TYPE = Pattern.compile("io\\.containerd\\.([^.]+(?:\\.[^.]+)*)\\.(v\\d+)");

  private ShimNames() {}

  /** {@code io.containerd.katadbg.v2} → {@code containerd-shim-katadbg-v2}. */
  public static Optional<String> binaryName(String runtimeType) {
    if (runtimeType.startsWith("/")) {
      return Optional.of(Path.of(runtimeType).getFileName().toString());
    }
    Matcher m = TYPE.matcher(runtimeType);
    if (!m.matches()) {
      return Optional.empty();
    }
    return Optional.of("containerd-shim-" + m.group(1).replace('.', '-') + "-" + m.group(2));
  }

  /** The first executable {@code name} in {@code dirs}. */
  public static Optional<Path> find(String name, List<Path> dirs) {
    for (Path dir : dirs) {
      Path candidate = dir.resolve(name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate.toAbsolutePath());
      }
    }
    return Optional.empty();
  }
}
