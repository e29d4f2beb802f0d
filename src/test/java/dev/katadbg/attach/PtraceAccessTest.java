package dev.katadbg.attach;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katadbg.proc.ProcessInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The permission rules, from staged status and Yama files: this machine runs tests as root with
 * CAP_SYS_PTRACE and without Yama, so a refused ptrace cannot be produced for real here.
 */
class PtraceAccessTest {
  @TempDir Path dir;

  static ProcessInfo shim(int uid) {
    return new ProcessInfo(77, 1, 'S', 5, "containerd-shim", List.of("x"), Optional.empty(), 0,
        uid);
  }

  @Test
  void readsUidCapEffAndYama() throws IOException {
    Path status = Files.writeString(dir.resolve("status"), "Name:\tjava\nUid:\t1000\t0\t0\t0\n"
        + "CapInh:\t0000000000000000\nCapEff:\t000001fffeffffff\n");
    Path yama = Files.writeString(dir.resolve("ptrace_scope"), "1\n");
    assertThat(PtraceAccess.read(status, yama))
        .isEqualTo(new PtraceAccess(1000, true, OptionalInt.of(1)));

    Files.writeString(status, "Uid:\t0\t0\t0\t0\nCapEff:\t0000000000000000\n");
    assertThat(PtraceAccess.read(status, dir.resolve("none")))
        .isEqualTo(new PtraceAccess(0, false, OptionalInt.empty()));
  }

  @Test
  void rootWithCapSysPtraceAndNoYamaMayAttach() {
    assertThat(new PtraceAccess(0, true, OptionalInt.empty()).problem(shim(0))).isEmpty();
    assertThat(new PtraceAccess(0, true, OptionalInt.of(2)).problem(shim(0))).isEmpty();
  }

  @Test
  void anotherUserWithoutTheCapabilityIsToldToBeRoot() {
    assertThat(new PtraceAccess(1000, false, OptionalInt.empty()).problem(shim(0))).get()
        .asString().contains("shim pid 77 runs as root").contains("uid 1000 without"
            + " CAP_SYS_PTRACE").contains("run katadbg as root");
  }

  @Test
  void rootWithoutTheCapabilitySameUserPassesUnlessYamaSaysOtherwise() {
    assertThat(new PtraceAccess(0, false, OptionalInt.of(0)).problem(shim(0))).isEmpty();
    assertThat(new PtraceAccess(0, false, OptionalInt.of(1)).problem(shim(0))).get().asString()
        .contains("kernel.yama.ptrace_scope is 1 (descendants only)")
        .contains("root without CAP_SYS_PTRACE").contains("ptrace_scope=0");
    assertThat(new PtraceAccess(0, false, OptionalInt.of(2)).problem(shim(0))).get().asString()
        .contains("kernel.yama.ptrace_scope is 2 (admin only)").contains("CAP_SYS_PTRACE");
  }

  @Test
  void scopeThreeRefusesEveryone() {
    assertThat(new PtraceAccess(0, true, OptionalInt.of(3)).problem(shim(0))).get().asString()
        .contains("kernel.yama.ptrace_scope is 3");
  }
}
