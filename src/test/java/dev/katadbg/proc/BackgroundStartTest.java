package dev.katadbg.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real shells starting real processes in the background. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BackgroundStartTest {
  private final Processes processes = Processes.linux();
  private final List<ProcessInfo> started = new ArrayList<>();

  @TempDir Path dir;

  @AfterEach
  void killWhatWasStarted() {
    for (ProcessInfo p : started) {
      processes.kill(p.pid(), p.startTime());
    }
  }

  private ProcessInfo start(BackgroundStart.Output output, Optional<Path> pidFile,
      String... argv) throws Exception {
    long pid = BackgroundStart.run(new ProcessBuilder(BackgroundStart.command("katadbg-test",
        dir.resolve("log"), output, pidFile, List.of(argv))));
    ProcessInfo p = processes.get((int) pid).orElseThrow(
        () -> new AssertionError("pid " + pid + " is not running"));
    started.add(p);
    return p;
  }

  @Test
  void thePidFileNamesTheStartedProcessByPidAndStartTimeBeforeTheLauncherReturns()
      throws Exception {
    Path pidFile = dir.resolve("debugger.pid");

    ProcessInfo p = start(BackgroundStart.Output.LOG, Optional.of(pidFile), "/bin/sleep", "60");

    // Written by the shell: there when run() returns, with nothing in Java writing it.
    assertThat(Files.readString(pidFile)).isEqualTo(p.pid() + " " + p.startTime() + "\n");
    assertThat(dir.resolve("debugger.pid.tmp")).doesNotExist();
    // The shell's background child may not have exec'd yet; its start time is the same after.
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(
        Path.of("/proc/" + p.pid() + "/comm")).strip().equals("sleep"));
    assertThat(p.ppid()).as("not the JVM's child").isNotEqualTo(ProcessHandle.current().pid());
  }

  @Test
  void withoutAPidFileNothingIsWritten() throws Exception {
    // The shell's directory is dir: a pid file with an empty name would land here as ".tmp".
    long pid = BackgroundStart.run(new ProcessBuilder(BackgroundStart.command("katadbg-test",
        dir.resolve("log"), BackgroundStart.Output.LOG, Optional.empty(),
        List.of("/bin/sleep", "60"))).directory(dir.toFile()));
    started.add(processes.get((int) pid).orElseThrow());

    // Only the log, which the background child opens when it gets to it: maybe not yet.
    try (var files = Files.list(dir)) {
      assertThat(files.map(f -> f.getFileName().toString())).isSubsetOf("log");
    }
  }

  @Test
  void outputGoesToTheLogOrStandardErrorAloneDoes() throws Exception {
    Path log = dir.resolve("log");
    start(BackgroundStart.Output.LOG, Optional.empty(), "/bin/sh", "-c",
        "echo out; echo err >&2; exec sleep 60");
    Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> Files.readString(log).contains("err"));
    assertThat(Files.readString(log)).contains("out\n").contains("err\n");

    Files.delete(log);
    start(BackgroundStart.Output.DISCARD, Optional.empty(), "/bin/sh", "-c",
        "echo out2; echo err2 >&2; exec sleep 60");
    Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> Files.exists(log) && Files.readString(log).contains("err2"));
    assertThat(Files.readString(log)).isEqualTo("err2\n");
  }

  @Test
  void aShellThatPrintsNoPidIsAnError() {
    // Not BackgroundStart's shell: one that fails before printing, as a missing /bin/sh would.
    assertThatThrownBy(() -> BackgroundStart.run(new ProcessBuilder("/bin/sh", "-c", "exit 3")))
        .isInstanceOf(IOException.class)
        .hasMessage("no pid from the launching shell (got '')");
    assertThatThrownBy(() -> BackgroundStart.command("x", dir.resolve("log"),
        BackgroundStart.Output.LOG, Optional.empty(), List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
