package dev.katadbg.run;

import dev.katadbg.session.Session;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What {@code katadbg run} was asked: the shim, whether to debug it, a bundle or a rootfs, the
 * container id and namespace, the command, a per-call deadline only if the user wants one, and
 * whether the container gets a terminal ({@code -t}).
 */
public record RunSpec(Path shim, boolean debug, Optional<Path> bundle, Optional<Path> rootfs,
    String id, String namespace, List<String> command, Optional<Duration> timeout,
    boolean tty) {
  public RunSpec {
    if (!shim.isAbsolute()) {
      throw new IllegalArgumentException("shim must be an absolute path, not " + shim);
    }
    if (bundle.isPresent() == rootfs.isPresent()) {
      throw new IllegalArgumentException("give exactly one of --bundle and --rootfs");
    }
    if (!Session.ID.matcher(id).matches() || !Session.ID.matcher(namespace).matches()) {
      throw new IllegalArgumentException("id and namespace must be letters and digits joined"
          + " by . _ or -, got '" + namespace + "/" + id + "'");
    }
    command = List.copyOf(command);
    if (rootfs.isPresent() && command.isEmpty()) {
      throw new IllegalArgumentException("no command: katadbg run --rootfs DIR -- COMMAND...");
    }
    if (bundle.isPresent() && !command.isEmpty()) {
      throw new IllegalArgumentException("a --bundle has its own command in config.json;"
          + " give no COMMAND");
    }
    bundle = bundle.map(Path::toAbsolutePath);
    rootfs = rootfs.map(Path::toAbsolutePath);
  }
}
