package dev.katadbg.testenv;

import java.nio.file.Path;

/**
 * The config.toml of a private containerd: every path it writes to or listens on is its own,
 * so it runs beside the machine's containerd (and other tests' ones) without sharing state.
 *
 * @param cri whether the CRI plugin runs; off by default because it opens a TCP stream port,
 *     scans CNI config and is not needed by {@code ctr run --rootfs}
 */
record ContainerdConfig(Path root, Path state, Path grpcSocket, Path ttrpcSocket, Path opt, boolean cri) {

  static final String CRI_PLUGIN = "io.containerd.grpc.v1.cri";

  String toToml() {
    StringBuilder toml = new StringBuilder();
    toml.append("# Written by dev.katadbg.testenv.PrivateContainerd for one test run.\n")
        .append("version = 2\n")
        .append("root = ").append(quote(root)).append('\n')
        .append("state = ").append(quote(state)).append('\n')
        .append("disabled_plugins = [").append(cri ? "" : quote(CRI_PLUGIN)).append("]\n")
        .append('\n')
        .append("[grpc]\n")
        .append("  address = ").append(quote(grpcSocket)).append('\n')
        .append('\n')
        .append("[ttrpc]\n")
        .append("  address = ").append(quote(ttrpcSocket)).append('\n')
        .append('\n')
        .append("# containerd prepends <path>/bin to its PATH, where it looks up shim binaries:\n")
        .append("# tests drop shims there. Its own path keeps /var/lib/containerd/opt untouched.\n")
        .append("[plugins.\"io.containerd.internal.v1.opt\"]\n")
        .append("  path = ").append(quote(opt)).append('\n');
    if (cri) {
      toml.append('\n')
          .append("[plugins.\"").append(CRI_PLUGIN).append("\"]\n")
          .append("  # The CRI sets a sandbox's oom_score_adj to -998; root on these machines lacks\n")
          .append("  # CAP_SYS_RESOURCE, so without this runc fails with \"can't get final child's\n")
          .append("  # PID from pipe: EOF\" (see notes/runtime-managers.md).\n")
          .append("  restrict_oom_score_adj = true\n");
    }
    return toml.toString();
  }

  /** A TOML basic string. */
  static String quote(Object value) {
    StringBuilder quoted = new StringBuilder("\"");
    for (char c : value.toString().toCharArray()) {
      switch (c) {
        case '"' -> quoted.append("\\\"");
        case '\\' -> quoted.append("\\\\");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            quoted.append(String.format("\\u%04x", (int) c));
          } else {
            quoted.append(c);
          }
        }
      }
    }
    return quoted.append('"').toString();
  }
}
