package dev.katadbg.manager;

import static dev.katadbg.testenv.PrivateContainerd.uniqueId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.katadbg.cli.Main;
import dev.katadbg.testenv.CommandResult;
import dev.katadbg.testenv.PrivateContainerd;
import dev.katadbg.testenv.TestDirs;
import dev.katadbg.testenv.TestEnv;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.tomlj.Toml;
import org.tomlj.TomlParseResult;

/**
 * {@code katadbg install containerd} into a real private containerd's config: containerd
 * restarts with it, {@code containerd config dump} shows runc and the new class, the wrapper
 * linked into {@code <opt>/bin} runs a container with the debug shim under Delve, and uninstall
 * gives back the original bytes.
 */
class InstallContainerdIT {
  static final String RUNTIMES = "plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes";

  static Path confDir;
  static Path katadbgConfig;

  @RegisterExtension
  static PrivateContainerd containerd = PrivateContainerd.create().withCri()
      .environment(Map.of("KATADBG_CONFIG", katadbgConfigPath().toString()))
      .removingAfterStop(confDir);

  static TestEnv env;

  static Path katadbgConfigPath() {
    if (confDir == null) {
      confDir = TestDirs.createOrPlaceholder("install");
      katadbgConfig = confDir.resolve("katadbg.toml");
    }
    return katadbgConfig;
  }

  @BeforeAll
  static void katadbgConfigWithoutShim() throws IOException {
    env = TestEnv.require(TestEnv.Part.DLV, TestEnv.Part.DEBUG_SHIM, TestEnv.Part.CONTAINERD, TestEnv.Part.CTR,
        TestEnv.Part.RUNC, TestEnv.Part.BUSYBOX);
    // The user's own debugger settings; install must add [shim] binary and keep these.
    Files.writeString(katadbgConfig, "# my debugger settings\n[debugger]\npath = \"" + env.dlv()
        + "\"\nwait_for_client = false\n\n[state]\ndir = \"" + confDir.resolve("sessions") + "\"\n");
  }

  @Test
  void installRestartDumpRunAndUninstall() throws Exception {
    Path config = containerd.configPath();
    byte[] original = Files.readAllBytes(config);
    String originalKatadbg = Files.readString(katadbgConfig);

    CommandResult install = katadbg("install", "containerd", "--config", config.toString(),
        "--bin-dir", containerd.optBin().toString(), "--wrapper", wrapper().toString(),
        "--katadbg-config", katadbgConfig.toString(), "--state-dir", confDir.resolve("install").toString(),
        "--shim", env.debugShim().toString(), "--config-version", "2");
    assertThat(install.exitCode()).as(install.describe()).isZero();
    assertThat(Files.readString(katadbgConfig)).startsWith(originalKatadbg.stripTrailing())
        .contains("binary = \"" + env.debugShim() + "\"");
    assertThat(Files.readString(config)).startsWith(new String(original, StandardCharsets.UTF_8).stripTrailing());

    containerd.restart();
    TomlParseResult dump = configDump(config);
    assertThat(dump.getString(RUNTIMES + ".runc.runtime_type")).isEqualTo("io.containerd.runc.v2");
    assertThat(dump.getString(RUNTIMES + ".katadbg.runtime_type")).isEqualTo("io.containerd.katadbg.v2");
    assertThat(dump.getBoolean("plugins.\"io.containerd.grpc.v1.cri\".restrict_oom_score_adj")).isTrue();
    assertThat(dump.getString("plugins.\"io.containerd.grpc.v1.cri\".containerd.default_runtime_name")).isEqualTo("runc");

    // containerd finds the linked wrapper by the runtime type; the wrapper reads the config
    // install wrote and runs the debug shim under Delve.
    String id = uniqueId("inst");
    CommandResult run = containerd.ctr("run", "--rm", "--runtime", "io.containerd.katadbg.v2", "--rootfs",
        containerd.rootfs().toString(), id, "/bin/echo", "through the installed wrapper");
    assertThat(run.exitCode()).as(run.describe()).isZero();
    assertThat(run.stdout()).isEqualTo("through the installed wrapper\n");
    assertThat(Files.readString(confDir.resolve("sessions").resolve("sessions/default").resolve(id).resolve("dlv.log")))
        .isNotEmpty();

    CommandResult again = katadbg("install", "containerd", "--config", config.toString(),
        "--bin-dir", containerd.optBin().toString(), "--wrapper", wrapper().toString(),
        "--katadbg-config", katadbgConfig.toString(), "--state-dir", confDir.resolve("install").toString(),
        "--config-version", "2");
    assertThat(again.exitCode()).as(again.describe()).isZero();
    assertThat(again.stdout()).startsWith("nothing to change");

    CommandResult uninstall = katadbg("uninstall", "containerd", "--config", config.toString(),
        "--state-dir", confDir.resolve("install").toString());
    assertThat(uninstall.exitCode()).as(uninstall.describe()).isZero();
    assertThat(Files.readAllBytes(config)).isEqualTo(original);
    assertThat(Files.readString(katadbgConfig)).isEqualTo(originalKatadbg);
    assertThat(containerd.optBin().resolve("containerd-shim-katadbg-v2")).doesNotExist();
    containerd.restart();
    TomlParseResult after = configDump(config);
    assertThat(after.contains(List.of("plugins", "io.containerd.grpc.v1.cri", "containerd", "runtimes", "katadbg")))
        .isFalse();
    assertThat(after.getString(RUNTIMES + ".runc.runtime_type")).isEqualTo("io.containerd.runc.v2");
  }

  /** Why install writes out runc: the naive edit loses it (containerd 1.6.20, config dump). */
  @Test
  void aClassWithoutRuncDropsTheBuiltInRuncWhichInstallAvoids() throws Exception {
    Path naive = confDir.resolve("naive.toml");
    Files.writeString(naive, "version = 2\n[" + RUNTIMES + ".katadbg]\nruntime_type = \"io.containerd.katadbg.v2\"\n");
    TomlParseResult dump = configDump(naive);
    assertThat(dump.contains(List.of("plugins", "io.containerd.grpc.v1.cri", "containerd", "runtimes", "runc")))
        .as("containerd 1.x drops runc when the file declares another class").isFalse();
  }

  static Path wrapper() {
    Path w = env.dist().resolve("bin/containerd-shim-katadbg-v2");
    assertThat(w).as("built launcher (mvn package)").isExecutable();
    return w;
  }

  static TomlParseResult configDump(Path config) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(env.containerd().toString(), "--config", config.toString(), "config", "dump")
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("containerd config dump:\n%s", out).isZero();
    TomlParseResult parsed = Toml.parse(out);
    assertThat(parsed.errors()).isEmpty();
    return parsed;
  }

  static CommandResult katadbg(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), Map.of("PATH", TestEnv.SYSTEM_PATH), args);
    return new CommandResult(new ArrayList<>(List.of(args)), code, out.toString(), err.toString());
  }
}
