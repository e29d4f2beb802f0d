package dev.katadbg.testenv;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class CtrArgsTest {

  private static final Path FIFOS = Path.of("/run/kt/cd-1/fifo");

  @Test
  void runGetsThePrivateFifoDirBeforeItsOtherFlags() {
    assertThat(CtrArgs.command(Path.of("/usr/bin/ctr"), Path.of("/run/kt/cd-1/containerd.sock"), FIFOS,
        "run", "--rm", "--rootfs", "/r", "id", "/bin/echo", "hi"))
        .containsExactly("/usr/bin/ctr", "-a", "/run/kt/cd-1/containerd.sock",
            "run", "--fifo-dir", "/run/kt/cd-1/fifo", "--rm", "--rootfs", "/r", "id", "/bin/echo", "hi");
  }

  @Test
  void globalFlagsAreSkippedToFindTheSubcommand() {
    assertThat(CtrArgs.withFifoDir(List.of("-n", "k8s.io", "--debug", "tasks", "exec", "--exec-id", "e", "id", "ls"), FIFOS))
        .containsExactly("-n", "k8s.io", "--debug", "tasks", "exec", "--fifo-dir", FIFOS.toString(),
            "--exec-id", "e", "id", "ls");
    assertThat(CtrArgs.withFifoDir(List.of("--namespace=x", "t", "start", "id"), FIFOS))
        .containsExactly("--namespace=x", "t", "start", "--fifo-dir", FIFOS.toString(), "id");
  }

  @Test
  void otherCommandsAndExplicitFifoDirsAreLeftAlone() {
    assertThat(CtrArgs.withFifoDir(List.of("tasks", "ls"), FIFOS)).containsExactly("tasks", "ls");
    assertThat(CtrArgs.withFifoDir(List.of("version"), FIFOS)).containsExactly("version");
    assertThat(CtrArgs.withFifoDir(List.of("run", "--fifo-dir", "/mine", "--rootfs", "/r", "id"), FIFOS))
        .containsExactly("run", "--fifo-dir", "/mine", "--rootfs", "/r", "id");
  }
}
