package dev.katadbg.shim;

import static dev.katadbg.testenv.PrivateContainerd.uniqueId;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.katadbg.cli.Main;
import dev.katadbg.delve.DebuggerState;
import dev.katadbg.delve.DelveAddress;
import dev.katadbg.delve.DelveClient;
import dev.katadbg.proc.ProcessInfo;
import dev.katadbg.proc.Processes;
import dev.katadbg.testenv.Await;
import dev.katadbg.testenv.CommandResult;
import dev.katadbg.testenv.PrivateContainerd;
import dev.katadbg.testenv.RunningCommand;
import dev.katadbg.testenv.TestDirs;
import dev.katadbg.testenv.TestEnv;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The wrapper end to end: a real private containerd runs containers through
 * {@code containerd-shim-katadbg-v2} (the built launcher in target/katadbg), which runs the
 * DWARF debug runc shim under the real Delve 1.24.
 */
class WrapperIT {
  static final String RUNTIME = "io.containerd.katadbg.v2";
  static final String CREATE =
      "github.com/containerd/containerd/runtime/v2/runc/task.(*service).Create";
  static final Duration WAIT = Duration.ofSeconds(60);

  static Path confDir;
  static Path config;

  @RegisterExtension
  static PrivateContainerd containerd = PrivateContainerd.create()
      .environment(Map.of("KATADBG_CONFIG", configPath().toString()))
      .removingAfterStop(confDir);

  static TestEnv env;

  static Path configPath() {
    if (confDir == null) {
      confDir = TestDirs.createOrPlaceholder("wrapper");
      config = confDir.resolve("katadbg.toml");
    }
    return config;
  }

  @BeforeAll
  static void linkWrapper() throws IOException {
    env = TestEnv.require(TestEnv.Part.DLV, TestEnv.Part.OLD_DLV, TestEnv.Part.DEBUG_SHIM,
        TestEnv.Part.CONTAINERD, TestEnv.Part.CTR, TestEnv.Part.RUNC, TestEnv.Part.BUSYBOX);
    Path wrapper = env.dist().resolve("bin/containerd-shim-katadbg-v2");
    assertThat(wrapper).as("built launcher (mvn package)").isExecutable();
    Files.createSymbolicLink(containerd.optBin().resolve("containerd-shim-katadbg-v2"), wrapper);
    // The same debug shim without katadbg, to compare answers with.
    Files.createSymbolicLink(containerd.optBin().resolve("containerd-shim-runcdbg-v2"),
        env.debugShim());
  }

  @BeforeEach
  void defaultConfig() throws IOException {
    writeConfig(Map.of("wait_for_client", "false"));
  }

  /** Writes katadbg's config: the debug shim, Delve 1.24, this test's state dir, plus extras. */
  static void writeConfig(Map<String, String> debugger) throws IOException {
    writeConfig(env.debugShim().toString(), debugger);
  }

  static void writeConfig(String shim, Map<String, String> debugger) throws IOException {
    Map<String, String> d = new HashMap<>(Map.of("path", q(env.dlv().toString())));
    d.putAll(debugger);
    StringBuilder b = new StringBuilder("[shim]\nbinary = " + q(shim) + "\n\n[debugger]\n");
    d.forEach((k, v) -> b.append(k).append(" = ").append(v).append('\n'));
    b.append("\n[state]\ndir = ").append(q(confDir.resolve("state").toString())).append('\n');
    Files.writeString(config, b.toString());
  }

  static String q(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** Runs the katadbg CLI in-process against this test's config. */
  static CommandResult katadbg(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err),
        Map.of("KATADBG_CONFIG", config.toString()), args);
    return new CommandResult(List.of(args), code, out.toString(), err.toString());
  }

  static List<JsonObject> sessions() {
    CommandResult r = katadbg("sessions", "--json");
    assertThat(r.exitCode()).as(r.describe()).isZero();
    List<JsonObject> out = new ArrayList<>();
    for (JsonElement e : JsonParser.parseString(r.stdout()).getAsJsonArray()) {
      out.add(e.getAsJsonObject());
    }
    return out;
  }

  static JsonObject awaitSession(String id, String state) {
    return await("session " + id + " in state " + state, () -> sessions().stream()
        .filter(s -> s.get("id").getAsString().equals(id)
            && s.get("state").getAsString().equals(state))
        .findFirst());
  }

  static <T> T await(String what, Supplier<Optional<T>> probe) {
    return Await.until(what, WAIT, probe, () -> "; containerd log:\n" + containerd.logTail(20));
  }

  /**
   * The state once the followed daemon has stopped. Until then Delve may still have the exited
   * start process selected and answer State with "Process N has exited" (shared/notes/delve.md):
   * under load the test can poll in that window, which is "not stopped yet", not a failure.
   */
  static Optional<DebuggerState> stopped(DelveClient c) {
    try {
      return Optional.of(c.state(true)).filter(s -> !s.running());
    } catch (dev.katadbg.delve.DelveException e) {
      if (e.getMessage().contains("has exited")) {
        return Optional.empty();
      }
      throw e;
    }
  }

  static CommandResult finish(RunningCommand run) throws InterruptedException {
    return run.tryWait(WAIT).orElseThrow(() -> new AssertionError("ctr did not finish: "
        + run.command() + "\nstdout: " + run.stdoutSoFar() + "\nstderr: " + run.stderrSoFar()));
  }

  // (a) wait_for_client = false, a breakpoint on Create: the stop is in the daemon.
  @Test
  void breakpointOnCreateIsHitInTheDaemonAndTheContainerRunsAfterContinue() throws Exception {
    writeConfig(Map.of("wait_for_client", "false", "breakpoints", "[" + q(CREATE) + "]"));
    String id = uniqueId("bp");
    RunningCommand run = containerd.ctrAsync("run", "--rm", "--runtime", RUNTIME, "--rootfs",
        containerd.rootfs().toString(), id, "/bin/echo", "hello from the debugged shim");
    JsonObject session = awaitSession(id, "running");
    int shimPid = session.get("shimPid").getAsInt();
    int startPid = session.get("startPid").getAsInt();
    assertThat(shimPid).isPositive().isNotEqualTo(startPid);
    try (DelveClient c = DelveClient.connect(
        DelveAddress.parse(session.get("listen").getAsString()), Duration.ofSeconds(10))) {
      DebuggerState stop = await("the stop at Create", () -> stopped(c));
      assertThat(stop.currentThread()).get().extracting(t -> t.function()).isEqualTo(CREATE);
      assertThat(stop.pid()).isEqualTo(shimPid);
      assertThat(stop.targetCommandLine()).doesNotEndWith(" start").contains("-namespace");
      assertThat(run.isAlive()).as("ctr waits while the shim sits at the breakpoint").isTrue();
      c.continueAsync();
    }
    CommandResult done = finish(run);
    assertThat(done.exitCode()).as(done.describe()).isZero();
    assertThat(done.stdout()).isEqualTo("hello from the debugged shim\n");
  }

  // (b) wait_for_client = true: ctr waits until the real dlv terminal client continues.
  @Test
  void waitForClientHoldsTheShimUntilTheRealDlvTerminalContinuesIt() throws Exception {
    writeConfig(Map.of("wait_for_client", "true", "breakpoints", "[" + q(CREATE) + "]"));
    String id = uniqueId("wait");
    RunningCommand run = containerd.ctrAsync("run", "--rm", "--runtime", RUNTIME, "--rootfs",
        containerd.rootfs().toString(), id, "/bin/echo", "continued by dlv connect");
    JsonObject session = awaitSession(id, "waiting");
    assertThat(run.tryWait(Duration.ofSeconds(2))).as("ctr must wait for a client").isEmpty();

    Process dlv = new ProcessBuilder(env.dlv().toString(), "connect",
        session.get("listen").getAsString()).redirectErrorStream(true).start();
    StringBuilder screen = new StringBuilder();
    Thread reader = drain(dlv.getInputStream(), screen);
    try (OutputStream keys = dlv.getOutputStream()) {
      // The start process has replied already; the daemon waits before its first instruction
      // and one continue reaches Create in it.
      type(keys, "continue");
      await("dlv to show the stop at Create", () -> Optional.of(text(screen))
          .filter(s -> s.contains("(*service).Create()")));
      type(keys, "continue");
      CommandResult done = finish(run);
      assertThat(done.exitCode()).as(done.describe()).isZero();
      assertThat(done.stdout()).isEqualTo("continued by dlv connect\n");
      type(keys, "quit -c");
    } finally {
      if (!dlv.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        dlv.destroyForcibly();
      }
      reader.join(5000);
    }
    assertThat(text(screen)).contains("(*service).Create()")
        .doesNotContain("follow-exec");
  }

  // (c) two sandboxes started at the same moment: a session, port and Delve each.
  @Test
  void twoContainersStartedConcurrentlyGetTheirOwnSessions() throws Exception {
    String a = uniqueId("pair-a");
    String b = uniqueId("pair-b");
    List<RunningCommand> runs = new ArrayList<>();
    for (String id : List.of(a, b)) {
      runs.add(containerd.ctrAsync("run", "-d", "--runtime", RUNTIME, "--rootfs",
          containerd.rootfs().toString(), id, "/bin/sleep", "300"));
    }
    for (RunningCommand r : runs) {
      CommandResult done = finish(r);
      assertThat(done.exitCode()).as(done.describe()).isZero();
    }
    JsonObject sa = awaitSession(a, "running");
    JsonObject sb = awaitSession(b, "running");
    assertThat(sa.get("listen").getAsString()).isNotEqualTo(sb.get("listen").getAsString());
    assertThat(sa.get("debuggerPid").getAsInt()).isNotEqualTo(sb.get("debuggerPid").getAsInt());
    Processes procs = Processes.linux();
    for (JsonObject s : List.of(sa, sb)) {
      assertThat(procs.traceesOf(s.get("debuggerPid").getAsInt()))
          .as("each shim is traced by its own Delve").contains(s.get("shimPid").getAsInt());
    }
    assertThat(containerd.ctr("task", "ls").stdout()).contains(a).contains(b);
  }

  /**
   * 20 containers started at once through katadbg (the fault matrix's concurrency case): each
   * start gets its own session, Delve and output, and when the containers exit nothing stays.
   */
  @Test
  void twentyConcurrentRunsEachCompleteUnderTheirOwnDelveAndLeaveNothing() throws Exception {
    writeConfig(Map.of("wait_for_client", "false"));
    Map<String, RunningCommand> runs = new java.util.LinkedHashMap<>();
    for (int i = 0; i < 20; i++) {
      String id = uniqueId("twenty-" + i);
      runs.put(id, containerd.ctrAsync("run", "--rm", "--runtime", RUNTIME, "--rootfs",
          containerd.rootfs().toString(), id, "/bin/echo", "out of " + id));
    }
    for (Map.Entry<String, RunningCommand> e : runs.entrySet()) {
      CommandResult done = finish(e.getValue());
      assertThat(done.exitCode()).as(done.describe()).isZero();
      assertThat(done.stdout()).isEqualTo("out of " + e.getKey() + "\n");
    }
    List<JsonObject> ours = sessions().stream()
        .filter(j -> runs.containsKey(j.get("id").getAsString())).toList();
    assertThat(ours).hasSize(20);
    assertThat(ours).extracting(j -> j.get("debuggerPid").getAsInt()).doesNotHaveDuplicates();
    assertThat(ours).extracting(j -> j.get("listen").getAsString()).doesNotHaveDuplicates();
    for (JsonObject j : ours) {
      String id = j.get("id").getAsString();
      await("nothing left running for " + id, () -> Optional.of(processesOf(id))
          .filter(List::isEmpty));
      await("the Delve of " + id + " ended with its shim", () -> Optional.of(j)
          .filter(x -> !alive(x, "debugger")));
    }
  }

  /** Processes whose command line names this sandbox id: the shim, its Delve, a keeper. */
  static List<ProcessInfo> processesOf(String id) {
    return Processes.linux().all().stream().filter(p -> {
      List<String> c = p.cmdline();
      for (int i = 0; i + 1 < c.size(); i++) {
        if (c.get(i).equals("-id") && c.get(i + 1).equals(id)) {
          return true;
        }
      }
      return false;
    }).toList();
  }

  CommandResult runExpectingFailure(String id) throws InterruptedException {
    CommandResult r = finish(containerd.ctrAsync("run", "--rm", "--runtime", RUNTIME,
        "--rootfs", containerd.rootfs().toString(), id, "/bin/echo", "must not run"));
    assertThat(r.exitCode()).as(r.describe()).isNotZero();
    assertThat(r.stdout()).doesNotContain("must not run");
    await("nothing left running for " + id, () -> Optional.of(processesOf(id))
        .filter(List::isEmpty));
    return r;
  }

  // (e) bad inputs, each with its one-line reason and nothing left running.
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"missing", "not executable"})
  void missingShimBinaryIsAClearErrorAndStartsNothing(String how) throws Exception {
    Path shim = Path.of("/nonexistent/containerd-shim-kata-v2");
    if (how.equals("not executable")) {
      shim = confDir.resolve("containerd-shim-noexec-v2");
      Files.copy(env.debugShim(), shim, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Files.setPosixFilePermissions(shim, java.nio.file.attribute.PosixFilePermissions
          .fromString("rw-r--r--"));
    }
    writeConfig(shim.toString(), Map.of("wait_for_client", "false"));
    String id = uniqueId("noshim");
    CommandResult r = runExpectingFailure(id);
    assertThat(r.stderr()).contains("katadbg: shim binary " + shim
        + " does not exist or is not executable: fix [shim] binary");
    JsonObject s = sessions().stream().filter(j -> j.get("id").getAsString().equals(id))
        .findFirst().orElseThrow();
    assertThat(s.get("state").getAsString()).isEqualTo("failed");
  }

  /** A config katadbg cannot use fails the start with one line naming file and key. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"syntax", "unknown key", "wrong type"})
  void aMalformedConfigIsOneLineNamingTheFileAndStartsNothing(String kind) throws Exception {
    String debugger = switch (kind) {
      case "syntax" -> "wait_for_client = \n";
      case "unknown key" -> "wait_for_clients = true\n";
      default -> "wait_for_client = \"yes\"\n";
    };
    Files.writeString(config, "[shim]\nbinary = " + q(env.debugShim().toString())
        + "\n[debugger]\npath = " + q(env.dlv().toString()) + "\n" + debugger);

    CommandResult r = runExpectingFailure(uniqueId("badcfg"));

    String line = r.stderr().lines().filter(l -> l.contains("katadbg: ")).findFirst()
        .orElseThrow(() -> new AssertionError(r.describe()));
    assertThat(line).contains("katadbg: " + config + ":").doesNotContain("Exception");
    if (!kind.equals("syntax")) {
      assertThat(line).contains(kind.equals("unknown key") ? "unknown key debugger.wait_for_clients"
          : "wait_for_client");
    }
  }

  /** A state directory katadbg cannot use (here a file) fails the start in one line. */
  @Test
  void anUnusableStateDirectoryIsOneLineAndStartsNothing() throws Exception {
    Path file = Files.writeString(confDir.resolve("state-is-a-file"), "");
    Files.writeString(config, "[shim]\nbinary = " + q(env.debugShim().toString())
        + "\n[debugger]\npath = " + q(env.dlv().toString()) + "\n[state]\ndir = "
        + q(file.resolve("katadbg").toString()) + "\n");

    CommandResult r = runExpectingFailure(uniqueId("nostate"));

    assertThat(r.stderr()).contains("katadbg: cannot use state directory " + file.resolve("katadbg"))
        .contains("set [state] dir to a directory katadbg can create")
        .doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void oldDelveThatDoesNotSupportTheShimsGoIsOneClearAnswer() throws Exception {
    writeConfig(Map.of("wait_for_client", "false", "path", q(env.oldDlv().toString())));
    CommandResult r = runExpectingFailure(uniqueId("oldgo"));
    // Delve 1.20.2 attaches to a Go 1.24 process without a word; katadbg checks the window
    // Delve reports and gives one answer, with the one setting that changes it.
    assertThat(r.stderr()).contains("katadbg: the shim " + env.debugShim().toRealPath()
        + " was built with go1.24, newer than Delve 1.20.2 supports (Go 1.18 to 1.20): use a"
        + " Delve that supports it, or set [debugger] check_go_version = false\n");
  }

  @Test
  void strippedShimIsRefusedWithTheBuildFlagsToUse() throws Exception {
    writeConfig(env.debianShim().toString(), Map.of("wait_for_client", "false"));
    CommandResult r = runExpectingFailure(uniqueId("stripped"));
    assertThat(r.stderr()).contains("has no DWARF debug info: rebuild it with -gcflags=all=-N -l");
  }

  @Test
  void busyFixedListenAddressIsAClearError() throws Exception {
    try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1,
        java.net.InetAddress.getLoopbackAddress())) {
      writeConfig(Map.of("wait_for_client", "false",
          "listen", q("127.0.0.1:" + busy.getLocalPort())));
      CommandResult r = runExpectingFailure(uniqueId("busy"));
      assertThat(r.stderr()).contains("katadbg: cannot listen on 127.0.0.1:" + busy.getLocalPort());
    }
  }

  @Test
  void aShimThatFailsAtStartGivesItsOwnReasonAndLeavesNothingRunning() throws Exception {
    // The real runc shim's start reads config.json from its working directory (the bundle);
    // an empty directory makes it fail the way a broken bundle would. What the runtime manager
    // gets is what the shim says without katadbg: the same bytes and exit status.
    Path empty = Files.createTempDirectory(confDir, "empty-bundle");
    String id = uniqueId("failstart");
    Process p = startWrapperDirectly(id, empty);
    String out = new String(p.getInputStream().readAllBytes());
    String err = new String(p.getErrorStream().readAllBytes());
    int code = p.waitFor();
    Process real = new ProcessBuilder(env.debugShim().toString(), "-namespace", "default",
        "-address", containerd.socket().toString(), "-publish-binary",
        env.containerd().toString(), "-id", id + "-real", "start").directory(empty.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    String realOut = new String(real.getInputStream().readAllBytes());
    String realErr = new String(real.getErrorStream().readAllBytes());
    assertThat(code).isEqualTo(real.waitFor()).isNotZero();
    assertThat(out).isEqualTo(realOut);
    assertThat(err).isEqualTo(realErr.replace(id + "-real", id))
        .contains("config.json: no such file or directory");
    await("nothing left running", () -> Optional.of(processesOf(id)).filter(List::isEmpty));
    JsonObject s = sessions().stream().filter(j -> j.get("id").getAsString().equals(id))
        .findFirst().orElseThrow();
    assertThat(s.get("state").getAsString()).isEqualTo("failed");
    assertThat(s.get("reason").getAsString()).startsWith("shim start failed (exit status "
        + code + "): ").contains("config.json");
  }


  /**
   * FAKE shim: a start that prints garbage and exits 0 without a daemon. Its bytes reach
   * containerd as they are (its error is containerd's own, as without katadbg), nothing is left,
   * and the session shows what the start replied.
   */
  @Test
  void fakeShimWhoseStartPrintsGarbageGetsContainerdsOwnErrorAndTheSessionShowsTheReply()
      throws Exception {
    Path fake = TestEnv.require(TestEnv.Part.FAKE_GARBAGE_SHIM)
        .path(TestEnv.Part.FAKE_GARBAGE_SHIM);
    writeConfig(fake.toString(), Map.of("wait_for_client", "false"));
    try {
      Process own = new ProcessBuilder(fake.toString(), "-id", "x", "start")
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      byte[] ownOut = own.getInputStream().readAllBytes();
      assertThat(own.waitFor()).isZero();
      Process p = startWrapperDirectly(uniqueId("garbage"),
          Files.createTempDirectory(confDir, "garbage-bundle"));
      assertThat(p.getInputStream().readAllBytes()).as("the start's bytes, relayed as they are")
          .isEqualTo(ownOut).hasSize(28);
      assertThat(p.getErrorStream().readAllBytes()).isEmpty();
      assertThat(p.waitFor()).isZero();

      String ctrId = uniqueId("garbage-ctr");
      CommandResult r = runExpectingFailure(ctrId);
      assertThat(r.stderr()).startsWith("ctr: ").doesNotContain("katadbg");
      JsonObject s = sessions().stream().filter(j -> j.get("id").getAsString().equals(ctrId))
          .findFirst().orElseThrow();
      assertThat(s.get("reason").getAsString())
          .contains("without starting a daemon")
          .contains("replied 28 bytes: \"\\x00\\x01garbage \\xff\\xfe not an address\\n\"");
    } finally {
      writeConfig(Map.of());
    }
  }

  @Test
  void passthroughOnFailureStartsTheContainerWithoutTheDebugger() throws Exception {
    // Before the shim ran (no dlv): the real shim is run, with the runtime manager's stdio.
    writeConfig(Map.of("wait_for_client", "false", "path", q("/nonexistent/dlv"),
        "on_failure", q("passthrough")));
    assertRunsWithoutTheDebugger(uniqueId("passthru"), "dlv not found");
  }

  @Test
  void passthroughAfterTheShimRanLetsTheDaemonRunWithoutTheDebugger() throws Exception {
    // After the start ran (its daemon held), a debugger that dies: the daemon is let go.
    writeConfig(Map.of("wait_for_client", "true", "path", q(dyingDlv(false).toString()),
        "on_failure", q("passthrough")));
    assertRunsWithoutTheDebugger(uniqueId("passlate"), "Delve exited");
  }

  /** The container runs and its session says passthrough, with {@code reason}. */
  void assertRunsWithoutTheDebugger(String id, String reason) throws Exception {
    CommandResult r = finish(containerd.ctrAsync("run", "--rm", "--runtime", RUNTIME,
        "--rootfs", containerd.rootfs().toString(), id, "/bin/echo", "ran without debugger"));
    assertThat(r.exitCode()).as(r.describe()).isZero();
    assertThat(r.stdout()).isEqualTo("ran without debugger\n");
    JsonObject s = sessions().stream().filter(j -> j.get("id").getAsString().equals(id))
        .findFirst().orElseThrow();
    assertThat(s.get("state").getAsString()).isIn("passthrough", "gone");
    assertThat(s.get("reason").getAsString()).contains(reason);
  }

  /**
   * A stand-in for a Delve that crashes (no real one dies on demand): it runs the real one,
   * waits until it has attached to the daemon ({@code dlv attach PID ...}) and kills it, and
   * with {@code killDaemon} the daemon too.
   */
  static Path dyingDlv(boolean killDaemon) throws IOException {
    Path fake = confDir.resolve(killDaemon ? "dying-dlv-and-daemon" : "dying-dlv");
    Files.writeString(fake, "#!/bin/sh\n"
        + env.dlv() + " \"$@\" &\n"
        + "dlv=$!\n"
        + "pid=$2\n"
        + "while ! grep -qs '^TracerPid:[[:space:]]*[1-9]' /proc/$pid/status; do sleep 0.01;"
        + " done\n"
        + "kill -9 $dlv" + (killDaemon ? " $pid" : "") + "\n"
        + "echo 'fake dlv: crashed' >&2\n"
        + "exit 2\n");
    fake.toFile().setExecutable(true);
    return fake;
  }


  // (d) a start for a sandbox that already has a live session goes to the real shim.
  @Test
  void startForASandboxWithALiveSessionPassesThroughToTheRealShim() throws Exception {
    String id = uniqueId("again");
    CommandResult first = finish(containerd.ctrAsync("run", "-d", "--runtime", RUNTIME,
        "--rootfs", containerd.rootfs().toString(), id, "/bin/sleep", "300"));
    assertThat(first.exitCode()).as(first.describe()).isZero();
    JsonObject s = awaitSession(id, "running");
    Path bundle = Path.of(s.get("bundle").getAsString());
    String address = Files.readString(bundle.resolve("address")).strip();
    Process p = startWrapperDirectly(id, bundle);
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).isZero();
    assertThat(out).isEqualTo(address);
    assertThat(ProcessHandle.of(s.get("debuggerPid").getAsInt()).map(ProcessHandle::isAlive))
        .as("still the Delve of the first start").contains(true);
    assertThat(sessions().stream().filter(j -> j.get("id").getAsString().equals(id))
        .findFirst().orElseThrow().get("debuggerPid").getAsInt())
        .isEqualTo(s.get("debuggerPid").getAsInt());
  }

  JsonObject runDetached(String id) throws InterruptedException {
    CommandResult r = finish(containerd.ctrAsync("run", "-d", "--runtime", RUNTIME, "--rootfs",
        containerd.rootfs().toString(), id, "/bin/sleep", "300"));
    assertThat(r.exitCode()).as(r.describe()).isZero();
    return awaitSession(id, "running");
  }

  static boolean alive(JsonObject session, String what) {
    return Processes.linux().isAlive(session.get(what + "Pid").getAsInt(),
        session.get(what + "StartTime").getAsLong());
  }

  /** katadbg stop: Delve gone, the shim alive, untraced and still answering containerd. */
  void stopDetachesAndTheShimServesOn(String id, JsonObject s) {
    CommandResult stop = katadbg("stop", id);
    assertThat(stop.exitCode()).as(stop.describe()).isZero();
    assertThat(stop.stdout()).contains("detached from default/" + id).contains("keeps running");
    assertThat(alive(s, "debugger")).isFalse();
    assertThat(alive(s, "shim")).isTrue();
    ProcessInfo shim = Processes.linux().get(s.get("shimPid").getAsInt()).orElseThrow();
    assertThat(shim.tracerPid()).as("no longer traced").isZero();
    assertThat(containerd.ctr("task", "ps", id).exitCode()).isZero();
  }

  @Test
  void stopDetachesFromAShimThatNeverStoppedAndItKeepsServing() throws Exception {
    String id = uniqueId("stop-run");
    JsonObject s = runDetached(id);
    stopDetachesAndTheShimServesOn(id, s);
    JsonObject kept = sessions().stream().filter(j -> j.get("id").getAsString().equals(id))
        .findFirst().orElseThrow(() -> new AssertionError("the stopped session is kept"));
    assertThat(kept.get("state").getAsString()).isEqualTo("stopped");
    assertThat(kept.get("reason").getAsString()).contains("detached by katadbg stop");
    CommandResult removed = katadbg("stop", id);
    assertThat(removed.stdout()).contains("removed it and its logs");
    assertThat(sessions()).noneMatch(j -> j.get("id").getAsString().equals(id));
  }

  @Test
  void stopAtABreakpointDetachesAndTheContainerCompletes() throws Exception {
    writeConfig(Map.of("wait_for_client", "false", "breakpoints", "[" + q(CREATE) + "]"));
    String id = uniqueId("stop-bp");
    RunningCommand run = containerd.ctrAsync("run", "--rm", "--runtime", RUNTIME, "--rootfs",
        containerd.rootfs().toString(), id, "/bin/echo", "after detach");
    JsonObject s = awaitSession(id, "running");
    try (DelveClient c = DelveClient.connect(DelveAddress.parse(s.get("listen").getAsString()),
        Duration.ofSeconds(10))) {
      await("the stop at Create", () -> stopped(c));
    }
    // the wrapper recorded "running"; the listing shows what Delve reports now
    CommandResult listed = katadbg("sessions");
    assertThat(listed.stdout()).containsPattern(id + "\\s+stopped\\s")
        .contains("(*service).Create() ");
    JsonObject target = sessions().stream().filter(j -> j.get("id").getAsString().equals(id))
        .findFirst().orElseThrow().getAsJsonObject("target");
    assertThat(target.get("state").getAsString()).isEqualTo("stopped");
    assertThat(target.get("function").getAsString()).isEqualTo(CREATE);
    CommandResult stop = katadbg("stop", id);
    assertThat(stop.exitCode()).as(stop.describe()).isZero();
    assertThat(stop.stdout()).contains("detached from default/" + id);
    CommandResult done = finish(run);
    assertThat(done.exitCode()).as(done.describe()).isZero();
    assertThat(done.stdout()).isEqualTo("after detach\n");
  }

  @Test
  void stopDetachesEvenWithUnhitBreakpointsAndKillEndsEverything() throws Exception {
    // With the daemon selected in Delve once the start process is gone, halt works before the
    // daemon has ever stopped, so unhit breakpoints can be cleared and the shim let go.
    writeConfig(Map.of("wait_for_client", "false", "breakpoints",
        "[" + q("github.com/containerd/containerd/runtime/v2/runc/task.(*service).Pause") + "]"));
    String id = uniqueId("stop-unhit");
    JsonObject s = runDetached(id);
    stopDetachesAndTheShimServesOn(id, s);

    String other = uniqueId("stop-kill");
    runDetached(other);
    CommandResult killed = katadbg("stop", "--kill", other);
    assertThat(killed.exitCode()).as(killed.describe()).isZero();
    await("shim and debugger gone", () -> Optional.of(processesOf(other)).filter(List::isEmpty));
  }

  @Test
  void stopOfAnUnknownSessionSaysSoWithItsExitCode() {
    CommandResult r = katadbg("stop", "no-such-session");
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.stderr()).contains("no session 'no-such-session' (katadbg sessions lists them)");
  }

  @Test
  void missingDlvIsAClearErrorAndStartsNothing() throws Exception {
    writeConfig(Map.of("wait_for_client", "false", "path", q("/nonexistent/dlv")));
    CommandResult r = runExpectingFailure(uniqueId("nodlv"));
    assertThat(r.stderr()).contains("katadbg: dlv not found at /nonexistent/dlv: install Delve"
        + " or fix [debugger] path");
  }

  @Test
  void fakeDebuggerThatDiesDuringTheStartIsReportedAndLeavesNothingRunning() throws Exception {
    Path fake = dyingDlv(true);
    writeConfig(Map.of("wait_for_client", "true", "path", q(fake.toString())));
    String id = uniqueId("dies");
    CommandResult r = runExpectingFailure(id);
    assertThat(r.stderr()).contains("katadbg: Delve exited").contains("fake dlv: crashed");
  }

  /**
   * An unexpected exception after Delve started — here the session registry's write, made to
   * fail by a directory where it writes its temporary file — ends everything katadbg started
   * and gives the runtime manager one line; the session log keeps the reason.
   */
  @Test
  void aRegistryWriteThatFailsAfterDelveStartedLeavesNothingAndSaysOneLine() throws Exception {
    // Several breakpoints keep the window between Delve's launch and the next write long.
    writeConfig(Map.of("wait_for_client", "false", "breakpoints", "[" + q(CREATE) + ", "
        + q(CREATE.replace("Create", "Start")) + ", " + q(CREATE.replace("Create", "Delete"))
        + ", " + q(CREATE.replace("Create", "State")) + "]"));
    String id = uniqueId("regfail");
    Path dir = confDir.resolve("state/sessions/default/" + id);
    RunningCommand run = containerd.ctrAsync("run", "--rm", "--runtime", RUNTIME, "--rootfs",
        containerd.rootfs().toString(), id, "/bin/echo", "must not run");
    // Every 2 ms: the window between the record naming Delve and the next write is short.
    JsonObject launched = org.awaitility.Awaitility.await("the record naming Delve")
        .atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2))
        .pollInSameThread().until(() -> launchedRecord(dir), Optional::isPresent).orElseThrow();
    assertThat(launched.get("state").getAsString()).as("the test must act before the next"
        + " write; Delve answered too fast").isEqualTo("starting");
    Files.createDirectories(dir.resolve("session.json.tmp/blocker"));
    int dlv = launched.get("debuggerPid").getAsInt();
    try {
      CommandResult r = finish(run);
      assertThat(r.exitCode()).as(r.describe()).isNotZero();
      assertThat(r.stdout()).doesNotContain("must not run");
      assertThat(r.stderr()).contains("cannot write session record in " + dir);
      await("nothing left running", () -> Optional.of(processesOf(id)).filter(List::isEmpty));
      // Gone or a zombie (this machine's init does not reap orphans).
      assertThat(Processes.linux().get(dlv).filter(pi -> !pi.isZombie())).isEmpty();
      assertThat(Files.readString(dir.resolve("katadbg.log")))
          .contains("error cannot write session record in " + dir)
          .contains("cannot record the session as failed");
    } finally {
      TestDirs.delete(dir.resolve("session.json.tmp"));
    }
  }

  @Test
  void aDebuggedStartWritesExactlyTheShimsReplyAndNothingElse() throws Exception {
    // The daemon waits for a client, so the session stays live until stopped (this bundle has
    // no log FIFO: a continued daemon would exit at once).
    writeConfig(Map.of("wait_for_client", "true"));
    Path bundle = Files.createTempDirectory(confDir, "bundle");
    Files.writeString(bundle.resolve("config.json"), "{}");
    String id = uniqueId("clean");
    Process p = startWrapperDirectly(id, bundle);
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    assertThat(p.waitFor()).isZero();
    assertThat(new String(err)).isEmpty();
    String expected = Files.readString(bundle.resolve("address"));
    assertThat(new String(out)).isEqualTo(expected).startsWith("unix:///run/containerd/s/");
    JsonObject s = awaitSession(id, "waiting");
    assertThat(katadbg("stop", "--kill", "default/" + id).exitCode()).isZero();
    await("nothing left", () -> Optional.of(processesOf(id)).filter(List::isEmpty));
    assertThat(alive(s, "debugger")).isFalse();
  }


  /**
   * containerd pipes a runtime's options to the start as a protobuf Any; here the runc shim's
   * own ({@code containerd.runc.v1.Options} with a shim cgroup), through a real pipe. The runc
   * shim's start reads them and moves its daemon into that cgroup: the daemon's cgroup shows
   * the bytes arrived, unread and unchanged by the wrapper.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"pipe", "file"})
  void runcOptionsOnStdinReachTheShimsStart(String kind) throws Exception {
    writeConfig(Map.of("wait_for_client", "true"));
    String cgroup = "katadbg-relay-" + uniqueId(kind);
    List<Path> made = new ArrayList<>();
    for (String c : List.of("blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "memory",
        "pids", "systemd")) {
      Path d = Path.of("/sys/fs/cgroup", c, cgroup);
      Files.createDirectories(d);
      made.add(d);
      if (c.equals("cpuset")) {
        for (String f : List.of("cpuset.cpus", "cpuset.mems")) {
          Files.writeString(d.resolve(f), Files.readString(d.getParent().resolve(f)));
        }
      }
    }
    byte[] options = runcOptionsAny("/" + cgroup);
    Path bundle = Files.createTempDirectory(confDir, "bundle");
    Files.writeString(bundle.resolve("config.json"), "{}");
    Path in = bundle.resolve("options");
    String id = uniqueId("opts");
    Process p;
    if (kind.equals("pipe")) {
      p = startWrapperDirectly(id, bundle, ProcessBuilder.Redirect.PIPE);
      try (OutputStream o = p.getOutputStream()) {
        o.write(options);
      }
    } else {
      Files.write(in, options);
      p = startWrapperDirectly(id, bundle, ProcessBuilder.Redirect.from(in.toFile()));
    }
    try {
      String err = new String(p.getErrorStream().readAllBytes());
      assertThat(p.waitFor()).as(err).isZero();
      JsonObject s = awaitSession(id, "waiting");
      int daemon = s.get("shimPid").getAsInt();
      assertThat(Files.readString(Path.of("/proc/" + daemon + "/cgroup")))
          .contains("pids:/" + cgroup + "\n").contains("memory:/" + cgroup + "\n");
      assertThat(katadbg("stop", "--kill", "default/" + id).exitCode()).isZero();
      await("nothing left", () -> Optional.of(processesOf(id)).filter(List::isEmpty));
    } finally {
      for (Path d : made) {
        Files.deleteIfExists(d);
      }
    }
  }

  /** {@code google.protobuf.Any} of {@code containerd.runc.v1.Options{shim_cgroup = 3}}. */
  static byte[] runcOptionsAny(String shimCgroup) {
    byte[] cg = shimCgroup.getBytes(StandardCharsets.UTF_8);
    java.io.ByteArrayOutputStream opts = new java.io.ByteArrayOutputStream();
    opts.write(0x1a);
    opts.write(cg.length);
    opts.writeBytes(cg);
    return com.google.protobuf.Any.newBuilder().setTypeUrl("containerd.runc.v1.Options")
        .setValue(com.google.protobuf.ByteString.copyFrom(opts.toByteArray())).build()
        .toByteArray();
  }

  /**
   * A runtime class with options (Kata's ConfigPath; here ctr's --runtime-config-path) makes
   * containerd pipe runtimeoptions.v1.Options to the start. The runc shim's start rejects that
   * type, and says so the same with and without katadbg: the wrapper relays stdin, and the
   * shim's failure, as they are.
   */
  @Test
  void runtimeOptionsPipedByContainerdGetTheShimsOwnAnswer() throws Exception {
    Files.writeString(confDir.resolve("kata.toml"), "# a Kata configuration\n");
    List<String> errors = new ArrayList<>();
    for (String runtime : List.of(RUNTIME, "io.containerd.runcdbg.v2")) {
      String id = uniqueId("rtopts");
      CommandResult r = finish(containerd.ctrAsync("run", "--rm", "--runtime", runtime,
          "--runtime-config-path", confDir.resolve("kata.toml").toString(), "--rootfs",
          containerd.rootfs().toString(), id, "/bin/echo", "must not run"));
      assertThat(r.exitCode()).as(r.describe()).isNotZero();
      errors.add(r.stderr().replace(id, "ID"));
    }
    assertThat(errors.get(0)).contains("runtimeoptions.v1.Options: not found")
        .isEqualTo(errors.get(1));
  }

  /**
   * {@code target = "start"}: Delve launches the start process alone, which stops at a
   * breakpoint in it; continued, it replies, its daemon runs untraced, and the session ends.
   */
  @Test
  void targetStartDebugsTheStartProcessAndLetsTheDaemonGo() throws Exception {
    writeConfig(Map.of("wait_for_client", "false", "target", q("start"),
        "breakpoints", "[" + q("main.main") + "]"));
    String id = uniqueId("tstart");
    RunningCommand run = containerd.ctrAsync("run", "--rm", "--runtime", RUNTIME, "--rootfs",
        containerd.rootfs().toString(), id, "/bin/echo", "after start");
    JsonObject session = awaitSession(id, "running");
    assertThat(session.get("origin").getAsString()).isEqualTo("launched");
    try (DelveClient c = DelveClient.connect(
        DelveAddress.parse(session.get("listen").getAsString()), Duration.ofSeconds(10))) {
      DebuggerState stop = await("the stop at main.main", () -> stopped(c));
      assertThat(stop.currentThread()).get().extracting(t -> t.function()).isEqualTo("main.main");
      assertThat(stop.targetCommandLine()).endsWith(" start");
      assertThat(run.isAlive()).as("ctr waits for the start's reply").isTrue();
      c.continueAsync();
    }
    CommandResult done = finish(run);
    assertThat(done.exitCode()).as(done.describe()).isZero();
    assertThat(done.stdout()).isEqualTo("after start\n");
    JsonObject ended = sessions().stream().filter(j -> j.get("id").getAsString().equals(id))
        .findFirst().orElseThrow();
    assertThat(ended.get("state").getAsString()).isIn("stopped", "gone");
    assertThat(ended.get("reason").getAsString()).contains("the start process exited (status 0)");
  }

  /**
   * The caller gives up mid-start (containerd kills the wrapper when ctr is interrupted or a CRI
   * deadline passes) after the daemon was handed over and Delve launched: the guard ends the
   * held daemon and Delve, and the session's log says why. FAKE dlv: a script that waits 60 s
   * before it execs the real Delve, since no real Delve is slow on cue.
   */
  @Test
  void aWrapperKilledBeforeItRepliesLeavesNoDaemonAndNoDelve() throws Exception {
    Path slowDlv = confDir.resolve("fake-slow-dlv");
    Files.writeString(slowDlv, "#!/bin/sh\nsleep 60\nexec " + env.dlv() + " \"$@\"\n");
    assertThat(slowDlv.toFile().setExecutable(true)).isTrue();
    writeConfig(Map.of("path", q(slowDlv.toString()), "wait_for_client", "false"));
    String id = uniqueId("gaveup");
    try {
      RunningCommand run = containerd.ctrAsync("run", "--rm", "--runtime", RUNTIME, "--rootfs",
          containerd.rootfs().toString(), id, "/bin/echo", "never");
      // The daemon is recorded with Delve's pid, before Delve listens (the fake never does,
      // within this test).
      JsonObject s = await("Delve launched for " + id, () -> sessions().stream()
          .filter(j -> j.get("id").getAsString().equals(id)
              && j.get("shimPid").getAsInt() != 0).findFirst());
      assertThat(s.get("listen").getAsString()).as("not listening yet").isEmpty();
      int daemon = s.get("shimPid").getAsInt();
      int delve = s.get("debuggerPid").getAsInt();
      assertThat(ProcessHandle.of(delve).flatMap(h -> h.info().commandLine()))
          .hasValueSatisfying(c -> assertThat(c).contains(slowDlv.toString()));
      assertThat(alive(s, "shim")).as("the held daemon").isTrue();
      // The wrapper's JVM, or its native front when a resident katadbg serves the start.
      ProcessHandle wrapper = ProcessHandle.allProcesses().filter(h -> h.info().arguments()
          .map(a -> (List.of(a).contains("dev.katadbg.shim.ShimWrapper")
              || List.of(a).contains("--shim")) && List.of(a).contains(id)).orElse(false))
          .findFirst().orElseThrow(() -> new AssertionError("no wrapper for " + id));

      assertThat(wrapper.destroyForcibly()).isTrue();

      await("the daemon " + daemon + " and Delve " + delve + " ended", () -> Optional.of(s)
          .filter(j -> !alive(j, "shim") && !alive(j, "debugger")));
      CommandResult done = finish(run);
      assertThat(done.exitCode()).as(done.describe()).isNotZero();
      // The guard writes its line after the kills.
      Path log = Path.of(s.get("log").getAsString());
      await("the guard's line in " + log, () -> {
        try {
          return Optional.of(Files.readString(log))
              .filter(t -> t.contains("the wrapper was killed before it replied"));
        } catch (IOException e) {
          return Optional.empty();
        }
      });
      JsonObject gone = sessions().stream().filter(j -> j.get("id").getAsString().equals(id))
          .findFirst().orElseThrow();
      assertThat(gone.get("state").getAsString()).isEqualTo("gone");
      assertThat(gone.get("reason").getAsString()).contains("its caller gave up");
    } finally {
      writeConfig(Map.of());
    }
  }

  /**
   * Delve killed (SIGKILL) while the daemon is stopped at a breakpoint: the kernel lets the
   * daemon go, onto the int3 Delve left at Create, and it dies. Nothing may stay, and the session
   * must say what happened: containerd's own line is only "ttrpc: closed".
   */
  @Test
  void delveKilledWhileTheShimIsStoppedAtABreakpointIsNamedAsTheCauseAndNothingStays()
      throws Exception {
    writeConfig(Map.of("wait_for_client", "false", "breakpoints", "[" + q(CREATE) + "]"));
    String id = uniqueId("dlvkill");
    RunningCommand run = containerd.ctrAsync("run", "--rm", "--runtime", RUNTIME, "--rootfs",
        containerd.rootfs().toString(), id, "/bin/echo", "never");
    JsonObject s = awaitSession(id, "running");
    try (DelveClient c = DelveClient.connect(
        DelveAddress.parse(s.get("listen").getAsString()), Duration.ofSeconds(10))) {
      await("the stop at Create", () -> stopped(c));
    }

    assertThat(ProcessHandle.of(s.get("debuggerPid").getAsLong()).orElseThrow()
        .destroyForcibly()).isTrue();

    CommandResult done = finish(run);
    assertThat(done.exitCode()).as(done.describe()).isNotZero();
    assertThat(done.stdout()).doesNotContain("never");
    await("nothing left running for " + id, () -> Optional.of(processesOf(id))
        .filter(List::isEmpty));
    assertThat(containerd.ctr("task", "ls").stdout()).doesNotContain(id);
    JsonObject gone = await("the reaper's reason for " + id, () -> sessions().stream()
        .filter(j -> j.get("id").getAsString().equals(id) && j.has("reason")).findFirst());
    assertThat(gone.get("state").getAsString()).isEqualTo("gone");
    // The shim dies within microseconds of its Delve: the reaper sees both gone at once, or,
    // under load, Delve first.
    assertThat(gone.get("reason").getAsString())
        .startsWith("Delve (pid " + s.get("debuggerPid").getAsInt() + ")")
        .contains("SIGTRAP");
    CommandResult logs = katadbg("logs", id);
    assertThat(logs.stdout()).contains("WARN Delve (pid ");
  }

  /**
   * containerd restarted while a shim is halted: it cannot load the halted shim, gives up on it
   * and removes its bundle. katadbg then shows the session orphaned, will not continue it (the
   * shim would run on, served by nobody), and stop --kill ends the shim and its Delve.
   */
  /**
   * containerd restarted while a shim waits for a client, halted before its first instruction:
   * the new containerd gives up on the shim (it does not answer), keeps no task and leaves the
   * bundle (the real shim's delete fails without a Create). katadbg sees the manager that
   * started the shim gone and the shim never run: orphaned, not continued, stop --kill ends it.
   */
  @Test
  void aShimHaltedBeforeCreateWhileContainerdRestartsIsOrphanedToo() throws Exception {
    writeConfig(Map.of("wait_for_client", "true"));
    String id = uniqueId("unserved");
    try {
      RunningCommand run = containerd.ctrAsync("run", "--rm", "--runtime", RUNTIME, "--rootfs",
          containerd.rootfs().toString(), id, "/bin/echo", "never");
      JsonObject s = awaitSession(id, "waiting");
      assertThat(katadbg("sessions").stdout()).containsPattern(id + "\\s+waiting\\s");

      containerd.restart();
      finish(run);

      assertThat(Files.isDirectory(Path.of(s.get("bundle").getAsString())))
          .as("the bundle containerd leaves").isTrue();
      assertOrphanedAndStopKillEndsIt(id, s, "the runtime manager that started it (pid ");
    } finally {
      writeConfig(Map.of());
    }
  }

  @Test
  void aShimHaltedWhileContainerdRestartsIsOrphanedAndStopKillEndsIt() throws Exception {
    // Halted in Start: Create has returned, so containerd has the task on record to clean up.
    writeConfig(Map.of("wait_for_client", "false", "breakpoints",
        "[" + q(CREATE.replace("Create", "Start")) + "]"));
    String id = uniqueId("orphan");
    RunningCommand run = containerd.ctrAsync("run", "--rm", "--runtime", RUNTIME, "--rootfs",
        containerd.rootfs().toString(), id, "/bin/echo", "never");
    JsonObject s = awaitSession(id, "running");
    try (DelveClient c = DelveClient.connect(DelveAddress.parse(s.get("listen").getAsString()),
        Duration.ofSeconds(10))) {
      await("the stop at Start", () -> stopped(c));
    }
    Path bundle = Path.of(s.get("bundle").getAsString());

    containerd.restart();
    finish(run);
    await("containerd to give up " + id + " and remove its bundle", () -> Optional.of(bundle)
        .filter(b -> !Files.isDirectory(b)));

    assertOrphanedAndStopKillEndsIt(id, s, "its runtime manager dropped it (the bundle ");
  }

  /** The halted shim is listed orphaned for {@code why}, not continued, and stop --kill ends it. */
  void assertOrphanedAndStopKillEndsIt(String id, JsonObject s, String why) {
    assertThat(alive(s, "shim")).as("the halted shim").isTrue();
    assertThat(katadbg("sessions").stdout()).containsPattern(id + "\\s+orphaned\\s")
        .contains(why).contains("katadbg stop --kill default/" + id);
    CommandResult cont = katadbg("continue", id);
    assertThat(cont.exitCode()).as(cont.describe()).isEqualTo(1);
    assertThat(cont.stderr()).contains("not continuing default/" + id).contains(why);
    CommandResult stop = katadbg("stop", "--kill", id);
    assertThat(stop.exitCode()).as(stop.describe()).isZero();
    await("the shim and its Delve ended", () -> Optional.of(s)
        .filter(j -> !alive(j, "shim") && !alive(j, "debugger")));
  }

  /** A PIE build of the debug shim (Kata's shim is one), in both wait modes. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
  void aPieShimStopsAtCreateInTheDaemon(boolean waitForClient) throws Exception {
    Path pie = TestEnv.require(TestEnv.Part.PIE_SHIM).path(TestEnv.Part.PIE_SHIM);
    writeConfig(pie.toString(), Map.of("wait_for_client", Boolean.toString(waitForClient),
        "breakpoints", "[" + q(CREATE) + "]"));
    String id = uniqueId("pie");
    RunningCommand run = containerd.ctrAsync("run", "--rm", "--runtime", RUNTIME, "--rootfs",
        containerd.rootfs().toString(), id, "/bin/echo", "pie");
    JsonObject session = awaitSession(id, waitForClient ? "waiting" : "running");
    if (waitForClient) {
      assertThat(katadbg("continue", id).stdout()).isEqualTo("continued\n");
    }
    try (DelveClient c = DelveClient.connect(
        DelveAddress.parse(session.get("listen").getAsString()), Duration.ofSeconds(10))) {
      DebuggerState stop = await("the stop at Create", () -> stopped(c));
      assertThat(stop.currentThread()).get().extracting(t -> t.function()).isEqualTo(CREATE);
      assertThat(stop.pid()).isEqualTo(session.get("shimPid").getAsInt());
      c.continueAsync();
    }
    CommandResult done = finish(run);
    assertThat(done.exitCode()).as(done.describe()).isZero();
    assertThat(done.stdout()).isEqualTo("pie\n");
  }

  /** Calls the wrapper's start the way containerd does, in {@code bundle}. */
  /** The session record in {@code dir} once it names Delve; empty before or mid-rename. */
  static Optional<JsonObject> launchedRecord(Path dir) {
    try {
      JsonObject rec = JsonParser.parseString(Files.readString(dir.resolve("session.json")))
          .getAsJsonObject();
      return Optional.of(rec).filter(r -> !r.get("listen").getAsString().isEmpty());
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  static Process startWrapperDirectly(String id, Path bundle) throws IOException {
    return startWrapperDirectly(id, bundle,
        ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
  }

  static Process startWrapperDirectly(String id, Path bundle, ProcessBuilder.Redirect stdin)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(
        env.dist().resolve("bin/containerd-shim-katadbg-v2").toString(),
        "-namespace", "default", "-address", containerd.socket().toString(),
        "-publish-binary", env.containerd().toString(), "-id", id, "start")
        .directory(bundle.toFile())
        .redirectInput(stdin);
    pb.environment().put("KATADBG_CONFIG", config.toString());
    // containerd's shims use this resident katadbg too (ContainerdProcess); it ends with it.
    pb.environment().put("KATADBG_SERVER_DIR", containerd.baseDir().resolve("cli").toString());
    return pb.start();
  }

  static Thread drain(InputStream in, StringBuilder sink) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[4096];
      try {
        for (int n; (n = in.read(buf)) > 0; ) {
          synchronized (sink) {
            sink.append(new String(buf, 0, n, StandardCharsets.UTF_8));
          }
        }
      } catch (IOException e) {
        // The process ended.
      }
    });
    t.setDaemon(true);
    t.start();
    return t;
  }

  static String text(StringBuilder sink) {
    synchronized (sink) {
      return sink.toString();
    }
  }

  static void type(OutputStream keys, String line) throws IOException {
    keys.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    keys.flush();
  }

  // ---- The start served by a resident katadbg: the wrapper the runtime manager runs is then
  // katadbg-client --shim, which runs the exec watcher and the shim's start itself and hands the
  // JVM's part to the server the first start left behind.

  /** Where containerd's shims find the server: KATADBG_SERVER_DIR of its environment. */
  static Path serverDir() {
    return containerd.baseDir().resolve("cli");
  }

  static List<Path> serverSockets() {
    try (Stream<Path> s = Files.list(serverDir())) {
      return s.filter(p -> p.getFileName().toString().endsWith(".sock")).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  static List<ProcessInfo> servers() {
    return Processes.linux().all().stream()
        .filter(p -> p.cmdline().contains("dev.katadbg.cli.CliServer")
            && String.join(" ", p.cmdline()).contains(serverDir().toString()))
        .toList();
  }

  /** Ends the server (it exits once its socket is gone), so that the next start has none. */
  static void noServer() throws IOException {
    for (Path s : serverSockets()) {
      Files.deleteIfExists(s);
    }
    await("no server left", () -> Optional.of(servers()).filter(List::isEmpty));
  }

  static ProcessInfo awaitServer() {
    return await("a resident katadbg for " + serverDir(), () -> servers().stream()
        .filter(p -> !serverSockets().isEmpty()).findFirst());
  }

  static String logOf(String id) throws IOException {
    return Files.readString(confDir.resolve("state/sessions/default/" + id + "/katadbg.log"));
  }

  /** The fake Delve's processes: `sleep 600` whose working directory is a bundle of ours. */
  static List<ProcessInfo> fakeDelves(Path fake) {
    return Processes.linux().all().stream()
        .filter(p -> p.comm().equals("sleep") && p.cmdline().equals(List.of("sleep", "600")))
        .filter(p -> Processes.linux().cwd(p.pid()).map(d -> d.startsWith(
            containerd.baseDir())).orElse(false))
        .toList();
  }

  static String logOrNothing(String id) {
    try {
      return logOf(id);
    } catch (IOException e) {
      return "(none: " + e.getMessage() + ")";
    }
  }

  static CommandResult echo(String id, String text) throws InterruptedException {
    return finish(containerd.ctrAsync("run", "--rm", "--runtime", RUNTIME, "--rootfs",
        containerd.rootfs().toString(), id, "/bin/echo", text));
  }

  @Test
  void theFirstStartRunsItsOwnJvmAndLeavesAServerThatServesTheNextToABreakpointInTheDaemon()
      throws Exception {
    noServer();
    String first = uniqueId("first");
    CommandResult one = echo(first, "one");
    assertThat(one.exitCode()).as(one.describe()).isZero();
    assertThat(one.stdout()).isEqualTo("one\n");
    assertThat(logOf(first)).doesNotContain("served by");
    ProcessInfo server = awaitServer();

    writeConfig(Map.of("wait_for_client", "false", "breakpoints", "[" + q(CREATE) + "]"));
    String second = uniqueId("second");
    RunningCommand run = containerd.ctrAsync("run", "--rm", "--runtime", RUNTIME, "--rootfs",
        containerd.rootfs().toString(), second, "/bin/echo", "two");
    JsonObject session = awaitSession(second, "running");
    int shimPid = session.get("shimPid").getAsInt();
    try (DelveClient c = DelveClient.connect(
        DelveAddress.parse(session.get("listen").getAsString()), Duration.ofSeconds(10))) {
      DebuggerState stop = await("the stop at Create", () -> stopped(c));
      assertThat(stop.currentThread()).get().extracting(t -> t.function()).isEqualTo(CREATE);
      assertThat(stop.pid()).isEqualTo(shimPid);
      c.continueAsync();
    }
    CommandResult two = finish(run);
    assertThat(two.exitCode()).as(two.describe()).isZero();
    assertThat(two.stdout()).isEqualTo("two\n");
    assertThat(logOf(second)).contains("served by the resident katadbg (pid " + server.pid()
        + ") for the wrapper (pid ");
    assertThat(servers()).extracting(ProcessInfo::pid).containsExactly(server.pid());
  }

  @Test
  void withKatadbgServerZeroInTheManagersEnvironmentEveryStartRunsItsOwnJvm() throws Exception {
    noServer();
    containerd.environment(Map.of("KATADBG_CONFIG", config.toString(), "KATADBG_SERVER", "0"))
        .restart();
    try {
      for (int i = 0; i < 2; i++) {
        String id = uniqueId("jvm");
        CommandResult r = echo(id, "own jvm");
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.stdout()).isEqualTo("own jvm\n");
        assertThat(logOf(id)).doesNotContain("served by");
      }
      assertThat(servers()).isEmpty();
      assertThat(serverSockets()).isEmpty();
    } finally {
      containerd.environment(Map.of("KATADBG_CONFIG", config.toString())).restart();
    }
  }

  /**
   * The server killed mid-start: once the watcher has handed the daemon over (the server may
   * not have set its guard yet), or while it waits for Delve to listen. A fake Delve that never
   * listens holds the start there: no real Delve hangs on demand.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"handed", "delve"})
  void aServerKilledMidStartFailsItWithOneLineAndLeavesNothingWithAFakeDelveThatNeverListens(
      String when) throws Exception {
    // A killed server leaves its socket behind: ask for the process.
    if (servers().isEmpty()) {
      assertThat(echo(uniqueId("warm"), "warm").exitCode()).isZero();
    }
    ProcessInfo server = awaitServer();
    Path fake = confDir.resolve("fake-dlv-never-listens");
    Files.writeString(fake, "#!/bin/sh\nexec sleep 600\n");
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
    writeConfig(Map.of("path", q(fake.toString()), "wait_for_client", "false",
        "start_timeout", q("50s")));
    String id = uniqueId("cut-" + when);
    RunningCommand run = containerd.ctrAsync("run", "--rm", "--runtime", RUNTIME, "--rootfs",
        containerd.rootfs().toString(), id, "/bin/echo", "must not run");
    if (when.equals("handed")) {
      await("the daemon handed over", () -> Optional.of(logOrNothing(id))
          .filter(l -> l.contains("watcher: Handed")));
    } else {
      // While the session starts, its debugger is the wrapper: wait for the fake's own pid.
      await("the start waiting for the fake Delve", () -> sessions().stream()
          .filter(s -> s.get("id").getAsString().equals(id) && s.has("debuggerPid"))
          .map(s -> s.get("debuggerPid").getAsInt())
          .filter(p -> Processes.linux().get(p).map(i -> i.comm().equals("sleep"))
              .orElse(false))
          .findFirst());
    }
    assertThat(logOf(id)).contains("served by the resident katadbg (pid " + server.pid());
    ProcessHandle.of(server.pid()).orElseThrow().destroyForcibly();

    CommandResult r = finish(run);
    assertThat(r.exitCode()).as(r.describe()).isNotZero();
    assertThat(r.stdout()).doesNotContain("must not run");
    assertThat(r.stderr()).contains("katadbg: the resident katadbg serving this start ended"
        + " before it was done");
    Await.until("nothing left running for " + id, WAIT,
        () -> Optional.of(processesOf(id)).filter(List::isEmpty),
        () -> "; left: " + processesOf(id) + "; session log:\n" + logOrNothing(id));
    await("no fake Delve left", () -> Optional.of(fakeDelves(fake)).filter(List::isEmpty));

    defaultConfig();
    CommandResult again = echo(uniqueId("after"), "after");
    assertThat(again.exitCode()).as(again.describe()).isZero();
    assertThat(again.stdout()).isEqualTo("after\n");
  }
}
