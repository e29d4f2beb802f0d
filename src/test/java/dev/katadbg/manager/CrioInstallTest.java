package dev.katadbg.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tomlj.Toml;
import org.tomlj.TomlParseResult;

/**
 * {@code install crio} on real files: no CRI-O package exists for Debian, so the drop-in is
 * checked as CRI-O reads it (TOML, handler fields, file order), not by a running CRI-O.
 */
class CrioInstallTest {
  @TempDir Path dir;
  Path confD;
  Path main;
  Path kataConfig;
  Path wrapper;

  @BeforeEach
  void files() throws IOException {
    confD = Files.createDirectories(dir.resolve("crio.conf.d"));
    main = dir.resolve("crio.conf");
    kataConfig = dir.resolve("kata/configuration.toml");
    Files.createDirectories(kataConfig.getParent());
    Files.writeString(kataConfig, "[hypervisor.qemu]\n");
    wrapper = dir.resolve("dist/containerd-shim-katadbg-v2");
    Files.createDirectories(wrapper.getParent());
    Files.writeString(wrapper, "#!/bin/sh\n");
    Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  CrioInstall install(Optional<String> fileName, Optional<Path> configPath) {
    return new CrioInstall(confD, main, "katadbg", Optional.empty(), fileName, configPath, Optional.empty(),
        Optional.empty(), dir.resolve("bin"), wrapper, dir.resolve("katadbg.toml"));
  }

  void kataDropIn(String name) throws IOException {
    Files.writeString(confD.resolve(name), """
        # the distribution's Kata handler
        [crio.runtime.runtimes.kata]
        runtime_path = "/usr/bin/containerd-shim-kata-v2"
        runtime_type = "vm"
        runtime_root = "/run/vc"
        runtime_config_path = "%s"
        privileged_without_host_devices = true
        allowed_annotations = ["io.katacontainers.*"]
        """.formatted(kataConfig));
  }

  @Test
  void theDropInCopiesTheKataHandlerAndSortsAfterIt() throws IOException {
    Files.writeString(main, "[crio.runtime]\ndefault_runtime = \"runc\"\n[crio.runtime.runtimes.runc]\n");
    kataDropIn("50-kata.conf");
    Installer installer = new Installer(dir.resolve("state"));
    Plan plan = install(Optional.empty(), Optional.empty()).plan();
    installer.apply(plan);

    Path dropIn = confD.resolve("99-katadbg.conf");
    assertThat(dropIn.getFileName().toString()).isGreaterThan("50-kata.conf");
    TomlParseResult toml = Toml.parse(Files.readString(dropIn));
    assertThat(toml.errors()).isEmpty();
    String h = "crio.runtime.runtimes.katadbg.";
    assertThat(toml.getString(h + "runtime_path")).isEqualTo(dir.resolve("bin/containerd-shim-katadbg-v2").toString());
    assertThat(toml.getString(h + "runtime_type")).isEqualTo("vm");
    assertThat(toml.getString(h + "runtime_root")).isEqualTo("/run/vc");
    assertThat(toml.getString(h + "runtime_config_path")).isEqualTo(kataConfig.toString());
    assertThat(toml.getBoolean(h + "privileged_without_host_devices")).isTrue();
    assertThat(toml.getArray(h + "allowed_annotations").toList()).containsExactly("io.katacontainers.*");
    assertThat(toml.keySet()).containsExactly("crio");
    assertThat(CrioInstall.VM_BINARY.matcher(Path.of(toml.getString(h + "runtime_path")).getFileName().toString()).matches())
        .isTrue();
    assertThat(Files.readString(dir.resolve("katadbg.toml"))).contains("binary = \"/usr/bin/containerd-shim-kata-v2\"");
    assertThat(Files.readSymbolicLink(dir.resolve("bin/containerd-shim-katadbg-v2"))).isEqualTo(wrapper);

    assertThat(install(Optional.empty(), Optional.empty()).plan().isEmpty()).as("second install").isTrue();

    installer.uninstall(CrioInstall.KIND, confD, false);
    assertThat(dropIn).doesNotExist();
    assertThat(dir.resolve("katadbg.toml")).doesNotExist();
    assertThat(dir.resolve("bin/containerd-shim-katadbg-v2")).doesNotExist();
    assertThat(confD.resolve("50-kata.conf")).exists();
  }

  @Test
  void aDropInThatWouldBeReadBeforeItsSourceIsRefused() throws IOException {
    kataDropIn("99-zz-kata.conf");
    assertThatThrownBy(() -> install(Optional.of("10-katadbg.conf"), Optional.empty()).plan())
        .isInstanceOf(ManagerException.class).hasMessageContaining("would be read before");
  }

  @Test
  void withoutAKataHandlerOrConfigPathTheHandlerHasNoConfigPathAsCrioAllows() throws IOException {
    // CRI-O's ValidateRuntimeConfigPath returns nil for an empty path: the shim reads its default
    CrioInstall i = new CrioInstall(confD, main, "katadbg", Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.of(Path.of("/opt/kata/bin/containerd-shim-kata-v2")), dir.resolve("bin"), wrapper,
        dir.resolve("katadbg.toml"));

    Plan plan = i.plan();
    new Installer(dir.resolve("state")).apply(plan);

    TomlParseResult toml = Toml.parse(confD.resolve("99-katadbg.conf"));
    String h = "crio.runtime.runtimes.katadbg.";
    assertThat(toml.errors()).isEmpty();
    assertThat(toml.getString(h + "runtime_type")).isEqualTo("vm");
    assertThat(toml.contains(h + "runtime_config_path")).isFalse();
    assertThat(plan.notes()).anyMatch(n -> n.contains("no runtime_config_path")
        && n.contains("/etc/kata-containers/configuration.toml"));
  }

  @Test
  void aMissingRuntimeConfigPathIsRefusedAsCrioWould() {
    assertThatThrownBy(() -> install(Optional.empty(), Optional.of(dir.resolve("nope.toml"))).plan())
        .isInstanceOf(ManagerException.class).hasMessageContaining("does not exist");
  }

  @Test
  void anExplicitConfigPathAndShimNeedNoKataHandler() throws IOException {
    CrioInstall i = new CrioInstall(confD, main, "katadbg", Optional.empty(), Optional.empty(), Optional.of(kataConfig),
        Optional.empty(), Optional.of(Path.of("/opt/kata/bin/containerd-shim-kata-v2")), dir.resolve("bin"), wrapper,
        dir.resolve("katadbg.toml"));
    Plan plan = i.plan();
    assertThat(plan.describe()).contains("+runtime_root = \"/run/vc\"", "+runtime_config_path = \"" + kataConfig + "\"");
    assertThat(Files.exists(confD.resolve("99-katadbg.conf"))).isFalse();
  }

  @Test
  void aMalformedDropInNamesFileLineAndColumn() throws IOException {
    Files.writeString(confD.resolve("10-bad.conf"), "[crio.runtime]\nx = [1,\n");
    assertThatThrownBy(() -> install(Optional.empty(), Optional.of(kataConfig)).plan())
        .hasMessageStartingWith(confD.resolve("10-bad.conf") + ":");
  }

  @Test
  void theVmBinaryPatternIsCriOs() {
    assertThat(CrioInstall.VM_BINARY.matcher("containerd-shim-kata-v2").matches()).isTrue();
    assertThat(CrioInstall.VM_BINARY.matcher("containerd-shim-kata+dbg-v2").matches()).isTrue();
    assertThat(CrioInstall.VM_BINARY.matcher("kata-shim").matches()).isFalse();
    assertThat(CrioInstall.VM_BINARY.matcher("containerd-shim-kata.v2").matches()).isFalse();
  }
}
