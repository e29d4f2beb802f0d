package dev.katadbg.delve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Command lines, and the process set-up checked with a shell script standing in for dlv (the real
 * dlv is exercised by DelveClientIT).
 */
class DelveLauncherTest {
  private static final Map<String, String> ENV = Map.of("PATH", "/usr/bin:/bin", "FOO", "bar baz");

  @TempDir Path dir;
  private DelveProcess started;

  @AfterEach
  void killStarted() {
    if (started != null) {
      started.kill();
    }
  }

  @Test
  void execArguments() {
    var exec =
        new LaunchSpec.Exec(
            Path.of("/usr/bin/shim"),
            List.of("-namespace", "k8s.io", "start"),
            LaunchSpec.Redirects.of(
                Path.of("/dev/null"), Path.of("/run/out"), Path.of("/run/err")));
    var spec = spec(exec, "127.0.0.1:4444", false);

    assertThat(DelveLauncher.dlvArguments(spec, spec.listen()))
        .containsExactly(
            "exec",
            "/usr/bin/shim",
            "--headless",
            "--accept-multiclient",
            "--api-version=2",
            "--listen=127.0.0.1:4444",
            "--check-go-version=false",
            "-r",
            "stdin:/dev/null",
            "-r",
            "stdout:/run/out",
            "-r",
            "stderr:/run/err",
            "--",
            "-namespace",
            "k8s.io",
            "start");
  }

  @Test
  void execWithoutArgumentsOrRedirects() {
    var exec =
        new LaunchSpec.Exec(Path.of("/usr/bin/shim"), List.of(), LaunchSpec.Redirects.none());
    var spec = spec(exec, "unix:/run/dlv.sock", true);

    assertThat(DelveLauncher.dlvArguments(spec, spec.listen()))
        .containsExactly(
            "exec",
            "/usr/bin/shim",
            "--headless",
            "--accept-multiclient",
            "--api-version=2",
            "--listen=unix:/run/dlv.sock");
  }

  @Test
  void attachArguments() {
    var spec = spec(new LaunchSpec.Attach(4242), "[::1]:2345", false);

    assertThat(DelveLauncher.dlvArguments(spec, spec.listen()))
        .containsExactly(
            "attach",
            "4242",
            "--headless",
            "--accept-multiclient",
            "--api-version=2",
            "--listen=[::1]:2345",
            "--check-go-version=false");
  }

  @Test
  void startsInItsOwnSessionWithDevNullStdinAndTheLogAsOutput() throws Exception {
    Path log = dir.resolve("dlv.log");
    Files.writeString(log, "line of an earlier run\n");
    Path fake =
        script(
            "fake-dlv",
            "echo 'API server listening at: 127.0.0.1:4321'",
            "echo \"args: $*\"",
            "echo \"pid: $$\"",
            "echo \"sid: $(cut -d' ' -f6 /proc/$$/stat)\"",
            "echo \"stdin: $(readlink /proc/$$/fd/0)\"",
            "echo \"stdout: $(readlink /proc/$$/fd/1)\"",
            "echo \"stderr: $(readlink /proc/$$/fd/2)\"",
            "echo \"pwd: $(pwd)\"",
            "echo \"FOO: $FOO\"",
            "echo 'to stderr' >&2",
            "exit 3");
    var spec =
        new LaunchSpec(
            fake,
            new LaunchSpec.Attach(1234),
            DelveAddress.parse("127.0.0.1:0"),
            dir,
            ENV,
            log,
            true);

    started = new DelveLauncher().launch(spec);

    assertThat(started.awaitExit(Duration.ofSeconds(10))).isTrue();
    assertThat(started.exitStatus()).isEqualTo(OptionalInt.of(3));
    assertThat(started.listenAddress()).as("the port dlv bound and printed")
        .isEqualTo(DelveAddress.parse("127.0.0.1:4321"));
    assertThat(started.command()).startsWith("/usr/bin/setsid", fake.toString());
    assertThat(started.logTail(100))
        .containsExactly(
            "API server listening at: 127.0.0.1:4321",
            "args: attach 1234 --headless --accept-multiclient --api-version=2 --listen=127.0.0.1:0",
            "pid: " + started.pid(),
            "sid: " + started.pid(),
            "stdin: /dev/null",
            "stdout: " + log,
            "stderr: " + log,
            "pwd: " + dir,
            "FOO: bar baz",
            "to stderr");
    assertThat(started.logTail(2)).containsExactly("FOO: bar baz", "to stderr");
    assertThat(Files.readString(log)).startsWith("line of an earlier run\n");
  }

  @Test
  void connectReportsWhyDlvExited() throws Exception {
    Path fake =
        script(
            "fake-dlv",
            "echo 'API server listening at: 127.0.0.1:1'",
            "echo \"couldn't start listener: listen tcp 127.0.0.1:1: bind: address already in"
                + " use\"",
            "exit 1");
    started = new DelveLauncher().launch(spec(fake));

    assertThatThrownBy(() -> started.connect(Duration.ofSeconds(10)))
        .isInstanceOf(DelveException.class)
        .hasMessageStartingWith("connect to delve at " + started.listenAddress() + ": ")
        .hasMessageEndingWith(
            "dlv exited with status 1: API server listening at: 127.0.0.1:1 / couldn't start"
                + " listener: listen tcp 127.0.0.1:1: bind: address already in use");
  }

  @Test
  void portZeroIsLeftToDlvAndReadFromItsWholeLine() throws Exception {
    // The line arrives in two writes: a half line is not read as port 43.
    Path fake = script("fake-dlv", "printf 'API server listening at: 127.0.0.1:43'", "sleep 0.3",
        "echo 21", "exec sleep 60");
    started = new DelveLauncher().launch(spec(fake, "127.0.0.1:0"));

    assertThat(started.listenAddress()).isEqualTo(DelveAddress.parse("127.0.0.1:4321"));
    assertThat(started.command()).contains("--listen=127.0.0.1:0");
  }

  @Test
  void fakeDlvThatExitsBeforeItListensIsReportedWithItsOwnWords() throws Exception {
    Path fake = script("fake-dlv", "echo 'could not attach to pid 1: no such process'", "exit 1");

    assertThatThrownBy(() -> new DelveLauncher().launch(spec(fake, "127.0.0.1:0")))
        .isInstanceOf(DelveException.class)
        .hasMessage("start dlv on 127.0.0.1:0: dlv exited with status 1: could not attach to pid"
            + " 1: no such process");
    // Detached, it may be gone before the launch looks (exited at once) or only in the wait.
    assertThatThrownBy(() -> new DelveLauncher().launchDetached(spec(fake, "127.0.0.1:0"))
        .listening(Duration.ofSeconds(10)))
        .isInstanceOf(DelveException.class)
        .hasMessageEndingWith(": could not attach to pid 1: no such process");
  }

  @Test
  void aDetachedDlvIsNotWaitedForAndOneThatNeverSaysWhereItListensIsKilled() throws Exception {
    Path fake = script("fake-dlv", "exec sleep 60");
    DelveProcess dlv = new DelveLauncher().launchDetached(spec(fake, "127.0.0.1:0"));
    started = dlv;
    assertThat(dlv.listenAddress()).as("not known yet").isEqualTo(
        DelveAddress.parse("127.0.0.1:0"));

    assertThatThrownBy(() -> dlv.listening(Duration.ofMillis(300)))
        .isInstanceOf(DelveException.class)
        .hasMessage("start dlv on 127.0.0.1:0: dlv (pid " + dlv.pid() + ") did not say where it"
            + " listens within 300ms; see " + dir.resolve("dlv.log"));
    assertThat(dlv.isAlive()).isFalse();
  }

  @Test
  void killEndsIt() throws Exception {
    Path fake = script("fake-dlv", "exec sleep 60");
    started = new DelveLauncher().launch(spec(fake));
    assertThat(started.isAlive()).isTrue();

    started.kill();

    assertThat(started.isAlive()).isFalse();
    assertThat(started.exitStatus()).isEqualTo(OptionalInt.of(128 + 9));
  }

  @Test
  void missingDlvIsADelveException() {
    assertThatThrownBy(() -> new DelveLauncher().launch(spec(dir.resolve("no-such-dlv"))))
        .isInstanceOf(DelveException.class)
        .hasMessage("start " + dir.resolve("no-such-dlv") + ": not an executable file");
  }

  @Test
  void missingWorkDirIsADelveException() throws Exception {
    Path fake = script("fake-dlv", "exit 0");
    var spec =
        new LaunchSpec(
            fake,
            new LaunchSpec.Attach(1),
            DelveAddress.parse("127.0.0.1:0"),
            dir.resolve("gone"),
            ENV,
            dir.resolve("log"),
            true);
    assertThatThrownBy(() -> new DelveLauncher().launch(spec))
        .isInstanceOf(DelveException.class)
        .hasMessage(
            "start " + fake + ": working directory " + dir.resolve("gone") + " does not exist");
  }

  @Test
  void portZeroNeedsALoopbackHost() {
    var spec =
        new LaunchSpec(
            dir.resolve("dlv"),
            new LaunchSpec.Attach(1),
            DelveAddress.parse("0.0.0.0:0"),
            dir,
            ENV,
            dir.resolve("log"),
            true);
    assertThatThrownBy(() -> new DelveLauncher().launch(spec))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port 0 is only supported on a loopback host, not 0.0.0.0:0");
  }

  @Test
  void logTailOfAMissingLogIsEmpty() throws Exception {
    Path fake = script("fake-dlv", "exec sleep 60");
    started = new DelveLauncher().launch(spec(fake));
    Files.delete(started.logFile());
    assertThat(started.logTail(5)).isEmpty();
  }

  /** On a fixed port: these stand-ins say nothing of where they listen. */
  private LaunchSpec spec(Path dlv) {
    return spec(dlv, "127.0.0.1:4444");
  }

  private LaunchSpec spec(Path dlv, String listen) {
    return new LaunchSpec(
        dlv,
        new LaunchSpec.Attach(1),
        DelveAddress.parse(listen),
        dir,
        ENV,
        dir.resolve("dlv.log"),
        true);
  }

  private static LaunchSpec spec(LaunchSpec.Debuggee debuggee, String listen, boolean checkGo) {
    return new LaunchSpec(
        Path.of("/usr/bin/dlv"),
        debuggee,
        DelveAddress.parse(listen),
        Path.of("/run"),
        Map.of(),
        Path.of("/run/dlv.log"),
        checkGo);
  }

  private Path script(String name, String... lines) throws Exception {
    Path p = dir.resolve(name);
    Files.writeString(p, "#!/bin/sh\n" + String.join("\n", lines) + "\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }
}
