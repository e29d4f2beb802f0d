package dev.katadbg.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.katadbg.proc.Processes;
import dev.katadbg.testenv.TestEnv;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Rust test shim (src/test/rust/rustshim: daemonizes as runtime-rs does) under gdb, end to
 * end through the installed launcher: {@code katadbg run --debug} hands its daemon to
 * gdbserver and the session's keeper gdb (kind "auto": the shim has no Go build info), and
 * {@code state}, {@code stack}, {@code break}, {@code continue}, {@code connect} and {@code stop}
 * work on it. Real gdb and gdbserver from Debian.
 */
class RustShimGdbIT {
  static final String CREATE = "rustshim::service::TaskService::create";
  static final String START = "rustshim::service::TaskService::start";
  static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;
  TestEnv env;
  Path config;
  Path rootfs;
  final List<Process> launched = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    env = TestEnv.require(TestEnv.Part.RUST_SHIM, TestEnv.Part.GDB, TestEnv.Part.GDBSERVER);
    config = dir.resolve("katadbg.toml");
    rootfs = Files.createDirectories(dir.resolve("rootfs"));
  }

  /** A failed test must not leave a run, a shim or a gdb behind. */
  @AfterEach
  void endWhatIsLeft() {
    for (Process p : launched) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    for (String line : sessionsJson()) {
      JsonObject s = JsonParser.parseString(line).getAsJsonObject();
      for (String k : List.of("shimPid", "debuggerPid")) {
        int pid = s.get(k).getAsInt();
        if (pid > 0) {
          ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
      }
    }
  }

  /** [debugger] listen of the next writeConfig; the default when null. */
  String listen;

  void writeConfig(boolean waitForClient, String... breakpoints) throws Exception {
    StringBuilder b = new StringBuilder("[shim]\nbinary = \""
        + env.path(TestEnv.Part.RUST_SHIM) + "\"\n\n[debugger]\nwait_for_client = "
        + waitForClient + (listen == null ? "" : "\nlisten = \"" + listen + "\"")
        + "\nbreakpoints = [");
    for (int i = 0; i < breakpoints.length; i++) {
      b.append(i == 0 ? "" : ", ").append('"').append(breakpoints[i]).append('"');
    }
    b.append("]\n\n[state]\ndir = \"").append(dir.resolve("state")).append("\"\n");
    Files.writeString(config, b.toString());
  }

  record Result(int exit, String out, String err) {}

  /** The installed launcher, as a person runs it. */
  Result katadbg(String stdin, String... args) throws Exception {
    Process p = start(stdin, args);
    assertThat(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as("katadbg " + List.of(args))
        .isTrue();
    return new Result(p.exitValue(), read(dir.resolve(p.pid() + ".out")),
        read(dir.resolve(p.pid() + ".err")));
  }

  Process start(String stdin, String... args) throws Exception {
    return startAfter(List.of(), stdin, args);
  }

  /** katadbg run by {@code prefix} (e.g. setpriv). */
  Process startAfter(List<String> prefix, String stdin, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.add(env.dist().resolve("bin/katadbg").toString());
    cmd.addAll(List.of(args));
    Path in = dir.resolve("stdin-" + System.nanoTime());
    Files.writeString(in, stdin);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(in.toFile());
    pb.environment().clear();
    pb.environment().putAll(Map.of("PATH", TestEnv.SYSTEM_PATH,
        "KATADBG_CONFIG", config.toString(), "RUSTSHIM_SOCKET_DIR", dir.toString(),
        "KATADBG_SERVER", "0"));
    Path tmpOut = dir.resolve("pending.out");
    pb.redirectOutput(tmpOut.toFile()).redirectError(dir.resolve("pending.err").toFile());
    Process p = pb.start();
    Files.move(tmpOut, dir.resolve(p.pid() + ".out"));
    Files.move(dir.resolve("pending.err"), dir.resolve(p.pid() + ".err"));
    launched.add(p);
    return p;
  }

  static String read(Path p) throws Exception {
    return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
  }

  List<String> sessionsJson() {
    try {
      Result r = katadbg("", "sessions", "--json");
      List<String> out = new ArrayList<>();
      for (JsonElement e : JsonParser.parseString(r.out()).getAsJsonArray()) {
        out.add(e.toString());
      }
      return out;
    } catch (Exception e) {
      return List.of();
    }
  }

  JsonObject session(String id) {
    return sessionsJson().stream().map(l -> JsonParser.parseString(l).getAsJsonObject())
        .filter(s -> s.get("id").getAsString().equals(id)).findFirst().orElseThrow();
  }

  String awaitState(String id, String contains) throws Exception {
    java.util.concurrent.atomic.AtomicReference<Result> last =
        new java.util.concurrent.atomic.AtomicReference<>();
    try {
      return Awaitility.await("katadbg state " + id + " to say " + contains).atMost(WAIT)
          .pollInterval(Duration.ofMillis(200))
          .until(() -> {
            last.set(katadbg("", "state", id));
            return last.get().out();
          }, s -> s.contains(contains));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      StringBuilder runs = new StringBuilder();
      for (Process p : launched) {
        runs.append("\n").append(read(dir.resolve(p.pid() + ".err")));
      }
      throw new AssertionError(e.getMessage() + "; last state: " + last.get() + "; runs:"
          + runs, e);
    }
  }

  Process run(String id) throws Exception {
    return start("", "run", "--debug", "--rootfs", rootfs.toString(), "--id", id, "--", "true");
  }

  Result finished(Process run) throws Exception {
    assertThat(run.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as("katadbg run ended").isTrue();
    Result r = new Result(run.exitValue(), read(dir.resolve(run.pid() + ".out")),
        read(dir.resolve(run.pid() + ".err")));
    assertThat(r.exit()).as("katadbg run: " + r.err()).isZero();
    return r;
  }

  static void awaitGone(int pid, String what) {
    Awaitility.await(what + " (pid " + pid + ") to end").atMost(Duration.ofSeconds(15))
        .until(() -> !Processes.linux().isAlive(pid, Processes.linux().get(pid)
            .map(i -> i.startTime()).orElse(-1L)));
  }

  @Test
  void theDaemonStopsAtARustBreakpointAndStateStackBreakAndContinueWork() throws Exception {
    writeConfig(false, CREATE);
    Process run = run("rbp");
    String stop = awaitState("rbp", "stopped at breakpoint 1");
    assertThat(stop).contains(CREATE + "()").contains("service.rs:");
    JsonObject s = session("rbp");
    assertThat(s.get("debuggerKind").getAsString()).isEqualTo("gdb");
    int shim = s.get("shimPid").getAsInt();
    int keeper = s.get("debuggerPid").getAsInt();
    assertThat(stop).startsWith("pid " + shim + " ");
    assertThat(Processes.linux().get(keeper).orElseThrow().cmdline().get(0)).endsWith("gdb");

    Result stack = katadbg("", "stack", "--depth", "4", "rbp");
    assertThat(stack.exit()).as(stack.err()).isZero();
    assertThat(stack.out()).startsWith("thread ").contains("  0  " + CREATE + "()")
        .contains("rustshim::service::dispatch");
    Result json = katadbg("", "stack", "--json", "rbp");
    assertThat(JsonParser.parseString(json.out()).getAsJsonArray().get(0).getAsJsonObject()
        .has("thread")).isTrue();

    Result bp = katadbg("", "break", "rbp", START);
    assertThat(bp.exit()).as(bp.err()).isZero();
    assertThat(bp.out()).startsWith("breakpoint 2 set at " + START + "()");
    Result bad = katadbg("", "break", "rbp", "no_such_function_anywhere");
    assertThat(bad.exit()).isNotZero();
    assertThat(bad.err()).contains("gdb cannot set a breakpoint at 'no_such_function_anywhere'");

    assertThat(katadbg("", "continue", "rbp").out()).isEqualTo("continued\n");
    assertThat(awaitState("rbp", "stopped at breakpoint 2")).contains(START + "()");
    assertThat(run.isAlive()).as("the run waits for the stopped shim").isTrue();
    assertThat(katadbg("", "continue", "rbp").exit()).isZero();
    assertThat(finished(run).exit()).isZero();
    awaitGone(keeper, "the session's gdb");
    assertThat(read(dir.resolve(run.pid() + ".err"))).contains("exited with status 0");
  }

  @Test
  void connectRunsGdbConnectedWithTheBreakpointsAndTheKeeperTakesTheShimBack()
      throws Exception {
    writeConfig(true, CREATE);
    Process run = run("rconn");
    assertThat(awaitState("rconn", "halted at its entry point")).contains("before any of its"
        + " code ran");
    // gdb reads its commands from a non-terminal stdin as a person would type them.
    Result c = katadbg("info breakpoints\nquit\n", "connect", "rconn");
    assertThat(c.exit()).as(c.err()).isZero();
    assertThat(c.out()).contains("Remote debugging using " + session("rconn").get("listen")
        .getAsString()).containsPattern("1 +breakpoint +keep +y .* in " + CREATE.replace("::",
        "::") + " at src/service.rs:\\d+");
    assertThat(c.err()).contains("katadbg's gdb holds the shim again")
        .doesNotContain("SIGCONT").as("no handle tables").doesNotContain("Pass to program");
    assertThat(katadbg("", "state", "rconn").out()).as("still halted, held by the keeper")
        .contains("halted at its entry point");
    // The keeper's breakpoint came back with it: the continue stops at Create.
    assertThat(katadbg("", "continue", "rconn").exit()).isZero();
    assertThat(awaitState("rconn", "stopped at breakpoint 1")).contains(CREATE + "()");
    assertThat(katadbg("", "continue", "rconn").exit()).isZero();
    assertThat(finished(run).exit()).isZero();
  }

  /**
   * listen = "unix:": gdbserver, the keeper and katadbg's relay run in a network namespace of
   * their own, and the session's 0600 socket is the only way to gdbserver; connect goes through
   * it, and the relay ends with the session.
   */
  @Test
  void aUnixSocketSessionIsReachedOnlyThroughItsSocket() throws Exception {
    listen = "unix:";
    writeConfig(true, CREATE);
    Process run = run("runix");
    awaitState("runix", "halted at its entry point");
    JsonObject session = session("runix");
    Path socket = Path.of(session.get("dir").getAsString(), "gdb.sock");
    assertThat(session.get("listen").getAsString()).isEqualTo("unix:" + socket);
    assertThat(Files.getPosixFilePermissions(socket)).containsExactlyInAnyOrder(
        java.nio.file.attribute.PosixFilePermission.OWNER_READ,
        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    int keeper = session.get("debuggerPid").getAsInt();
    assertThat(Files.readSymbolicLink(Path.of("/proc", Integer.toString(keeper), "ns/net")))
        .as("the keeper's network namespace").isNotEqualTo(
            Files.readSymbolicLink(Path.of("/proc/self/ns/net")));
    // 2345 = 0x0929, state 0A = LISTEN: nothing of the session listens on this host's network.
    assertThat(Files.readAllLines(Path.of("/proc/self/net/tcp")))
        .noneMatch(l -> l.matches("\\s*\\d+: [0-9A-F]+:0929 [0-9A-F]+:0000 0A .*"));

    Result ide = katadbg("", "ide", "vscode", "runix");
    assertThat(ide.exit()).as(ide.err()).isZero();
    assertThat(JsonParser.parseString(ide.out()).getAsJsonObject()
        .get("miDebuggerServerAddress").getAsString()).isEqualTo(socket.toString());

    Result c = katadbg("info breakpoints\nquit\n", "connect", "runix");
    assertThat(c.exit()).as(c.err()).isZero();
    assertThat(c.out()).contains("Remote debugging using " + socket)
        .containsPattern("1 +breakpoint +keep +y .* in " + CREATE + " at src/service.rs:\\d+");
    assertThat(c.err()).contains("katadbg's gdb holds the shim again");
    assertThat(katadbg("", "continue", "runix").exit()).isZero();
    assertThat(awaitState("runix", "stopped at breakpoint 1")).contains(CREATE + "()");
    assertThat(katadbg("", "continue", "runix").exit()).isZero();
    assertThat(finished(run).exit()).isZero();
    awaitGone(keeper, "the session's gdb");
    Awaitility.await("the relay ends with its keeper").atMost(Duration.ofSeconds(15))
        .until(() -> Processes.linux().all().stream().noneMatch(p -> !p.isZombie()
            && p.comm().startsWith("katadbg-gdbrel")));
  }

  /**
   * The network namespace of a unix-socket session needs CAP_SYS_ADMIN: without it the start
   * fails at once with unshare's own words, not after the start timeout, and leaves nothing.
   */
  @Test
  void withoutCapSysAdminAUnixSocketSessionFailsAtOnceSayingWhy() throws Exception {
    listen = "unix:";
    writeConfig(false, CREATE);
    long since = uptimeTicks();
    Process run = startAfter(List.of("setpriv", "--bounding-set", "-sys_admin"), "", "run",
        "--debug", "--rootfs", rootfs.toString(), "--id", "rcap", "--", "true");
    assertThat(run.waitFor(15, TimeUnit.SECONDS)).as("failed well before the 30 s timeout")
        .isTrue();
    String err = read(dir.resolve(run.pid() + ".err"));
    assertThat(run.exitValue()).as(err).isNotZero();
    assertThat(err).contains("gdb exited before its first prompt")
        .contains("unshare failed: Operation not permitted");
    awaitNoneLeft("no shim or relay left", since,
        p -> String.join(" ", p.cmdline()).contains(dir.toString()));
  }

  @Test
  void stopDetachesAndTheShimRunsOnWithoutItsBreakpoints() throws Exception {
    writeConfig(true, CREATE, START);
    Process run = run("rstop");
    awaitState("rstop", "halted at its entry point");
    int keeper = session("rstop").get("debuggerPid").getAsInt();
    int shim = session("rstop").get("shimPid").getAsInt();
    Result stop = katadbg("", "stop", "rstop");
    assertThat(stop.exit()).as(stop.err()).isZero();
    awaitGone(keeper, "the session's gdb");
    // Neither breakpoint stops it any more: the run goes through Create and Start to its end.
    assertThat(finished(run).exit()).isZero();
    awaitGone(shim, "the shim, undebugged, after the run's Shutdown");
  }

  /**
   * What an IDE does with the cppdbg configuration: katadbg lend frees gdbserver, another gdb
   * connects, and SIGTERM (the IDE ending its debug server) gives the shim back.
   */
  @Test
  void lendFreesGdbserverForAnotherGdbAndTheKeeperTakesTheShimBackOnSigterm() throws Exception {
    writeConfig(true, CREATE);
    Process run = run("rlend");
    awaitState("rlend", "halted at its entry point");
    String listen = session("rlend").get("listen").getAsString();

    Result ide = katadbg("", "ide", "vscode", "rlend", "--build-dir", "/src/rustshim");
    assertThat(ide.exit()).as(ide.err()).isZero();
    JsonObject cfg = JsonParser.parseString(ide.out()).getAsJsonObject();
    assertThat(cfg.get("type").getAsString()).isEqualTo("cppdbg");
    assertThat(cfg.get("miDebuggerServerAddress").getAsString()).isEqualTo(listen);
    assertThat(cfg.get("program").getAsString())
        .isEqualTo(env.path(TestEnv.Part.RUST_SHIM).toString());
    assertThat(cfg.get("debugServerArgs").getAsString()).isEqualTo("lend default/rlend");
    assertThat(cfg.get("debugServerPath").getAsString())
        .isEqualTo(env.dist().resolve("bin/katadbg").toAbsolutePath().normalize().toString());
    assertThat(cfg.getAsJsonObject("sourceFileMap").get("/src/rustshim").getAsString())
        .isEqualTo("${workspaceFolder}");

    Process lend = start("", cfg.get("debugServerArgs").getAsString().split(" "));
    Path lendOut = dir.resolve(lend.pid() + ".out");
    Awaitility.await("katadbg lend to free gdbserver").atMost(WAIT)
        .until(() -> read(lendOut).contains(cfg.get("serverStarted").getAsString()));
    Result busy = katadbg("", "state", "rlend");
    assertThat(busy.exit()).isNotZero();
    assertThat(busy.err()).contains("lent to another gdb").contains("pid " + lend.pid());
    Result stopWhileLent = katadbg("", "stop", "rlend");
    assertThat(stopWhileLent.exit()).as("stop must not pull gdbserver from under the borrower")
        .isNotZero();
    assertThat(stopWhileLent.err()).contains("lent to another gdb");

    Process other = new ProcessBuilder("gdb", "-q", "-nx", "-batch", "-iex", "set sysroot /",
        "-ex", "target extended-remote " + listen, "-ex", "info threads", "-ex", "disconnect",
        env.path(TestEnv.Part.RUST_SHIM).toString()).redirectErrorStream(true).start();
    String screen = new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(other.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(screen).as("another gdb has the daemon")
        .containsPattern("\\* 1 +Thread " + session("rlend").get("shimPid").getAsInt() + "\\.");

    lend.destroy();
    assertThat(lend.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(read(lendOut)).contains("katadbg's gdb holds the shim again");
    assertThat(katadbg("", "state", "rlend").out()).contains("halted at its entry point");
    assertThat(katadbg("", "continue", "rlend").exit()).isZero();
    assertThat(awaitState("rlend", "stopped at breakpoint 1")).contains(CREATE + "()");
    assertThat(katadbg("", "continue", "rlend").exit()).isZero();
    finished(run);
  }

  /** A borrower killed before it gave the shim back: the next command takes it back. */
  @Test
  void aKilledBorrowersShimIsTakenBackByTheNextCommand() throws Exception {
    writeConfig(true);
    Process run = run("rkill");
    awaitState("rkill", "halted at its entry point");
    Process lend = start("", "lend", "rkill");
    Awaitility.await("katadbg lend").atMost(WAIT)
        .until(() -> read(dir.resolve(lend.pid() + ".out")).contains("katadbg: lent"));
    lend.destroyForcibly();
    lend.waitFor();
    assertThat(awaitState("rkill", "halted at its entry point")).startsWith("pid ");
    assertThat(katadbg("", "continue", "rkill").exit()).isZero();
    finished(run);
  }

  /** katadbg attach on a Rust shim that runs without katadbg, then detach. */
  @Test
  void attachTakesARunningRustShimWithGdbAndDetachLetsItGo() throws Exception {
    attachAndDetach();
  }

  /** The same through a unix socket: the keeper connects inside its namespace. */
  @Test
  void attachWithAUnixSocketTakesARunningRustShimWithGdbAndDetachLetsItGo() throws Exception {
    attachAndDetach("--listen", "unix:");
  }

  void attachAndDetach(String... options) throws Exception {
    writeConfig(false);
    String address = RustShimIT.start(env.path(TestEnv.Part.RUST_SHIM), dir, "ratt").address();
    Result connect = katadbg("", "shim", "call", address, "Connect", "{\"id\":\"ratt\"}");
    int daemon = JsonParser.parseString(connect.out()).getAsJsonObject().get("shimPid")
        .getAsInt();
    try {
      List<String> attach = new ArrayList<>(List.of(options));
      attach.add(0, "attach");
      attach.add(Integer.toString(daemon));
      Result a = katadbg("", attach.toArray(String[]::new));
      assertThat(a.exit()).as(a.err()).isZero();
      assertThat(a.err()).as("nothing listens beyond this host").doesNotContain("warning");
      if (options.length > 0) {
        assertThat(session("ratt").get("listen").getAsString()).endsWith("/gdb.sock");
      }
      assertThat(a.out()).contains("attached: ").contains("(gdb pid ")
          .contains("connect:  katadbg connect default/ratt");
      assertThat(session("ratt").get("debuggerKind").getAsString()).isEqualTo("gdb");
      assertThat(awaitState("ratt", "running")).startsWith("pid " + daemon);

      String connectFn = "rustshim::service::TaskService::connect";
      assertThat(katadbg("", "break", "ratt", connectFn).out())
          .startsWith("breakpoint 1 set at " + connectFn + "()");
      Process call = start("", "shim", "call", address, "Connect", "{\"id\":\"ratt\"}");
      assertThat(awaitState("ratt", "stopped at breakpoint 1")).contains(connectFn + "()");
      assertThat(call.isAlive()).as("the call waits for the stopped shim").isTrue();
      assertThat(katadbg("", "continue", "ratt").exit()).isZero();
      assertThat(call.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(call.exitValue()).isZero();

      int keeper = session("ratt").get("debuggerPid").getAsInt();
      Result d = katadbg("", "detach", Integer.toString(daemon));
      assertThat(d.exit()).as(d.err()).isZero();
      awaitGone(keeper, "the session's gdb");
      Result again = katadbg("", "shim", "call", address, "Connect", "{\"id\":\"ratt\"}");
      assertThat(again.exit()).as("the shim runs on, its breakpoint removed: " + again.err())
          .isZero();
    } finally {
      katadbg("", "shim", "call", address, "Shutdown", "{\"id\":\"ratt\"}");
      ProcessHandle.of(daemon).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  /**
   * A breakpoint gdb cannot resolve fails the start with gdb's reason, and everything the start
   * made (gdbserver, the keeper, the held daemon) is ended.
   */
  @Test
  void aBreakpointGdbCannotResolveFailsTheStartAndLeavesNothing() throws Exception {
    writeConfig(false, "no_such_function_in_the_shim");
    long since = uptimeTicks();
    Process run = run("rfail");
    assertThat(run.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    String err = read(dir.resolve(run.pid() + ".err"));
    assertThat(run.exitValue()).as(err).isNotZero();
    assertThat(err).contains("gdb cannot set the breakpoint 'no_such_function_in_the_shim'")
        .contains("Function \"no_such_function_in_the_shim\" not defined");
    awaitNoneLeft("no gdb, gdbserver or shim left", since,
        p -> p.comm().equals("gdbserver") || p.comm().equals("gdb"));
  }

  /** Waits until no process started since {@code since} runs the shim or matches {@code also}. */
  void awaitNoneLeft(String what, long since,
      java.util.function.Predicate<dev.katadbg.proc.ProcessInfo> also) {
    String shim = env.path(TestEnv.Part.RUST_SHIM).toString();
    Awaitility.await(what).atMost(Duration.ofSeconds(15))
        .until(() -> Processes.linux().all().stream()
            .filter(p -> p.startTime() >= since && !p.isZombie())
            .filter(p -> String.join(" ", p.cmdline()).contains(shim) || also.test(p))
            .toList(), List::isEmpty);
  }

  /** Now, in the kernel's clock ticks since boot (the unit of a process's start time). */
  static long uptimeTicks() throws Exception {
    String up = Files.readString(Path.of("/proc/uptime"));
    return (long) (Double.parseDouble(up.substring(0, up.indexOf(' '))) * 100) - 1;
  }
}
