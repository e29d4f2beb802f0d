package dev.katadbg.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katadbg.testsupport.Deps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Processes against this machine's real /proc, with real children. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProcessesTest {
  private final Processes processes = Processes.linux();
  private final List<Process> started = new ArrayList<>();
  private final List<ProcessInfo> discovered = new ArrayList<>();

  @AfterEach
  void killEverythingWeStarted() {
    // Grandchildren first by identity (they may already be re-parented), then our children.
    for (ProcessInfo p : discovered) {
      processes.kill(p.pid(), p.startTime());
    }
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  private Process start(String... command) throws IOException {
    Process p = new ProcessBuilder(command)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    started.add(p);
    return p;
  }

  private static void await(String what, BooleanSupplier condition) {
    Awaitility.await(what).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
        .pollInSameThread().until(condition::getAsBoolean);
  }

  @Test
  void readsThisJvm() throws Exception {
    ProcessHandle self = ProcessHandle.current();

    ProcessInfo me = processes.get((int) self.pid()).orElseThrow();

    assertThat(me.ppid()).isEqualTo((int) self.parent().orElseThrow().pid());
    assertThat(me.state()).isIn('R', 'S');
    assertThat(me.exe()).contains(Path.of(self.info().command().orElseThrow()));
    assertThat(me.cmdline()).isNotEmpty();
    assertThat(me.cmdline().subList(1, me.cmdline().size()))
        .containsExactlyElementsOf(List.of(self.info().arguments().orElseThrow()));
    assertThat(me.uid()).isEqualTo(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    // The JDK derives its start instant from the same stat field: boot time + ticks / CLK_TCK.
    long bootSeconds = Files.readAllLines(Path.of("/proc/stat")).stream()
        .filter(l -> l.startsWith("btime ")).mapToLong(l -> Long.parseLong(l.substring(6)))
        .findFirst().orElseThrow();
    Instant started =
        Instant.ofEpochSecond(bootSeconds).plusMillis(me.startTime() * 1000 / clockTicks());
    assertThat(Duration.between(started, self.info().startInstant().orElseThrow()).abs())
        .isLessThan(Duration.ofSeconds(2));
    assertThat(processes.isAlive(me.pid(), me.startTime())).isTrue();
    assertThat(processes.all()).extracting(ProcessInfo::pid)
        .contains(me.pid(), me.ppid())
        .isSorted();
  }

  @Test
  void findsAndKillsASleepingChildByIdentity() throws Exception {
    Process sleep = start("sleep", "30");
    int pid = (int) sleep.pid();
    await("sleep has exec'd", () -> processes.get(pid)
        .filter(p -> p.cmdline().equals(List.of("sleep", "30"))).isPresent());

    ProcessInfo info = processes.get(pid).orElseThrow();
    assertThat(info.ppid()).isEqualTo(ProcessHandle.current().pid());
    assertThat(info.comm()).isEqualTo("sleep");
    assertThat(info.exe()).get().asString().endsWith("/sleep");
    assertThat(processes.isAlive(pid, info.startTime())).isTrue();
    assertThat(processes.descendantsOf((int) ProcessHandle.current().pid())).contains(pid);

    processes.kill(pid, info.startTime() + 1); // a different process that reused the pid
    assertThat(sleep.waitFor(300, TimeUnit.MILLISECONDS)).isFalse();
    assertThat(processes.isAlive(pid, info.startTime())).isTrue();

    processes.kill(pid, info.startTime());
    assertThat(sleep.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(sleep.exitValue()).isEqualTo(128 + 9);
    assertThat(processes.isAlive(pid, info.startTime())).isFalse();
    processes.kill(pid, info.startTime()); // already gone: nothing happens
  }

  @Test
  void stopsAndContinuesAChildByIdentity() throws Exception {
    Process sleep = start("sleep", "30");
    int pid = (int) sleep.pid();
    await("sleep has exec'd", () -> processes.get(pid)
        .filter(p -> p.comm().equals("sleep")).isPresent());
    long startTime = processes.get(pid).orElseThrow().startTime();

    processes.stopOrContinue(pid, startTime + 1, false); // another process with that pid
    Thread.sleep(200);
    assertThat(processes.get(pid).orElseThrow().state()).isEqualTo('S');

    processes.stopOrContinue(pid, startTime, false);
    await("stopped", () -> processes.get(pid).orElseThrow().state() == 'T');
    processes.stopOrContinue(pid, startTime, true);
    await("running again", () -> processes.get(pid).orElseThrow().state() == 'S');
  }

  @Test
  void killTreeReachesAGrandchild() throws Exception {
    Process sh = start("sh", "-c", "sleep 30 & wait");
    int shPid = (int) sh.pid();
    await("sh has started sleep", () -> !processes.descendantsOf(shPid).isEmpty());

    List<Integer> descendants = processes.descendantsOf(shPid);
    assertThat(descendants).hasSize(1);
    ProcessInfo grandchild = processes.get(descendants.get(0)).orElseThrow();
    discovered.add(grandchild);
    assertThat(grandchild.ppid()).isEqualTo(shPid);
    await("grandchild has exec'd sleep",
        () -> processes.get(grandchild.pid()).map(ProcessInfo::cmdline)
            .filter(List.of("sleep", "30")::equals).isPresent());
    assertThat(processes.descendantsOf((int) ProcessHandle.current().pid()))
        .containsSubsequence(shPid, grandchild.pid());

    processes.killTree(shPid);

    assertThat(sh.waitFor(10, TimeUnit.SECONDS)).isTrue();
    // The orphaned sleep is re-parented; it counts as dead once it is a zombie or reaped.
    await("grandchild is dead",
        () -> !processes.isAlive(grandchild.pid(), grandchild.startTime()));
  }

  @Test
  void traceesOfFindsTheProcessATracerAttachedTo() throws Exception {
    Path tracerTool = Deps.requireAny(Path.of("/usr/bin/strace"), Path.of("/usr/bin/gdb"));
    Process sleep = start("sleep", "30");
    int pid = (int) sleep.pid();
    await("sleep has exec'd", () -> processes.get(pid)
        .filter(p -> p.comm().equals("sleep")).isPresent());
    Process tracer = tracerTool.getFileName().toString().equals("strace")
        ? start(tracerTool.toString(), "-p", Integer.toString(pid), "-o", "/dev/null")
        : start(tracerTool.toString(), "-nx", "-batch", "-p", Integer.toString(pid),
            "-ex", "shell sleep 30");
    int tracerPid = (int) tracer.pid();

    await("the tracer has attached", () -> processes.traceesOf(tracerPid).contains(pid));

    assertThat(processes.traceesOf(tracerPid)).containsExactly(pid);
    ProcessInfo traced = processes.get(pid).orElseThrow();
    assertThat(traced.isTraced()).isTrue();
    assertThat(processes.get(tracerPid).orElseThrow().tracerPid()).isZero();
    assertThat(processes.traceesOf((int) ProcessHandle.current().pid())).isEmpty();

    processes.killTree(tracerPid); // a dead tracer's tracees are detached by the kernel
    await("the tracee is detached", () -> processes.get(pid)
        .filter(p -> !p.isTraced()).isPresent());
    assertThat(processes.traceesOf(tracerPid)).isEmpty();
  }

  @Test
  void missingProcessesAreAbsentNotErrors() {
    assertThat(processes.get(Integer.MAX_VALUE)).isEmpty();
    assertThat(processes.isAlive(Integer.MAX_VALUE, 0)).isFalse();
    assertThat(processes.descendantsOf(Integer.MAX_VALUE)).isEmpty();
    assertThat(processes.traceesOf(Integer.MAX_VALUE)).isEmpty();
    processes.kill(Integer.MAX_VALUE, 0);
    processes.killTree(Integer.MAX_VALUE);
  }

  @Test
  void refusesToKillThisJvm() {
    ProcessInfo me = processes.get((int) ProcessHandle.current().pid()).orElseThrow();

    assertThatThrownBy(() -> processes.kill(me.pid(), me.startTime()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> processes.killTree(me.pid()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("contains this JVM");
    assertThat(processes.isAlive(me.pid(), me.startTime())).isTrue();
  }

  private static long clockTicks() throws Exception {
    Process p = new ProcessBuilder("getconf", "CLK_TCK").start();
    String out = new String(p.getInputStream().readAllBytes()).strip();
    p.waitFor();
    return Long.parseLong(out);
  }
}
