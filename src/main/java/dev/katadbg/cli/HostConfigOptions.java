package dev.katadbg.cli;

import dev.katadbg.hostconfig.ContainerdConfig;
import dev.katadbg.hostconfig.CrioConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the runtime managers' configs are; flags so tests and odd hosts can name their own. */
final class HostConfigOptions {
  @Option(names = "--containerd", paramLabel = "BINARY",
      description = "containerd binary, for its config dump (default: ${DEFAULT-VALUE} on PATH).")
  Path containerd = Path.of("containerd");

  @Option(names = "--containerd-config", paramLabel = "FILE",
      description = "containerd's config (default: ${DEFAULT-VALUE}).")
  Path containerdConfig = ContainerdConfig.DEFAULT_PATH;

  @Option(names = "--crio-config", paramLabel = "FILE",
      description = "CRI-O's main config (default: ${DEFAULT-VALUE}).")
  Path crioConfig = CrioConfig.DEFAULT_CONFIG;

  @Option(names = "--crio-config-dir", paramLabel = "DIR",
      description = "CRI-O's drop-in directory (default: ${DEFAULT-VALUE}).")
  Path crioDir = CrioConfig.DEFAULT_DROP_IN_DIR;
}
