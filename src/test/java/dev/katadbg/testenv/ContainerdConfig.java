package dev.katadbg.testenv;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The config.toml of a private containerd: every path it writes to or listens on is its own,
 * so it runs beside the machine's containerd (and other tests' ones) without sharing state.
 *
 * <p>containerd 1.x gets a version 2 config. containerd 2.x would migrate that (with a warning
 * in its log) but gets its native version 3. There the CRI is three plugins: the gRPC service
 * {@value #CRI_PLUGIN} (stream server, CNI), which is disabled as in 1.x, and {@code
 * io.containerd.cri.v1.images} and {@value #CRI_RUNTIME_PLUGIN_2}, which only hold config and
 * stay: without the images one the transfer service ({@code ctr images import}) is gone, and
 * without either the sandbox controllers fail to load. NRI is on by default in 2.x with a
 * socket shared by the whole host (/var/run/nri/nri.sock), so it is turned off (1.7 has it off).
 * The opt plugin keeps its name, {@code io.containerd.internal.v1.opt}, in both.
 *
 * @param cri whether the CRI plugin runs; off by default because it opens a TCP stream port,
 *     scans CNI config and is not needed by {@code ctr run --rootfs}
 * @param containerdMajor the major version of the containerd that reads it (1 or 2)
 */
record ContainerdConfig(Path root, Path state, Path grpcSocket, Path ttrpcSocket, Path opt, boolean cri,
    int containerdMajor) {

  static final String CRI_PLUGIN = "io.containerd.grpc.v1.cri";
  /** Where containerd 2.x reads the CRI's runtime options (1.x: {@link #CRI_PLUGIN}). */
  static final String CRI_RUNTIME_PLUGIN_2 = "io.containerd.cri.v1.runtime";
  static final String NRI_PLUGIN = "io.containerd.nri.v1.nri";

  private static final Pattern VERSION = Pattern.compile("^\\S+\\s+\\S+\\s+v?(\\d+)\\.\\d+");

  /** For containerd 1.x, as every test wrote it before containerd 2.x came along. */
  ContainerdConfig(Path root, Path state, Path grpcSocket, Path ttrpcSocket, Path opt, boolean cri) {
    this(root, state, grpcSocket, ttrpcSocket, opt, cri, 1);
  }

  ContainerdConfig {
    if (containerdMajor < 1 || containerdMajor > 2) {
      throw new IllegalArgumentException("no private config for containerd " + containerdMajor + ".x");
    }
  }

  /**
   * The major version in {@code containerd --version}'s output, e.g. {@code containerd
   * github.com/containerd/containerd/v2 2.1.9+unknown} (Debian sid) or {@code containerd
   * github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3} (bookworm).
   */
  static int majorVersion(String versionOutput) {
    Matcher m = VERSION.matcher(versionOutput.strip());
    if (!m.find()) {
      throw new IllegalArgumentException("not containerd --version output: " + versionOutput);
    }
    return Integer.parseInt(m.group(1));
  }

  String toToml() {
    return containerdMajor >= 2 ? toTomlVersion3() : toTomlVersion2();
  }

  private String toTomlVersion2() {
    StringBuilder toml = common("# Written by dev.katadbg.testenv.PrivateContainerd for one test run.\n",
        2, "/var/lib/containerd/opt");
    if (cri) {
      appendCri(toml, CRI_PLUGIN);
    }
    return toml.toString();
  }

  private String toTomlVersion3() {
    StringBuilder toml = common("# Written by dev.katadbg.testenv.PrivateContainerd for one test run"
        + " (containerd 2.x).\n", 3, "the host's opt directory");
    toml.append('\n')
        .append("# On by default in 2.x, and its socket is the host's: one per machine.\n")
        .append("[plugins.\"").append(NRI_PLUGIN).append("\"]\n")
        .append("  disable = true\n");
    if (cri) {
      appendCri(toml, CRI_RUNTIME_PLUGIN_2);
    }
    return toml.toString();
  }

  /** What both versions share: paths, sockets, the opt plugin. */
  private StringBuilder common(String header, int version, String hostOpt) {
    return new StringBuilder(header)
        .append("version = ").append(version).append('\n')
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
        .append("# tests drop shims there. Its own path keeps ").append(hostOpt)
        .append(" untouched.\n")
        .append("[plugins.\"io.containerd.internal.v1.opt\"]\n")
        .append("  path = ").append(quote(opt)).append('\n');
  }

  private static void appendCri(StringBuilder toml, String plugin) {
    toml.append('\n')
        .append("[plugins.\"").append(plugin).append("\"]\n")
        .append("  # The CRI sets a sandbox's oom_score_adj to -998; root on these machines lacks\n")
        .append("  # CAP_SYS_RESOURCE, so without this runc fails with \"can't get final child's\n")
        .append("  # PID from pipe: EOF\" (see notes/runtime-managers.md).\n")
        .append("  restrict_oom_score_adj = true\n");
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
