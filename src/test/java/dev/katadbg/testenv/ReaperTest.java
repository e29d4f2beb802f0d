package dev.katadbg.testenv;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReaperTest {

  private static final Path BASE = Path.of("/run/kdbg-scratch.z6z2bX");
  private final Reaper reaper = new Reaper(BASE, Path.of("/usr/sbin/runc"));

  @Test
  void computesTheShimSocketLikeContainerd() {
    // Pair recorded from a real containerd 1.6.20 run: the bundle's address file said this.
    Procfs.Proc daemon = proc("/usr/bin/containerd-shim-runc-v2", "-namespace", "default", "-id", "t2",
        "-address", BASE + "/c.sock");

    assertThat(reaper.shimSocketOf(daemon)).contains(
        Path.of("/run/containerd/s/c72e001a29dcb0d060746a2d2e75f6f91789a8058cb884c1fa72eacbcd129d34"));
  }

  @Test
  void ignoresShimsOfOtherContainerds() {
    Procfs.Proc other = proc("/usr/bin/containerd-shim-runc-v2", "-namespace", "default", "-id", "t2",
        "-address", "/run/containerd/containerd.sock");

    assertThat(reaper.shimSocketOf(other)).isEmpty();
    assertThat(reaper.shimSocketOf(proc("containerd", "--config", BASE + "/config.toml"))).isEmpty();
  }

  private static Procfs.Proc proc(String... args) {
    return new Procfs.Proc(1, 0, 'S', "x", List.of(args), Optional.empty(), 0);
  }
}
