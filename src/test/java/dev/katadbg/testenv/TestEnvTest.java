package dev.katadbg.testenv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class TestEnvTest {

  private final TestEnv env = new TestEnv(Path.of("/somewhere/.deps"));

  @Test
  void nothingMissingPasses() {
    assertThatCode(() -> env.verdict(List.of(), "true")).doesNotThrowAnyException();
    assertThatCode(() -> env.verdict(List.of(), null)).doesNotThrowAnyException();
  }

  @Test
  void missingPartFailsOnCi() {
    assertThatThrownBy(() -> env.verdict(List.of("Delve 1.24 at /x/dlv"), "true"))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("Delve 1.24 at /x/dlv")
        .hasMessageContaining("scripts/setup-env.sh")
        .hasMessageContaining("CI=true");
  }

  @Test
  void missingPartIsSkippedOutsideCi() {
    for (String ci : new String[] {null, "", "false", "1"}) {
      assertThatThrownBy(() -> env.verdict(List.of("root (running as uid 1000)"), ci))
          .isInstanceOf(TestAbortedException.class)
          .hasMessageContaining("root (running as uid 1000)")
          .hasMessageContaining("scripts/setup-env.sh");
    }
  }

  @Test
  void projectLocalPartsComeFromTheDepsDirectory() {
    assertThat(env.dlv()).isEqualTo(Path.of("/somewhere/.deps/trixie/usr/bin/dlv"));
    assertThat(env.oldDlv()).isEqualTo(Path.of("/somewhere/.deps/bookworm/usr/bin/dlv"));
    assertThat(env.debugShim()).isEqualTo(Path.of("/somewhere/.deps/shim/containerd-shim-runc-v2"));
    assertThat(env.debianShim()).isEqualTo(Path.of("/usr/bin/containerd-shim-runc-v2"));
    assertThat(env.path(TestEnv.Part.PIE_SHIM)).isEqualTo(Path.of("/somewhere/.deps/shim-pie/containerd-shim-runc-v2"));
    assertThat(env.path(TestEnv.Part.DLV_1_27)).isEqualTo(Path.of("/somewhere/.deps/dlv-1.27/usr/bin/dlv"));
    assertThat(env.binDir(TestEnv.Part.CONTAINERD_1_7)).isEqualTo(Path.of("/somewhere/.deps/containerd-1.7/usr/bin"));
    assertThat(env.binDir(TestEnv.Part.CONTAINERD_2_1)).isEqualTo(Path.of("/somewhere/.deps/containerd-2.1/usr/bin"));
    assertThat(env.path(TestEnv.Part.SHIM_2_1)).isEqualTo(Path.of("/somewhere/.deps/shim-2.1/containerd-shim-runc-v2"));
    assertThat(env.path(TestEnv.Part.GO_1_27)).isEqualTo(Path.of("/somewhere/.deps/go-1.27/usr/lib/go-1.27/bin/go"));
  }

  @Test
  void missingNamesEachAbsentPart() {
    List<String> missing = env.missing(TestEnv.Part.DLV, TestEnv.Part.DEBUG_SHIM);
    assertThat(missing).anyMatch(line -> line.startsWith("Delve 1.24 at /somewhere/.deps/trixie/usr/bin/dlv"));
    assertThat(missing).anyMatch(line -> line.contains("debug build of containerd-shim-runc-v2"));
  }

  @Test
  void pathLookupTakesTheFirstExecutableHit(@TempDir Path dir) throws Exception {
    Path first = Files.createDirectories(dir.resolve("a"));
    Path second = Files.createDirectories(dir.resolve("b"));
    Files.writeString(first.resolve("tool"), "not executable");
    Path executable = Files.writeString(second.resolve("tool"), "#!/bin/sh\n");
    executable.toFile().setExecutable(true);

    assertThat(TestEnv.findOnPath(first + ":" + second, "tool")).contains(executable);
    assertThat(TestEnv.findOnPath(first.toString(), "tool")).isEmpty();
  }
}
