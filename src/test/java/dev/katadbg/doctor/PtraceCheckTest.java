package dev.katadbg.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PtraceCheck on FAKE /proc files: a process without CAP_SYS_PTRACE and a kernel with Yama
 * scope 3 cannot be produced on the test machine (root, no Yama), so their status files are
 * written by hand in the kernel's format.
 */
class PtraceCheckTest {
  @TempDir Path dir;

  Host host() {
    return new Host(new DoctorOptions(Optional.empty(), RuntimeManager.CONTAINERD, "katadbg",
        Path.of("containerd"), dir.resolve("c.toml"), dir.resolve("crio.conf"), dir, Map.of()));
  }

  CheckResult run(String capEff, String uid, String scope) throws Exception {
    Path status = dir.resolve("status");
    Files.writeString(status, "Name:\tjava\nUid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid
        + "\nCapEff:\t" + capEff + "\n");
    Path yama = dir.resolve("ptrace_scope");
    if (scope != null) {
      Files.writeString(yama, scope + "\n");
    }
    return new PtraceCheck(status, yama).run(host());
  }

  @Test
  void fakeRootWithAllCapabilitiesPasses() throws Exception {
    assertThat(run("000001ffffffffff", "0", null).status()).isEqualTo(Status.OK);
  }

  @Test
  void fakeUserWithoutCapSysPtraceFails() throws Exception {
    CheckResult r = run("0000000000000000", "1000", "1");
    assertThat(r.status()).isEqualTo(Status.FAIL);
    assertThat(r.detail()).contains("uid 1000 without CAP_SYS_PTRACE");
    assertThat(r.fix()).get().asString().contains("root");
  }

  @Test
  void fakeYamaScope3FailsEvenForRoot() throws Exception {
    CheckResult r = run("000001ffffffffff", "0", "3");
    assertThat(r.status()).isEqualTo(Status.FAIL);
    assertThat(r.fix()).get().asString().contains("ptrace_scope below 3");
  }

  @Test
  void onlyCapSysPtraceBitCounts() throws Exception {
    // bit 19 alone
    assertThat(run(Long.toHexString(1L << 19), "1000", "2").status()).isEqualTo(Status.OK);
  }
}
