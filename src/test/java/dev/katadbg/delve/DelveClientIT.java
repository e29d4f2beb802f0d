package dev.katadbg.delve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher and client against the real Delve 1.24 (Debian trixie) and 1.20.2 (bookworm), on a
 * Go 1.24 program that re-execs itself like a daemonizing containerd shim ({@code forkexec}).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DelveClientIT {
  private static final Duration CONNECT = Duration.ofSeconds(30);
  private static final Duration EXIT = Duration.ofSeconds(30);

  @TempDir static Path buildDir;
  private static Path program;

  @TempDir Path dir;
  private final List<DelveProcess> dlvs = new ArrayList<>();

  /** Debuggees, killed after each test in case a test failed before Delve killed them. */
  private final List<Long> debuggees = new ArrayList<>();

  @BeforeAll
  static void buildProgram() {
    DelveDeps.dlv124();
    program = DelveDeps.buildForkexec(buildDir);
  }

  @AfterEach
  void killEverything() {
    for (DelveProcess dlv : dlvs) {
      dlv.handle().descendants().forEach(h -> debuggees.add(h.pid()));
      dlv.kill();
    }
    DelveDeps.killAll(debuggees);
  }

  @Test
  void followExecStopsInTheExecdChild() throws Exception {
    Path out = dir.resolve("out.txt");
    DelveProcess dlv = launch(DelveDeps.dlv124(), execForkexec(out), "127.0.0.1:0", true);

    int childPid;
    try (DelveClient client = dlv.connect(CONNECT)) {
      assertThat(client.version().delveVersion()).isEqualTo(new Semver(1, 24, 0));
      assertThat(client.version().supportsFollowExec()).isTrue();
      assertThat(client.version().targetGoVersion()).contains("go1.24");

      DebuggerState initial = client.state(false);
      int parentPid = initial.pid();
      debuggees.add((long) parentPid);
      assertThat(initial.targetCommandLine()).isEqualTo(program.toString());
      assertThat(initial.running()).isFalse();

      assertThat(client.followExecEnabled()).isFalse();
      // The child's command line is "<program> child"; the parent's has no "child".
      client.followExec(true, "forkexec child$");
      assertThat(client.followExecEnabled()).isTrue();

      Breakpoint bp = client.createBreakpoint("main.childWork");
      assertThat(bp.pending()).isFalse();
      assertThat(bp.functionName()).isEqualTo("main.childWork");
      assertThat(bp.file()).endsWith("/main.go");
      assertThat(client.breakpoints()).extracting(Breakpoint::id).contains(bp.id());

      DebuggerState stop = client.continueAsync().get(60, TimeUnit.SECONDS);
      childPid = stop.pid();
      debuggees.add((long) childPid);

      assertThat(childPid).isNotEqualTo(parentPid);
      assertThat(stop.targetCommandLine()).isEqualTo(program + " child");
      assertThat(DelveDeps.cmdline(childPid)).isEqualTo(program + " child");
      assertThat(stop.exited()).isFalse();
      ThreadInfo thread = stop.currentThread().orElseThrow();
      assertThat(thread.function()).isEqualTo("main.childWork");
      assertThat(thread.breakpointId()).isEqualTo(OptionalInt.of(bp.id()));

      assertThat(client.targets())
          .filteredOn(t -> t.pid() == childPid)
          .singleElement()
          .satisfies(t -> assertThat(t.cmdLine()).isEqualTo(program + " child"));

      assertThat(client.goroutines()).extracting(Goroutine::function).contains("main.childWork");
      assertThat(client.stacktrace(thread.goroutineId(), 2))
          .extracting(StackFrame::function)
          .containsExactly("main.childWork", "main.main");

      client.detach(true);
    }
    assertThat(dlv.awaitExit(EXIT)).as("dlv exits after Detach").isTrue();
    assertThat(DelveDeps.awaitGone(childPid, EXIT)).as("Detach{Kill} killed the child").isTrue();
  }

  @Test
  void otherCallsAreServedWhileContinueRunsAndHaltStopsIt() throws Exception {
    Process serve =
        new ProcessBuilder(program.toString(), "serve")
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .redirectOutput(dir.resolve("serve.txt").toFile())
            .redirectErrorStream(true)
            .start();
    debuggees.add(serve.pid());
    DelveProcess dlv =
        launch(DelveDeps.dlv124(), new LaunchSpec.Attach(serve.pid()), "127.0.0.1:0", true);
    // Port 0 goes to dlv, which binds a free port itself: none for another process to take
    // between a choice and the bind.
    assertThat(dlv.command()).contains("--listen=127.0.0.1:0");
    assertThat(dlv.listenAddress().port()).get().isNotEqualTo(0);
    assertThat(dlv.logTail(20)).contains("API server listening at: " + dlv.listenAddress());

    try (DelveClient client = dlv.connect(CONNECT)) {
      assertThat(client.state(false).pid()).isEqualTo((int) serve.pid());

      CompletableFuture<DebuggerState> cont = client.continueAsync();
      assertThat(awaitRunning(client)).as("State{NonBlocking} answered during continue").isTrue();

      DebuggerState halted = client.halt();
      assertThat(halted.running()).isFalse();
      assertThat(cont.get(30, TimeUnit.SECONDS).running()).isFalse();

      Breakpoint bp = client.createBreakpoint("main.tick", "tick");
      assertThat(bp.name()).isEqualTo("tick");
      DebuggerState stop = client.continueAsync().get(30, TimeUnit.SECONDS);
      assertThat(stop.currentThread().orElseThrow().function()).isEqualTo("main.tick");
      assertThat(stop.currentThread().orElseThrow().breakpointId())
          .isEqualTo(OptionalInt.of(bp.id()));

      DebuggerState stepped = client.command("next");
      assertThat(stepped.currentThread().orElseThrow().function()).isEqualTo("main.tick");
      client.clearBreakpoint(bp.id());
      assertThat(client.breakpoints()).extracting(Breakpoint::id).doesNotContain(bp.id());

      client.detach(true);
    }
    assertThat(dlv.awaitExit(EXIT)).isTrue();
    assertThat(serve.waitFor(30, TimeUnit.SECONDS))
        .as("Detach{Kill} killed the attached process")
        .isTrue();
  }

  @Test
  void delve1_20_2HasNoFollowExec() {
    DelveProcess dlv =
        launch(DelveDeps.dlv120(), execForkexec(dir.resolve("out.txt")), "127.0.0.1:0", false);

    try (DelveClient client = dlv.connect(CONNECT)) {
      debuggees.add((long) client.state(false).pid());
      DelveVersion v = client.version();
      assertThat(v.delveVersion()).isEqualTo(new Semver(1, 20, 2));
      assertThat(v.apiVersion()).isEqualTo(2);
      assertThat(v.maxSupportedGo()).contains(new Semver(1, 20, 0));
      assertThat(v.supportsFollowExec()).isFalse();

      assertThatThrownBy(() -> client.followExec(true, "forkexec child$"))
          .isInstanceOf(DelveException.class)
          .hasMessage(
              "delve FollowExec: unknown method: RPCServer.FollowExec"
                  + " (follow-exec needs Delve 1.21.0+, this server is 1.20.2)");
      assertThatThrownBy(client::followExecEnabled)
          .hasMessage("delve FollowExecEnabled: unknown method: RPCServer.FollowExecEnabled");
      assertThatThrownBy(client::targets)
          .hasMessage("delve ListTargets: unknown method: RPCServer.ListTargets");
      // The connection survives an unknown method.
      assertThat(client.state(false).exited()).isFalse();

      client.detach(true);
    }
    assertThat(dlv.awaitExit(EXIT)).isTrue();
  }

  @Test
  void delve1_20_2RefusesAGo1_24ProgramUnlessTold() {
    DelveProcess dlv =
        launch(DelveDeps.dlv120(), execForkexec(dir.resolve("out.txt")), "127.0.0.1:0", true);

    assertThatThrownBy(() -> dlv.connect(CONNECT))
        .isInstanceOf(DelveException.class)
        .hasMessageContaining("dlv exited with status 1")
        .hasMessageContaining("Version of Delve is too old for Go version 1.24")
        .hasMessageContaining("--check-go-version=false");
  }

  @Test
  void listenAddressInUse() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      DelveProcess dlv =
          launch(
              DelveDeps.dlv124(),
              execForkexec(dir.resolve("out.txt")),
              "127.0.0.1:" + taken.getLocalPort(),
              true);

      assertThat(dlv.awaitExit(EXIT)).isTrue();
    assertThat(dlv.exitStatus()).isEqualTo(OptionalInt.of(1));
      assertThat(String.join("\n", dlv.logTail(10)))
          .contains(
              "couldn't start listener: listen tcp 127.0.0.1:"
                  + taken.getLocalPort()
                  + ": bind: address already in use");
      // Our socket accepts the connection, but the client notices that dlv is gone.
      assertThatThrownBy(() -> dlv.connect(CONNECT))
          .isInstanceOf(DelveException.class)
          .hasMessageContaining("dlv exited with status 1")
          .hasMessageContaining("address already in use");
    }
  }

  @Test
  void missingProgramIsReportedFromTheLog() {
    var exec =
        new LaunchSpec.Exec(dir.resolve("no-such-program"), List.of(), LaunchSpec.Redirects.none());
    DelveProcess dlv = launch(DelveDeps.dlv124(), exec, "127.0.0.1:0", true);

    assertThatThrownBy(() -> dlv.connect(CONNECT))
        .isInstanceOf(DelveException.class)
        .hasMessageContaining("dlv exited with status 1")
        .hasMessageContaining(
            "could not launch process: open "
                + dir.resolve("no-such-program")
                + ": no such file or directory");
  }

  @Test
  void unixSocket() {
    Path socket = dir.resolve("dlv.sock");
    DelveProcess dlv =
        launch(DelveDeps.dlv124(), execForkexec(dir.resolve("out.txt")), "unix:" + socket, true);

    try (DelveClient client = dlv.connect(CONNECT)) {
      assertThat(Files.exists(socket)).isTrue();
      DebuggerState state = client.state(false);
      debuggees.add((long) state.pid());
      assertThat(state.targetCommandLine()).isEqualTo(program.toString());
      client.detach(true);
    }
    assertThat(dlv.awaitExit(EXIT)).isTrue();
  }

  private LaunchSpec.Exec execForkexec(Path out) {
    return new LaunchSpec.Exec(
        program,
        List.of(),
        new LaunchSpec.Redirects(
            Optional.of(Path.of("/dev/null")), Optional.of(out), Optional.of(out)));
  }

  private DelveProcess launch(
      Path dlv, LaunchSpec.Debuggee debuggee, String listen, boolean checkGo) {
    var spec =
        new LaunchSpec(
            dlv,
            debuggee,
            DelveAddress.parse(listen),
            dir,
            DelveDeps.environment(dir),
            dir.resolve("dlv.log"),
            checkGo);
    DelveProcess process = new DelveLauncher().launch(spec);
    dlvs.add(process);
    return process;
  }

  private static boolean awaitRunning(DelveClient client) {
    try {
      Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
          .pollInSameThread().until(() -> client.state(true).running());
      return true;
    } catch (ConditionTimeoutException e) {
      return false;
    }
  }
}
