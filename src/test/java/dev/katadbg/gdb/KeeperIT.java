package dev.katadbg.gdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katadbg.proc.ProcessInfo;
import dev.katadbg.proc.Processes;
import dev.katadbg.testenv.TestEnv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A keeper gdb and its gdbserver, real ones, on a real process. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KeeperIT {
  @TempDir Path dir;

  private Process target;
  private long keeper;

  @AfterEach
  void end() {
    if (keeper > 0) {
      ProcessHandle.of(keeper).ifPresent(ProcessHandle::destroyForcibly);
    }
    if (target != null) {
      target.destroyForcibly();
    }
  }

  private static final Processes PROCESSES = Processes.linux();

  private static long startTime(long pid) {
    return PROCESSES.get((int) pid).orElseThrow().startTime();
  }

  private static String comm(long pid) {
    return PROCESSES.get((int) pid).map(ProcessInfo::comm).orElse("");
  }

  /**
   * What a session's guard reads to end the keeper if the wrapper is killed right after the
   * launch: written by the launching shell, so it is there when launch returns; and ending the
   * keeper it names ends its gdbserver too.
   */
  @Test
  void theLaunchingShellNamesTheKeeperAndGdbserverEndsWithIt() throws Exception {
    TestEnv env = TestEnv.require(TestEnv.Part.GDB, TestEnv.Part.GDBSERVER);
    target = new ProcessBuilder("/bin/sleep", "120").start();
    Path pidFile = dir.resolve("debugger.pid");

    Keeper.Started k = Keeper.launch(new Keeper.Spec(env.path(TestEnv.Part.GDB),
        env.path(TestEnv.Part.GDBSERVER), Path.of("/bin/sleep"), "127.0.0.1:0",
        (int) target.pid(), dir, Map.of("PATH", "/usr/bin:/bin"), Optional.empty()),
        Optional.of(pidFile));
    keeper = k.pid();

    assertThat(Files.readString(pidFile)).isEqualTo(keeper + " " + startTime(keeper) + "\n");
    Awaitility.await("the keeper execs gdb").atMost(Duration.ofSeconds(20))
        .until(() -> comm(keeper).equals("gdb"));
    String listen = k.keeper().connect("127.0.0.1:0", Duration.ofSeconds(30));
    assertThat(listen).startsWith("127.0.0.1:").isNotEqualTo("127.0.0.1:0");
    List<Long> servers = ProcessHandle.of(keeper).orElseThrow().children()
        .filter(h -> comm(h.pid()).equals("gdbserver")).map(ProcessHandle::pid).toList();
    assertThat(servers).hasSize(1);
    long server = servers.get(0);
    assertThat(PROCESSES.get((int) target.pid()).orElseThrow().tracerPid())
        .isEqualTo((int) server);

    assertThat(ProcessHandle.of(keeper).orElseThrow().destroyForcibly()).isTrue();

    Awaitility.await("gdbserver " + server + " ends with its keeper")
        .atMost(Duration.ofSeconds(20)).until(() -> !Keeper.running(server));
    Awaitility.await("the target is let go").atMost(Duration.ofSeconds(20))
        .until(() -> PROCESSES.get((int) target.pid()).orElseThrow().tracerPid() == 0);
  }
}
