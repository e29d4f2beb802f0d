package dev.katadbg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The install/uninstall commands through Main.run, on files in a temporary directory. */
class InstallCommandTest {
  @TempDir Path dir;
  Path config;
  Path wrapper;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  @BeforeEach
  void files() throws IOException {
    config = dir.resolve("config.toml");
    wrapper = dir.resolve("dist/containerd-shim-katadbg-v2");
    Files.createDirectories(wrapper.getParent());
    Files.writeString(wrapper, "#!/bin/sh\n");
    Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  int run(String... args) {
    return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), Map.of("PATH", "/nonexistent"), args);
  }

  String[] containerd(String... extra) {
    List<String> a = new ArrayList<>(List.of("install", "containerd", "--config", config.toString(),
        "--bin-dir", dir.resolve("bin").toString(), "--wrapper", wrapper.toString(), "--katadbg-config",
        dir.resolve("katadbg.toml").toString(), "--state-dir", dir.resolve("state").toString(),
        "--shim", "/usr/local/bin/containerd-shim-kata-v2", "--config-version", "2"));
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  @Test
  void dryRunPrintsTheDiffAndChangesNothing() throws IOException {
    Files.writeString(config, "version = 2 # mine\n");
    assertThat(run(containerd("--dry-run"))).isEqualTo(ExitCode.OK);
    assertThat(out.toString()).contains("+++ " + config, "+[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.katadbg]",
        "+binary = \"/usr/local/bin/containerd-shim-kata-v2\"", "link " + dir.resolve("bin/containerd-shim-katadbg-v2"));
    assertThat(Files.readString(config)).isEqualTo("version = 2 # mine\n");
    assertThat(dir.resolve("bin")).doesNotExist();
    assertThat(dir.resolve("state")).doesNotExist();
  }

  @Test
  void installTwiceThenUninstall() throws IOException {
    Files.writeString(config, "version = 2 # mine\n");
    assertThat(run(containerd())).isEqualTo(ExitCode.OK);
    assertThat(run(containerd())).isEqualTo(ExitCode.OK);
    assertThat(out.toString()).contains("nothing to change");
    assertThat(run("uninstall", "containerd", "--config", config.toString(), "--state-dir",
        dir.resolve("state").toString())).isEqualTo(ExitCode.OK);
    assertThat(Files.readString(config)).isEqualTo("version = 2 # mine\n");
    assertThat(run("uninstall", "containerd", "--config", config.toString(), "--state-dir",
        dir.resolve("state").toString())).isEqualTo(ExitCode.NOT_FOUND);
  }

  @Test
  void aMalformedConfigFailsWithFileLineColumn() throws IOException {
    Files.writeString(config, "version = 2\n[[broken\n");
    assertThat(run(containerd())).isEqualTo(ExitCode.FAILURE);
    assertThat(err.toString()).startsWith("katadbg: " + config + ":2:");
  }

  @Test
  void aConflictingUninstallExitsWithConflict() throws IOException {
    Files.writeString(config, "version = 2\n");
    assertThat(run(containerd())).isEqualTo(ExitCode.OK);
    Files.writeString(config, "version = 2\n# edited by hand\n");
    assertThat(run("uninstall", "containerd", "--config", config.toString(), "--state-dir",
        dir.resolve("state").toString())).isEqualTo(ExitCode.CONFLICT);
    assertThat(err.toString()).contains("was changed after katadbg wrote it");
  }

  @Test
  void aBadRuntimeNameIsAUsageError() {
    assertThat(run(containerd("--runtime-name", "Kata_Debug"))).isEqualTo(ExitCode.USAGE);
    assertThat(err.toString()).contains("not a lowercase DNS label");
  }

  @Test
  void kubernetesPrintsTheRuntimeClass() {
    assertThat(run("install", "kubernetes", "--runtime-name", "katadbg")).isEqualTo(ExitCode.OK);
    assertThat(out.toString()).isEqualTo(
        "apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata:\n  name: katadbg\nhandler: katadbg\n");
  }

  @Test
  void crioInstallAndUninstall() throws IOException {
    Path confD = Files.createDirectories(dir.resolve("crio.conf.d"));
    Path kataConfig = dir.resolve("configuration.toml");
    Files.writeString(kataConfig, "");
    String state = dir.resolve("state").toString();
    assertThat(run("install", "crio", "--dir", confD.toString(), "--crio-config", dir.resolve("crio.conf").toString(),
        "--runtime-config-path", kataConfig.toString(), "--shim", "/opt/kata/bin/containerd-shim-kata-v2",
        "--bin-dir", dir.resolve("bin").toString(), "--wrapper", wrapper.toString(),
        "--katadbg-config", dir.resolve("katadbg.toml").toString(), "--state-dir", state)).as(err.toString())
        .isEqualTo(ExitCode.OK);
    assertThat(Files.readString(confD.resolve("99-katadbg.conf"))).contains("[crio.runtime.runtimes.katadbg]",
        "runtime_type = \"vm\"");
    assertThat(run("uninstall", "crio", "--dir", confD.toString(), "--state-dir", state)).isEqualTo(ExitCode.OK);
    assertThat(confD).isEmptyDirectory();
  }

  @Test
  void uninstallOfAnUnknownManagerIsAUsageError() {
    assertThat(run("uninstall", "docker")).isEqualTo(ExitCode.USAGE);
  }
}
