package dev.katadbg.testenv;

import static dev.katadbg.testenv.PrivateContainerd.uniqueId;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Proves {@link PrivateContainerd} runs real containers on each containerd the tests know, with
 * that containerd's own ctr and a config it reads natively: Debian bookworm's 1.6 (the machine's),
 * trixie's 1.7 and sid's 2.1 (unpacked into {@code .deps}); and that the PIE debug shim runs
 * containers like the plain one.
 */
class ContainerdVersionsIT {

  private static final String DEBUG_RUNTIME = "io.containerd.runcdbg.v2";

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "CONTAINERD,     1.6., 1.7., 2",
      "CONTAINERD_1_7, 1.7., 1.7., 2",
      "CONTAINERD_2_1, 2.1., 2.1., 3",
  })
  void runsAContainerOnTheDebugShim(TestEnv.Part part, String version, String clientVersion, long configVersion)
      throws Exception {
    TestEnv env = TestEnv.require(part, TestEnv.Part.DEBUG_SHIM);
    PrivateContainerd containerd = PrivateContainerd.create();
    if (part != TestEnv.Part.CONTAINERD) {
      containerd.containerd(env.binDir(part));
    }
    try (containerd) {
      containerd.start();

      assertThat(containerd.containerdBinary()).isEqualTo(env.path(part));
      // The machine's containerd gets trixie's ctr: bookworm's loses output (TestEnv.Part.CTR).
      assertThat(containerd.ctrBinary())
          .isEqualTo(part == TestEnv.Part.CONTAINERD ? env.ctr() : env.path(part).resolveSibling("ctr"));
      assertThat(containerd.ctr("version").requireSuccess().stdout())
          .as("ctr and the server it talks to").containsPattern("(?s)Client:.*Version:\\s+"
              + clientVersion.replace(".", "\\.") + ".*Server:.*Version:\\s+" + version.replace(".", "\\."));
      assertThat(Files.readString(containerd.configPath())).startsWith("# Written by")
          .contains("\nversion = " + configVersion + "\n");
      assertThat(containerd.logTail(1000)).as("a config containerd had to migrate").doesNotContain("migrated from version");
      assertThat(pluginsIn(containerd, "error")).as("plugins that failed to load").isEmpty();
      assertThat(pluginStatus(containerd, "io.containerd.grpc.v1", "cri")).isEqualTo("absent");

      assertThat(echoOn(containerd, env.debugShim())).isEqualTo("hi\n");
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"CONTAINERD", "CONTAINERD_1_7", "CONTAINERD_2_1"})
  void criPluginCanBeEnabled(TestEnv.Part part) {
    TestEnv env = TestEnv.require(part);
    PrivateContainerd containerd = PrivateContainerd.create().withCri();
    if (part != TestEnv.Part.CONTAINERD) {
      containerd.containerd(env.binDir(part));
    }
    try (containerd) {
      containerd.start();

      assertThat(pluginStatus(containerd, "io.containerd.grpc.v1", "cri")).isEqualTo("ok");
      assertThat(pluginsIn(containerd, "error")).as("plugins that failed to load").isEmpty();
    }
  }

  @Test
  void runsAContainerOnThePieDebugShim() throws Exception {
    TestEnv env = TestEnv.require(TestEnv.Part.PIE_SHIM);
    try (PrivateContainerd containerd = PrivateContainerd.create()) {
      containerd.start();

      assertThat(echoOn(containerd, env.path(TestEnv.Part.PIE_SHIM))).isEqualTo("hi\n");
    }
  }

  /** "ok", "skip", "error" as {@code ctr plugins ls} shows it, or "absent" when not listed. */
  private static String pluginStatus(PrivateContainerd c, String type, String id) {
    for (String line : c.ctr("plugins", "ls").requireSuccess().stdout().split("\n")) {
      String[] columns = line.trim().split("\\s+");
      if (columns.length >= 3 && columns[0].equals(type) && columns[1].equals(id)) {
        return columns[columns.length - 1];
      }
    }
    return "absent";
  }

  /**
   * "TYPE ID" of each plugin {@code ctr plugins ls} shows with {@code status}, but for the
   * devmapper snapshotter, which 1.6 reports as an error when it has no pool configured (1.7 and
   * 2.x: skip).
   */
  private static List<String> pluginsIn(PrivateContainerd c, String status) {
    List<String> plugins = new ArrayList<>();
    for (String line : c.ctr("plugins", "ls").requireSuccess().stdout().split("\n")) {
      String[] columns = line.trim().split("\\s+");
      if (columns.length >= 3 && columns[columns.length - 1].equals(status) && !columns[1].equals("devmapper")) {
        plugins.add(columns[0] + " " + columns[1]);
      }
    }
    return plugins;
  }

  /** Runs {@code /bin/echo hi} through {@code shim}, linked into opt/bin as the only runcdbg shim. */
  private static String echoOn(PrivateContainerd containerd, Path shim) throws Exception {
    Files.createSymbolicLink(containerd.optBin().resolve("containerd-shim-runcdbg-v2"), shim);
    return containerd.ctr("run", "--rm", "--runtime", DEBUG_RUNTIME, "--rootfs", containerd.rootfs().toString(),
        uniqueId("echo"), "/bin/echo", "hi").requireSuccess().stdout();
  }
}
