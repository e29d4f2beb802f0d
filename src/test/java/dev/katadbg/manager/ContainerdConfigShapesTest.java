package dev.katadbg.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tomlj.Toml;
import org.tomlj.TomlParseResult;

/**
 * Installs into containerd configs of many shapes and uninstalls again, through the real
 * planner, installer and files in a temporary directory.
 */
class ContainerdConfigShapesTest {
  static final String V2 = "plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes";
  static final String V3 = "plugins.\"io.containerd.cri.v1.runtime\".containerd.runtimes";

  @TempDir Path dir;

  /**
   * @param original the file's content, null for a missing file
   * @param linesKept whether every original line must survive verbatim (false where tomlj has
   *     to rewrite a line, e.g. to add to an inline table)
   */
  record Shape(String name, String original, int version, boolean linesKept) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Shape> shapes() {
    return Stream.of(
        new Shape("debian default v2", """
            version = 2

            [plugins]
              [plugins."io.containerd.grpc.v1.cri"]
                [plugins."io.containerd.grpc.v1.cri".cni]
                  bin_dir = "/usr/lib/cni"
                  conf_dir = "/etc/cni/net.d"
              [plugins."io.containerd.internal.v1.opt"]
                path = "/var/lib/containerd/opt"
            """, 2, true),
        new Shape("v3 minimal", """
            version = 3
            root = "/var/lib/containerd"
            """, 3, true),
        new Shape("comments everywhere", """
            # head comment
            version = 2 # trailing on version

            # above a table
            [plugins."io.containerd.grpc.v1.cri"] # after a header
              # inside a table
              sandbox_image = "registry.k8s.io/pause:3.6" # after a value
              # between keys
              restrict_oom_score_adj = true

            [plugins."io.containerd.grpc.v1.cri".containerd]
              default_runtime_name = "runc"
              # runtimes below
              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc] # runc header
                runtime_type = "io.containerd.runc.v2" # runc type
                [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                  SystemdCgroup = false # cgroupfs
            # tail comment
            """, 2, true),
        new Shape("dotted keys", """
            version = 2
            [plugins."io.containerd.grpc.v1.cri"]
            containerd.default_runtime_name = "runc" # dotted
            containerd.snapshotter = "overlayfs"
            [grpc]
            address = "/run/containerd/containerd.sock"
            """, 2, true),
        new Shape("dotted runc at root", """
            version = 2
            plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.runtime_type = "io.containerd.runc.v2" # d
            [grpc]
            address = "/run/containerd/containerd.sock"
            """, 2, true),
        new Shape("inline tables", """
            version = 2
            # runtimes as an inline table
            [plugins."io.containerd.grpc.v1.cri".containerd]
            runtimes = { runc = { runtime_type = "io.containerd.runc.v2", options = { SystemdCgroup = false } } } # inline
            """, 2, false),
        new Shape("existing kata class", """
            version = 2
            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
              runtime_type = "io.containerd.runc.v2"
            # Kata, from the distribution
            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata]
              runtime_type = "io.containerd.kata.v2"
              privileged_without_host_devices = true
              pod_annotations = ["io.katacontainers.*"]
              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata.options]
                ConfigPath = "/opt/kata/share/defaults/kata-containers/configuration.toml"
            """, 2, true),
        new Shape("v3 kata single-quoted", """
            version = 3
            [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
            runtime_type = 'io.containerd.runc.v2'
            [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.kata]
            runtime_type = 'io.containerd.kata.v2'
            [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.kata.options]
            ConfigPath = '/etc/kata-containers/configuration.toml' # kata config
            """, 3, true),
        new Shape("imports line", """
            version = 2
            imports = ["/etc/containerd/conf.d/*.toml"] # drop-ins
            [plugins."io.containerd.grpc.v1.cri"]
              sandbox_image = "registry.k8s.io/pause:3.6"
            """, 2, true),
        new Shape("empty file", "", 2, true),
        new Shape("comments only", "# nothing configured yet\n\n# see containerd-config.toml(5)\n", 2, true),
        new Shape("missing file", null, 2, true),
        new Shape("crlf line endings", "version = 2\r\n# crlf comment\r\n[plugins.\"io.containerd.grpc.v1.cri\"]\r\n"
            + "  restrict_oom_score_adj = true # keep\r\n[grpc]\r\n  address = \"/run/c.sock\"\r\n", 2, true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void installKeepsEverythingAndUninstallRestoresTheBytes(Shape shape) throws IOException {
    Path config = dir.resolve("etc/containerd/config.toml");
    Files.createDirectories(config.getParent());
    if (shape.original() != null) {
      Files.writeString(config, shape.original(), StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r-----"));
    }
    Installer installer = new Installer(dir.resolve("state"));

    Plan plan = install(config).plan();
    assertThat(plan.changes()).isNotEmpty();
    assertThat(plan.describe()).contains("+++ " + config).contains("link ");
    installer.apply(plan);

    String after = Files.readString(config);
    TomlParseResult parsed = Toml.parse(after);
    assertThat(parsed.errors()).isEmpty();
    String runtimes = shape.version() == 3 ? V3 : V2;
    assertThat(parsed.getLong("version")).isEqualTo(shape.version());
    assertThat(parsed.getString(runtimes + ".katadbg.runtime_type")).isEqualTo("io.containerd.katadbg.v2");
    assertThat(parsed.getString(runtimes + ".runc.runtime_type")).isEqualTo("io.containerd.runc.v2");
    String original = shape.original() == null ? "" : shape.original();
    for (String comment : comments(original)) {
      assertThat(after).contains(comment);
    }
    if (shape.linesKept()) {
      assertThat(isSubsequence(lines(original), lines(after))).as("original lines in order in:\n%s", after).isTrue();
    }
    if (original.contains("\r\n")) {
      assertThat(after.replace("\r\n", "")).doesNotContain("\n");
    }
    if (shape.original() != null) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config))).isEqualTo("rw-r-----");
    }
    assertThat(Files.readString(dir.resolve("katadbg.toml"))).contains("binary = \"" + dir.resolve("shim") + "\"");
    assertThat(Files.readSymbolicLink(dir.resolve("bin/containerd-shim-katadbg-v2"))).isEqualTo(wrapper());

    assertThat(install(config).plan().changes()).as("second install").isEmpty();

    installer.uninstall(ContainerdInstall.KIND, config, false);
    if (shape.original() == null) {
      assertThat(config).doesNotExist();
    } else {
      assertThat(Files.readAllBytes(config)).isEqualTo(shape.original().getBytes(StandardCharsets.UTF_8));
    }
    assertThat(dir.resolve("katadbg.toml")).doesNotExist();
    assertThat(dir.resolve("bin/containerd-shim-katadbg-v2")).doesNotExist();
    assertThat(installer.record(ContainerdInstall.KIND, config)).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void copiesTheKataClassSettings(Shape shape) {
    if (shape.original() == null || !shape.original().contains("kata.v2")) {
      return;
    }
    ContainerdConfigEdit.Result r = ContainerdConfigEdit.addRuntimeClass("config.toml",
        Optional.of(shape.original()), RuntimeClassRequest.of("katadbg"), 2);
    TomlParseResult parsed = Toml.parse(r.text());
    String k = (shape.version() == 3 ? V3 : V2) + ".katadbg";
    assertThat(r.copiedFrom()).map(ContainerdConfigEdit.SourceClass::name).contains("kata");
    assertThat(parsed.getString(k + ".options.ConfigPath")).endsWith("configuration.toml");
    assertThat(parsed.getString(k + ".runtime_type")).isEqualTo("io.containerd.katadbg.v2");
  }

  @org.junit.jupiter.api.Test
  void aMalformedConfigNamesFileLineAndColumnAndWritesNothing() throws IOException {
    Path config = dir.resolve("config.toml");
    String bad = "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"]\n  sandbox_image = \n";
    Files.writeString(config, bad);
    assertThatThrownBy(() -> install(config).plan())
        .isInstanceOf(ManagerException.class)
        .hasMessageStartingWith(config + ":3:")
        .hasMessageContaining("nothing was changed");
    assertThat(Files.readString(config)).isEqualTo(bad);
    assertThat(dir.resolve("katadbg.toml")).doesNotExist();
  }

  @org.junit.jupiter.api.Test
  void aVersion1ConfigIsRefused() throws IOException {
    Path config = dir.resolve("config.toml");
    Files.writeString(config, "[plugins.cri]\n  sandbox_image = \"x\"\n");
    assertThatThrownBy(() -> install(config).plan()).hasMessageContaining("version 1 config");
  }

  @org.junit.jupiter.api.Test
  void uninstallRefusesAFileChangedSinceAndUndoesNothing() throws IOException {
    Path config = dir.resolve("config.toml");
    Files.writeString(config, "version = 2\n");
    Installer installer = new Installer(dir.resolve("state"));
    installer.apply(install(config).plan());
    Files.writeString(config, Files.readString(config) + "# my own edit\n");
    assertThatThrownBy(() -> installer.uninstall(ContainerdInstall.KIND, config, false))
        .isInstanceOf(ManagerException.class)
        .hasMessageContaining(config + " was changed after katadbg wrote it")
        .satisfies(e -> assertThat(((ManagerException) e).kind()).isEqualTo(ManagerException.Kind.CONFLICT));
    assertThat(dir.resolve("bin/containerd-shim-katadbg-v2")).isSymbolicLink();
    assertThat(dir.resolve("katadbg.toml")).exists();
  }

  @org.junit.jupiter.api.Test
  void aSecondInstallWithAnotherShimKeepsTheFirstBackup() throws IOException {
    Path config = dir.resolve("config.toml");
    Files.writeString(config, "version = 2 # mine\n");
    Installer installer = new Installer(dir.resolve("state"));
    installer.apply(install(config).plan());
    ContainerdInstall other = new ContainerdInstall(config, RuntimeClassRequest.of("katadbg"),
        Optional.of(dir.resolve("other-shim")), dir.resolve("bin"), wrapper(), dir.resolve("katadbg.toml"), 2, List.of());
    Plan second = other.plan();
    assertThat(second.changes()).extracting(Change::path).containsExactly(dir.resolve("katadbg.toml"));
    installer.apply(second);
    installer.uninstall(ContainerdInstall.KIND, config, false);
    assertThat(Files.readString(config)).isEqualTo("version = 2 # mine\n");
    assertThat(dir.resolve("katadbg.toml")).doesNotExist();
  }

  @org.junit.jupiter.api.Test
  void theShimIsTakenFromTheCopiedClass() throws IOException {
    Path config = dir.resolve("config.toml");
    Path kata = dir.resolve("kata/bin/containerd-shim-kata-v2");
    Files.createDirectories(kata.getParent());
    Files.writeString(kata, "#!/bin/sh\n");
    Files.setPosixFilePermissions(kata, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(config, "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.kata]\n"
        + "runtime_type = \"io.containerd.kata.v2\"\n");
    ContainerdInstall install = new ContainerdInstall(config, RuntimeClassRequest.of("katadbg"), Optional.empty(),
        dir.resolve("bin"), wrapper(), dir.resolve("katadbg.toml"), 2, List.of(dir.resolve("nowhere"), kata.getParent()));
    Plan plan = install.plan();
    assertThat(plan.describe()).contains("+binary = \"" + kata + "\"");
    assertThat(plan.notes()).anyMatch(n -> n.contains("has no DWARF") || n.contains("cannot read"));
  }

  ContainerdInstall install(Path config) throws IOException {
    return new ContainerdInstall(config, RuntimeClassRequest.of("katadbg"), Optional.of(dir.resolve("shim")),
        dir.resolve("bin"), wrapper(), dir.resolve("katadbg.toml"), 2, List.of());
  }

  /** Stands in for the launcher only as a file to link to; nothing runs it here. */
  Path wrapper() throws IOException {
    Path w = dir.resolve("dist/bin/containerd-shim-katadbg-v2");
    if (!Files.exists(w)) {
      Files.createDirectories(w.getParent());
      Files.writeString(w, "#!/bin/sh\nexit 0\n");
      Files.setPosixFilePermissions(w, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    return w;
  }

  static List<String> comments(String toml) {
    List<String> out = new ArrayList<>();
    for (String line : lines(toml)) {
      int hash = line.indexOf('#');
      if (hash >= 0) {
        out.add(line.substring(hash));
      }
    }
    return out;
  }

  static List<String> lines(String s) {
    return s.isEmpty() ? List.of() : List.of(s.split("\n", -1));
  }

  static boolean isSubsequence(List<String> small, List<String> big) {
    int j = 0;
    for (String line : small) {
      while (j < big.size() && !big.get(j).equals(line)) {
        j++;
      }
      if (j == big.size()) {
        return false;
      }
      j++;
    }
    return true;
  }
}
