package dev.katadbg.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The wrapper and runtime-class checks for CRI-O, on real crio.conf / crio.conf.d files. */
class CrioChecksTest {
  @TempDir Path dir;
  Path confd;
  Path wrapper;

  @BeforeEach
  void setUp() throws IOException {
    confd = Files.createDirectories(dir.resolve("crio.conf.d"));
    Files.writeString(dir.resolve("crio.conf"), "[crio.runtime]\ndefault_runtime = \"runc\"\n"
        + "[crio.runtime.runtimes.runc]\nruntime_type = \"oci\"\n");
    wrapper = dir.resolve("containerd-shim-katadbg-v2");
    Files.writeString(wrapper, "#!/bin/sh\n");
    Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  Host host() {
    return new Host(new DoctorOptions(Optional.empty(), RuntimeManager.CRIO, "katadbg",
        Path.of("containerd"), dir.resolve("none.toml"), dir.resolve("crio.conf"), confd,
        Map.of()));
  }

  void dropIn(String name, String body) throws IOException {
    Files.writeString(confd.resolve(name), body);
  }

  @Test
  void goodHandlerPasses() throws IOException {
    dropIn("50-katadbg.conf", "[crio.runtime.runtimes.katadbg]\nruntime_path = \"" + wrapper
        + "\"\nruntime_type = \"vm\"\n");
    assertThat(new RuntimeClassCheck().run(host()).status()).isEqualTo(Status.OK);
    assertThat(new WrapperCheck().run(host()).status()).isEqualTo(Status.OK);
  }

  @Test
  void laterDropInReplacesTheWholeHandler() throws IOException {
    dropIn("50-katadbg.conf", "[crio.runtime.runtimes.katadbg]\nruntime_path = \"" + wrapper
        + "\"\nruntime_type = \"vm\"\n");
    dropIn("60-other.conf", "[crio.runtime.runtimes.katadbg]\nruntime_path = \"" + wrapper
        + "\"\n");
    CheckResult r = new RuntimeClassCheck().run(host());
    assertThat(r.status()).isEqualTo(Status.FAIL);
    assertThat(r.detail()).contains("60-other.conf").contains("runtime_type \"oci\"");
  }

  @Test
  void wrapperNameMustMatchCriosVmPattern() throws IOException {
    Path renamed = Files.copy(wrapper, dir.resolve("katadbg-wrapper"));
    dropIn("50-katadbg.conf", "[crio.runtime.runtimes.katadbg]\nruntime_path = \"" + renamed
        + "\"\nruntime_type = \"vm\"\n");
    CheckResult r = new WrapperCheck().run(host());
    assertThat(r.status()).isEqualTo(Status.FAIL);
    assertThat(r.detail()).contains("^containerd-shim-");
  }

  @Test
  void missingHandlerFailsWithTheDropInToWrite() {
    CheckResult r = new RuntimeClassCheck().run(host());
    assertThat(r.status()).isEqualTo(Status.FAIL);
    assertThat(r.fix()).get().asString().contains(confd.resolve("50-katadbg.conf").toString())
        .contains("runtime_type = \"vm\"");
  }
}
