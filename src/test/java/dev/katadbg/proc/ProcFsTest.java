package dev.katadbg.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Processes over a directory laid out like procfs, for cases the real /proc cannot stage. */
class ProcFsTest {
  @TempDir Path root;

  /** Writes {@code root/PID/{stat,status,cmdline}} with the fields Processes reads. */
  private void fake(int pid, String comm, char state, int ppid, long startTime, int tracerPid,
      String... argv) throws IOException {
    Path dir = Files.createDirectories(root.resolve(Integer.toString(pid)));
    Files.write(dir.resolve("stat"), (pid + " (" + comm + ") " + state + " " + ppid
        + " 1 1 0 -1 4194304 98 0 0 0 0 0 0 0 20 0 1 0 " + startTime
        + " 5611520 220 18446744073709551615 94 95 96 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n")
        .getBytes(StandardCharsets.UTF_8));
    Files.writeString(dir.resolve("status"), "Name:\t" + comm + "\nUmask:\t0022\nState:\t"
        + state + "\nTgid:\t" + pid + "\nNgid:\t0\nPid:\t" + pid + "\nPPid:\t" + ppid
        + "\nTracerPid:\t" + tracerPid + "\nUid:\t1000\t1000\t1000\t1000\nGid:\t0\t0\t0\t0\n");
    StringBuilder cmdline = new StringBuilder();
    for (String a : argv) {
      cmdline.append(a).append('\0');
    }
    Files.writeString(dir.resolve("cmdline"), cmdline);
  }

  @Test
  void readsACommWithSpacesAndParentheses() throws IOException {
    fake(4242, "a) b (c", 'S', 1, 12345, 0, "weird", "", "arg with space");
    Files.createSymbolicLink(root.resolve("4242/exe"), Path.of("/usr/bin/weird"));

    ProcessInfo p = Processes.at(root).get(4242).orElseThrow();

    assertThat(p).isEqualTo(new ProcessInfo(4242, 1, 'S', 12345, "a) b (c",
        List.of("weird", "", "arg with space"), Optional.of(Path.of("/usr/bin/weird")), 0, 1000));
    assertThat(p.isTraced()).isFalse();
    assertThat(p.isZombie()).isFalse();
  }

  @Test
  void withCommReadsOnlyMatchingProcessesAndCwdReadsTheLink() throws IOException {
    fake(1, "init", 'S', 0, 1, 0, "/sbin/init");
    fake(7, "containerd-shim", 'S', 1, 2, 0, "/usr/bin/containerd-shim-runc-v2", "-id", "x");
    Files.createSymbolicLink(root.resolve("7/cwd"), Path.of("/run/bundle/x"));
    // A broken entry that would fail a full read: withComm must not look past its stat.
    fake(9, "other", 'S', 1, 3, 0, "other");
    Files.delete(root.resolve("9/status"));

    Processes p = Processes.at(root);

    assertThat(p.withComm(c -> c.startsWith("containerd-shim"))).extracting(ProcessInfo::pid)
        .containsExactly(7);
    assertThat(p.cwd(7)).contains(Path.of("/run/bundle/x"));
    assertThat(p.cwd(1)).isEmpty();
    assertThat(p.cwd(99)).isEmpty();
  }

  @Test
  void allSkipsNonProcessEntriesAndVanishedProcesses() throws IOException {
    fake(1, "init", 'S', 0, 1, 0, "/sbin/init");
    fake(30, "kthreadd", 'S', 0, 2, 0);
    Files.createDirectories(root.resolve("31")); // exited between listing and reading
    Files.createDirectories(root.resolve("sys"));
    Files.createSymbolicLink(root.resolve("self"), root.resolve("1"));
    Files.writeString(root.resolve("12x"), "");

    List<ProcessInfo> all = Processes.at(root).all();

    assertThat(all).extracting(ProcessInfo::pid).containsExactly(1, 30);
    assertThat(all.get(1).cmdline()).isEmpty();
    assertThat(all.get(1).exe()).isEmpty();
    assertThat(Processes.at(root).get(31)).isEmpty();
    assertThat(Processes.at(root).get(99)).isEmpty();
  }

  @Test
  void isAliveNeedsTheSameStartTimeAndNoZombie() throws IOException {
    fake(50, "sleep", 'S', 1, 1000, 0, "sleep", "30");
    fake(51, "sleep", 'Z', 1, 1001, 0);
    Processes ps = Processes.at(root);

    assertThat(ps.isAlive(50, 1000)).isTrue();
    assertThat(ps.isAlive(50, 999)).isFalse(); // the pid was reused
    assertThat(ps.isAlive(51, 1001)).isFalse();
    assertThat(ps.get(51).orElseThrow().isZombie()).isTrue();
    assertThat(ps.isAlive(52, 1002)).isFalse();
  }

  @Test
  void traceesOfMatchesAnyThreadOfTheTracer() throws IOException {
    fake(100, "dlv", 'S', 1, 10, 0, "dlv");
    Files.createDirectories(root.resolve("100/task/100"));
    Files.createDirectories(root.resolve("100/task/104")); // the thread that calls ptrace
    fake(200, "shim", 't', 100, 20, 104, "shim", "start");
    fake(201, "shim", 't', 100, 21, 100, "shim", "-namespace", "k8s.io");
    fake(202, "bystander", 'S', 1, 22, 0, "bystander");
    fake(203, "other", 't', 1, 23, 900, "other");
    Processes ps = Processes.at(root);

    assertThat(ps.traceesOf(100)).containsExactly(200, 201);
    assertThat(ps.traceesOf(900)).isEmpty(); // not a process (900 is no directory)
    assertThat(ps.get(203).orElseThrow().tracerPid()).isEqualTo(900);
  }

  @Test
  void descendantsAreListedNearestFirst() throws IOException {
    fake(1, "init", 'S', 0, 1, 0);
    fake(10, "containerd", 'S', 1, 2, 0);
    fake(13, "grandchild", 'S', 12, 5, 0);
    fake(11, "child", 'S', 10, 3, 0);
    fake(12, "child", 'S', 10, 4, 0);
    fake(20, "unrelated", 'S', 1, 6, 0);

    Processes ps = Processes.at(root);

    assertThat(ps.descendantsOf(10)).containsExactly(11, 12, 13);
    assertThat(ps.descendantsOf(13)).isEmpty();
    assertThat(ps.descendantsOf(1)).containsExactly(10, 20, 11, 12, 13);
  }

  @Test
  void garbageInAStatFileIsAnErrorNamingTheFile() throws IOException {
    Path dir = Files.createDirectories(root.resolve("7"));
    Files.writeString(dir.resolve("stat"), "7 no parentheses here\n");

    assertThatThrownBy(() -> Processes.at(root).get(7))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(dir.resolve("stat") + ": no \"(comm)\"");
  }

  @Test
  void aMissingRootCannotBeListed() {
    Processes ps = Processes.at(root.resolve("nope"));

    assertThat(ps.get(1)).isEmpty();
    assertThatThrownBy(ps::all)
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining(root.resolve("nope").toString());
  }

  @Test
  void pidsMustBePositive() {
    Processes ps = Processes.at(root);

    assertThatThrownBy(() -> ps.get(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ps.isAlive(-1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ps.kill(0, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void cmdlineWithoutTrailingNulKeepsTheLastArgument() {
    byte[] rewritten = "nginx: master process\0\0x".getBytes(StandardCharsets.UTF_8);

    assertThat(ProcFs.splitCmdline(rewritten)).containsExactly("nginx: master process", "", "x");
    assertThat(ProcFs.splitCmdline(new byte[0])).isEmpty();
  }
}
