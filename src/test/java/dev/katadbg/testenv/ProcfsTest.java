package dev.katadbg.testenv;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProcfsTest {

  @Test
  void statCommMayHoldSpacesAndParentheses() {
    Procfs.Stat stat = Procfs.parseStat("4242 (a (weird) name) S 17 4242 4242 0 -1 4194560 ...");

    assertThat(stat.comm()).isEqualTo("a (weird) name");
    assertThat(stat.state()).isEqualTo('S');
    assertThat(stat.ppid()).isEqualTo(17);
  }

  @Test
  void cmdlineSplitsOnNul() {
    byte[] cmdline = "shim\0-address\0/run/x.sock\0".getBytes(StandardCharsets.UTF_8);

    assertThat(Procfs.splitCmdline(cmdline)).containsExactly("shim", "-address", "/run/x.sock");
    assertThat(Procfs.splitCmdline(new byte[0])).isEmpty();
  }

  @Test
  void shimOfMatchesBothFlagForms() {
    assertThat(proc("containerd-shim-runc-v2", "-namespace", "default", "-address", "/run/a.sock").isShimOf("/run/a.sock")).isTrue();
    assertThat(proc("dlv", "exec", "shim", "--", "-address=/run/a.sock", "start").isShimOf("/run/a.sock")).isTrue();
    assertThat(proc("containerd-shim-runc-v2", "-address", "/run/a.sock.other").isShimOf("/run/a.sock")).isFalse();
    assertThat(proc("containerd", "--config", "/run/a.sock").isShimOf("/run/a.sock")).isFalse();
  }

  @Test
  void mountPointsUnderADirectoryDeepestFirstWithEscapesDecoded() {
    List<String> mountinfo = List.of(
        "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw",
        "100 22 0:50 / /run/kt/cd-1/state/b/rootfs rw shared:2 - overlay overlay rw",
        "101 100 0:51 / /run/kt/cd-1/state/b/rootfs/proc rw - proc proc rw",
        "102 22 0:52 / /run/kt/cd-1/with\\040space rw - tmpfs tmpfs rw",
        "103 22 0:53 / /run/kt/cd-10 rw - tmpfs tmpfs rw");

    assertThat(Procfs.mountPointsUnder(Path.of("/run/kt/cd-1"), mountinfo)).containsExactly(
        Path.of("/run/kt/cd-1/state/b/rootfs/proc"),
        Path.of("/run/kt/cd-1/state/b/rootfs"),
        Path.of("/run/kt/cd-1/with space"));
  }

  @Test
  void readsThisJvm() {
    Procfs.Proc self = Procfs.read(ProcessHandle.current().pid()).orElseThrow();

    assertThat(self.exited()).isFalse();
    assertThat(self.args()).isNotEmpty();
    assertThat(Procfs.selfAndAncestors()).contains(self.pid(), self.ppid());
  }

  private static Procfs.Proc proc(String... args) {
    return new Procfs.Proc(1, 0, 'S', args[0], List.of(args), Optional.empty(), 0);
  }
}
