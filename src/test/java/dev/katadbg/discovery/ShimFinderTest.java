package dev.katadbg.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session;
import dev.katadbg.session.Session.ProcessRef;
import dev.katadbg.session.SessionState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ShimFinder over a directory laid out like procfs and a containerd state directory: groups of
 * containers, CRI-O's empty address and helper processes cannot all be staged with real shims in
 * a unit test (ShimsIT does the real thing).
 */
class ShimFinderTest {
  @TempDir Path root;

  Path proc() {
    return root.resolve("proc");
  }

  Path nsDir() throws IOException {
    return Files.createDirectories(
        root.resolve("state/io.containerd.runtime.v2.task/default"));
  }

  /** A fake process with stat, status, cmdline, and exe and cwd links. */
  void process(int pid, long start, String comm, Path exe, Path cwd, String... argv)
      throws IOException {
    Path dir = Files.createDirectories(proc().resolve(Integer.toString(pid)));
    Files.writeString(dir.resolve("stat"), pid + " (" + comm + ") S 1 1 1 0 -1 4194304 98 0 0 0"
        + " 0 0 0 0 20 0 1 0 " + start + " 5611520 220 18446744073709551615 94 95 96 0 0 0 0 0"
        + " 0 0 0 0 17 1 0 0 0 0 0\n");
    Files.writeString(dir.resolve("status"), "Name:\t" + comm + "\nTracerPid:\t0\n"
        + "Uid:\t0\t0\t0\t0\n");
    StringBuilder b = new StringBuilder();
    for (String a : argv) {
      b.append(a).append('\0');
    }
    Files.write(dir.resolve("cmdline"), b.toString().getBytes(StandardCharsets.UTF_8));
    Files.createSymbolicLink(dir.resolve("exe"), exe);
    Files.createSymbolicLink(dir.resolve("cwd"), cwd);
  }

  Path bundle(String id, String socket) throws IOException {
    Path b = Files.createDirectories(nsDir().resolve(id));
    if (socket != null) {
      Files.writeString(b.resolve("address"), socket);
    }
    return b;
  }

  ShimFinder finder() {
    return new ShimFinder(Processes.at(proc()), proc());
  }

  @Test
  void findsADaemonWithTheContainersOfItsGroup() throws IOException {
    Path notElf = Files.writeString(root.resolve("containerd-shim-runc-v2"), "#!/bin/sh\n");
    Path first = bundle("c1", "unix:///run/containerd/s/aaa");
    bundle("c2", "unix:///run/containerd/s/aaa\n");
    bundle("other", "unix:///run/containerd/s/bbb");
    bundle("nosocket", null);
    process(100, 7, "containerd-shim", notElf, first, notElf.toString(), "-namespace",
        "default", "-id", "c1", "-address", "/run/containerd/containerd.sock");

    List<Shim> shims = finder().find(List.of());

    assertThat(shims).hasSize(1);
    Shim s = shims.get(0);
    assertThat(s.pid()).isEqualTo(100);
    assertThat(s.startTime()).isEqualTo(7);
    assertThat(s.runtime()).isEqualTo("io.containerd.runc.v2");
    assertThat(s.name()).isEqualTo("default/c1");
    assertThat(s.address()).isEqualTo("/run/containerd/containerd.sock");
    assertThat(s.socket()).contains("unix:///run/containerd/s/aaa");
    assertThat(s.bundle()).contains(first);
    assertThat(s.containers()).containsExactly("c1", "c2");
    assertThat(s.binary()).isEqualTo(notElf);
    assertThat(s.dwarf()).as("not an ELF file: unknown").isEmpty();
    assertThat(s.session()).isEmpty();
  }

  @Test
  void skipsHelpersOtherBinariesAndTruncatedLookalikes() throws IOException {
    Path shim = Files.writeString(root.resolve("containerd-shim-kata-qemu-v2"), "x");
    Path other = Files.writeString(root.resolve("containerd-shimmer"), "x");
    Path b = bundle("s1", "unix:///run/containerd/s/ccc");
    process(200, 1, "containerd-shim", shim, b, shim.toString(), "-namespace", "k8s.io", "-id",
        "s1", "-address", "/a", "start");
    process(201, 1, "containerd-shim", shim, b, shim.toString(), "-namespace", "k8s.io", "-id",
        "s1", "-address", "/a", "-bundle", b.toString(), "delete");
    process(202, 1, "containerd-shim", other, b, other.toString(), "-id", "s1");
    process(203, 1, "sleep", shim, b, "sleep", "100");
    process(204, 1, "containerd-shim", shim, b, shim.toString(), "-namespace", "k8s.io", "-id",
        "s1", "-address", "/a", "-debug");

    List<Shim> shims = finder().find(List.of());

    assertThat(shims).extracting(Shim::pid).containsExactly(204);
    assertThat(shims.get(0).runtime()).isEqualTo("io.containerd.kata-qemu.v2");
  }

  @Test
  void acceptsCriOsEmptyAddressAndAStrippedBinary() throws IOException {
    Path bundle = Files.createDirectories(root.resolve("crio/abc/userdata"));
    Path stripped = Files.copy(Path.of("/bin/true"), root.resolve("true"));
    process(300, 1, "containerd-shim", stripped, bundle,
        "/usr/bin/containerd-shim-kata-v2", "-namespace", "default", "-address", "",
        "-publish-binary", "/usr/bin/crio", "-id", "abc");

    Shim s = finder().find(List.of()).get(0);

    assertThat(s.address()).isEmpty();
    assertThat(s.id()).isEqualTo("abc");
    assertThat(s.containers()).containsExactly("abc");
    assertThat(s.socket()).isEmpty();
    assertThat(s.runtime()).as("exe is no shim name: argv[0] names it")
        .isEqualTo("io.containerd.kata.v2");
    assertThat(s.binary()).isEqualTo(stripped);
    assertThat(s.dwarf()).as("Debian's /bin/true is stripped").contains(false);
  }

  @Test
  void joinsTheSessionHoldingThatVeryProcess() throws IOException {
    Path exe = Files.writeString(root.resolve("containerd-shim-runc-v2"), "x");
    Path b = bundle("c9", "unix:///run/containerd/s/ddd");
    process(400, 55, "containerd-shim", exe, b, exe.toString(), "-namespace", "default", "-id",
        "c9", "-address", "/a");
    Session reusedPid = session("old", new ProcessRef(400, 54));
    Session same = session("c9", new ProcessRef(400, 55));

    Shim s = finder().find(List.of(reusedPid, same)).get(0);

    assertThat(s.session()).map(Session::id).contains("c9");
  }

  @Test
  void runtimeNameFollowsContainerdsBinaryNaming() {
    assertThat(ShimFinder.runtimeOf("containerd-shim-runc-v2")).contains("io.containerd.runc.v2");
    assertThat(ShimFinder.runtimeOf("containerd-shim-kata-qemu-v2"))
        .contains("io.containerd.kata-qemu.v2");
    assertThat(ShimFinder.runtimeOf("containerd-shim-runc-")).isEmpty();
    assertThat(ShimFinder.runtimeOf("containerd-shim-runc")).isEmpty();
    assertThat(ShimFinder.runtimeOf("containerd")).isEmpty();
  }

  private Session session(String id, ProcessRef shim) {
    return new Session(id, "default", root, Optional.empty(), Path.of("/shim"), "127.0.0.1:1",
        SessionState.RUNNING, Optional.empty(), new ProcessRef(1, 1), Optional.empty(),
        Optional.of(shim), List.of(), Instant.now(), Session.Origin.ATTACHED);
  }
}
