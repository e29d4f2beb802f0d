package dev.katadbg.control;

import static dev.katadbg.testenv.PrivateContainerd.uniqueId;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.katadbg.testenv.CommandResult;
import dev.katadbg.testenv.PrivateContainerd;
import dev.katadbg.testenv.RunningCommand;
import dev.katadbg.testenv.TestEnv;
import dev.katadbg.testenv.WrapperFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real clients against a wrapper session: the scripted commands (state, break, continue, stack),
 * the real {@code dlv connect} terminal driven through tmux ({@code katadbg connect}), on a
 * private containerd running the DWARF debug runc shim under Delve 1.24.
 */
class ClientsIT {
  static final String RUNTIME = WrapperFixture.RUNTIME;
  static final String START =
      "github.com/containerd/containerd/runtime/v2/runc/task.(*service).Start";
  static final String DELETE =
      "github.com/containerd/containerd/runtime/v2/runc/task.(*service).Delete";
  static final String CREATE =
      "github.com/containerd/containerd/runtime/v2/runc/task.(*service).Create";

  static final WrapperFixture fx = WrapperFixture.create("clients");

  @RegisterExtension
  static PrivateContainerd containerd = PrivateContainerd.create()
      .environment(Map.of("KATADBG_CONFIG", fx.config().toString()))
      .removingAfterStop(fx.dir());

  static TestEnv env;
  static Path confDir;
  static Path config;

  @BeforeAll
  static void linkWrapper() {
    env = fx.linkWrapper(containerd).env();
    confDir = fx.dir();
    config = fx.config();
  }

  static CommandResult katadbg(String... args) {
    return fx.katadbg(args);
  }

  static CommandResult ok(String... args) {
    return fx.ok(args);
  }

  static <T> T await(String what, Supplier<Optional<T>> probe) {
    return fx.await(what, probe);
  }

  /** Polls {@code katadbg state --json} until the target stops; records every answer seen. */
  static JsonObject awaitStop(String id, List<String> seen) {
    return await("session " + id + " to stop", () -> {
      CommandResult r = ok("state", id, "--json");
      JsonObject s = JsonParser.parseString(r.stdout()).getAsJsonObject();
      seen.add(s.get("state").getAsString() + (s.has("note") ? " " + s.get("note") : ""));
      return Optional.of(s).filter(o -> o.get("state").getAsString().equals("stopped"));
    });
  }

  // (c) the scripted commands, from the first instruction to the container's end and a dead
  // debugger.
  @Test
  void scriptedCommandsDriveASessionToStartAndReportADeadSession() throws Exception {
    fx.writeConfig("scripted", Map.of("wait_for_client", "true"));
    String id = uniqueId("scr");
    RunningCommand run = containerd.ctrAsync("run", "--rm", "--runtime", RUNTIME, "--rootfs",
        containerd.rootfs().toString(), id, "/bin/echo", "driven by katadbg continue");
    JsonObject session = fx.awaitSession(id, "waiting");

    // The daemon, handed over before its first instruction: stopped, at no breakpoint. The
    // start process has already exited and replied.
    int shimPid = session.get("shimPid").getAsInt();
    assertThat(shimPid).isPositive().isNotEqualTo(session.get("startPid").getAsInt());
    JsonObject first = JsonParser.parseString(ok("state", id, "--json").stdout())
        .getAsJsonObject();
    assertThat(first.get("state").getAsString()).isEqualTo("stopped");
    assertThat(first.get("why").getAsString()).isEqualTo("halted");
    assertThat(first.has("breakpoint")).isFalse();
    assertThat(first.get("pid").getAsInt()).isEqualTo(shimPid);
    assertThat(ok("state", id).stdout()).startsWith("pid " + shimPid
        + " halted at its entry point, before any of its code ran");

    // An IDE attach configuration, with the build path read from Delve at this stop.
    JsonObject vscode = JsonParser.parseString(ok("ide", "vscode", id, "--source",
        "/home/me/go/src").stdout()).getAsJsonObject();
    assertThat(vscode.get("request").getAsString()).isEqualTo("attach");
    assertThat(vscode.get("mode").getAsString()).isEqualTo("remote");
    assertThat(vscode.get("debugAdapter").getAsString()).isEqualTo("dlv-dap");
    assertThat(vscode.get("host").getAsString() + ":" + vscode.get("port").getAsInt())
        .isEqualTo(session.get("listen").getAsString());
    JsonObject subst = vscode.getAsJsonArray("substitutePath").get(0).getAsJsonObject();
    assertThat(subst.get("from").getAsString()).isEqualTo("/home/me/go/src");
    assertThat(subst.get("to").getAsString()).isEqualTo("/usr/share/gocode/src");
    Path ws = confDir.resolve("ws-" + id);
    Files.createDirectories(ws.resolve(".vscode"));
    Files.writeString(ws.resolve(".vscode/launch.json"),
        "{\"version\": \"0.2.0\", \"configurations\": [{\"name\": \"mine\"}]}");
    ok("ide", "vscode", id, "--write", ws.toString());
    assertThat(JsonParser.parseString(Files.readString(ws.resolve(".vscode/launch.json")))
        .getAsJsonObject().getAsJsonArray("configurations")).hasSize(2);

    CommandResult bad = katadbg("break", id, "github.com/containerd/no/such.Func");
    assertThat(bad.exitCode()).as(bad.describe()).isEqualTo(1);
    assertThat(bad.stderr()).contains("cannot resolve 'github.com/containerd/no/such.Func'");

    // SESSION left out: the only live session.
    CommandResult set = ok("break", START);
    assertThat(set.stdout()).matches("breakpoint \\d+ set at \\Q" + START
        + "\\E\\(\\) /\\S+/service\\.go:\\d+\\n");

    // One continue: no stop of katadbg's own on the way.
    assertThat(ok("continue", id).stdout()).isEqualTo("continued\n");
    List<String> seen = new ArrayList<>();
    JsonObject atStart = awaitStop(id, seen);
    assertThat(atStart.get("function").getAsString()).as(atStart + " after " + seen)
        .isEqualTo(START);
    assertThat(atStart.get("pid").getAsInt()).isEqualTo(shimPid);
    assertThat(atStart.get("file").getAsString()).endsWith("/service.go");
    assertThat(atStart.get("why").getAsString()).startsWith("breakpoint ");
    System.out.println("states seen while polling: " + seen);

    CommandResult stack = ok("stack", id, "--depth", "3");
    assertThat(stack.stdout()).startsWith("goroutine " + atStart.get("goroutine") + ":\n")
        .contains("  0  " + START + "()\n");
    JsonElement stackJson = JsonParser.parseString(ok("stack", id, "--json").stdout());
    assertThat(stackJson.getAsJsonArray().get(0).getAsJsonObject().getAsJsonArray("frames")
        .get(0).getAsJsonObject().get("function").getAsString()).isEqualTo(START);
    CommandResult all = ok("stack", id, "--all", "--depth", "1");
    assertThat(all.stdout().split("goroutine ").length).isGreaterThan(3);

    // echo is quick: the shim may end before the continue has answered; both are success.
    assertThat(ok("continue", id).stdout()).matches("continued(; process "
        + shimPid + " exited with status 0)?\n");
    CommandResult done = fx.finish(run);
    assertThat(done.exitCode()).as(done.describe()).isZero();
    assertThat(done.stdout()).isEqualTo("driven by katadbg continue\n");

    // The shim has exited; the wrapper's reaper ends Delve within a second or two. Until then
    // state may say "exited" or find no debugger answering (exit 1); then the session is gone.
    List<String> ending = new ArrayList<>();
    await("the session to be reported gone", () -> {
      CommandResult r = katadbg("state", id);
      ending.add(r.exitCode() + " " + (r.stdout() + r.stderr()).strip());
      assertThat(r.exitCode()).as(r.describe()).isIn(0, 1, 3);
      if (r.exitCode() == 0) {
        assertThat(r.stdout()).matches("pid " + shimPid + " exited( with status 0)?\\n");
      }
      return Optional.of(r).filter(x -> x.exitCode() == 3);
    });
    System.out.println("state while the session ended: " + ending);
    for (String[] cmd : new String[][] {{"state", id}, {"continue", id}, {"break", id, START},
        {"stack", id}}) {
      CommandResult r = katadbg(cmd);
      assertThat(r.exitCode()).as(r.describe()).isEqualTo(3);
      assertThat(r.stderr()).contains("session default/" + id + " is gone")
          .contains("its debugger no longer runs");
    }
    CommandResult none = katadbg("state");
    assertThat(none.exitCode()).as(none.describe()).isEqualTo(3);
    assertThat(none.stderr()).contains("no live session");
  }

  static CommandResult tmux(Path socket, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("tmux", "-S", socket.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    return new CommandResult(cmd, p.exitValue(), out, "");
  }

  // Item 4: a client that halts the running daemon (Ctrl-C in the dlv terminal) and leaves
  // without continuing leaves the session halted, and the next client is told where.
  @Test
  void aShimHaltedByOneClientIsReportedHaltedToTheNext() throws Exception {
    fx.writeConfig("halted", Map.of("wait_for_client", "false", "breakpoints", "[" + WrapperFixture.toml(CREATE)
        + "]"));
    String id = uniqueId("halt");
    RunningCommand run = containerd.ctrAsync("run", "--rm", "--runtime", RUNTIME, "--rootfs",
        containerd.rootfs().toString(), id, "/bin/sleep", "120");
    fx.awaitSession(id, "running");
    assertThat(awaitStop(id, new ArrayList<>()).get("function").getAsString()).isEqualTo(CREATE);
    assertThat(ok("continue", id).stdout()).isEqualTo("continued\n");
    await("the container running", () -> Optional.of(containerd.ctr("task", "ls").stdout())
        .filter(out -> out.lines().anyMatch(l -> l.startsWith(id) && l.contains("RUNNING"))));

    Path socket = startConnectInTmux(id);
    try {
      // The terminal's own continue, interrupted: Delve halts the daemon (it has stopped once).
      tmux(socket, "send-keys", "-t", "dbg", "continue", "Enter");
      Thread.sleep(500);
      tmux(socket, "send-keys", "-t", "dbg", "C-c");
      await("the pause-or-quit question", () -> Optional.of(screen(socket))
          .filter(s -> s.contains("[p]ause the target")));
      tmux(socket, "send-keys", "-t", "dbg", "p", "Enter");
      await("the prompt after the halt", () -> Optional.of(screen(socket))
          .filter(s -> s.substring(s.indexOf("[p]ause the target")).contains("(dlv)")));
      tmux(socket, "send-keys", "-t", "dbg", "quit", "Enter");
      await("the kill question", () -> Optional.of(screen(socket))
          .filter(s -> s.contains("kill the headless instance?")));
      tmux(socket, "send-keys", "-t", "dbg", "n", "Enter");
      await("dlv and katadbg connect to exit", () -> Optional.of(screen(socket))
          .filter(s -> s.contains("KATADBG-EXIT=")));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\nscreen:\n" + screen(socket), e);
    } finally {
      tmux(socket, "kill-server");
    }
    CommandResult halted = ok("state", id);
    assertThat(halted.stdout()).as(halted.describe()).contains(" halted at ");
    JsonObject json = JsonParser.parseString(ok("state", id, "--json").stdout())
        .getAsJsonObject();
    assertThat(json.get("why").getAsString()).isEqualTo("halted");
    assertThat(json.get("pid").getAsInt()).isEqualTo(fx.awaitSession(id, "running")
        .get("shimPid").getAsInt());

    assertThat(ok("continue", id).stdout()).isEqualTo("continued\n");
    containerd.ctr("task", "kill", "-s", "KILL", id);
    CommandResult done = fx.finish(run);
    assertThat(done.exitCode()).as(done.describe()).isEqualTo(137);
  }

  // With the daemon Delve's only target, a breakpoint can be added at any stop, long after the
  // start process exited: no reattach needed (it says there is nothing to do).
  @Test
  void newBreakpointsAreTakenAtAnyStopAfterTheStartProcessExited() throws Exception {
    fx.writeConfig("newbp", Map.of("wait_for_client", "false", "breakpoints",
        "[" + WrapperFixture.toml(CREATE) + "]"));
    String id = uniqueId("newbp");
    RunningCommand run = containerd.ctrAsync("run", "--rm", "--runtime", RUNTIME, "--rootfs",
        containerd.rootfs().toString(), id, "/bin/sh", "-c", "sleep 3; echo done");
    fx.awaitSession(id, "running");
    JsonObject atCreate = awaitStop(id, new ArrayList<>());
    assertThat(atCreate.get("function").getAsString()).isEqualTo(CREATE);
    JsonObject session = fx.awaitSession(id, "running");
    int daemon = session.get("shimPid").getAsInt();
    assertThat(session.get("origin").getAsString()).isEqualTo("handed");
    assertThat(ok("reattach", id).stdout()).contains("already has a debugger of its own");

    assertThat(ok("break", id, DELETE).stdout()).startsWith("breakpoint 2 set at " + DELETE);
    ok("continue", id);
    JsonObject atDelete = awaitStop(id, new ArrayList<>());
    assertThat(atDelete.get("function").getAsString()).isEqualTo(DELETE);
    assertThat(atDelete.get("pid").getAsInt()).isEqualTo(daemon);
    ok("continue", id);
    CommandResult done = fx.finish(run);
    assertThat(done.exitCode()).as(done.describe()).isZero();
    assertThat(done.stdout()).isEqualTo("done\n");
  }

  // A daemon that was continued from its first instruction and never stopped since can be
  // halted at once: a breakpoint set while it runs is hit, and an IDE's attach (which halts
  // first) gets no warning.
  @Test
  void aRunningDaemonThatNeverStoppedIsHaltedForANewBreakpoint() throws Exception {
    fx.writeConfig("window", Map.of("wait_for_client", "true"));
    String id = uniqueId("win");
    RunningCommand run = containerd.ctrAsync("run", "--rm", "--runtime", RUNTIME, "--rootfs",
        containerd.rootfs().toString(), id, "/bin/sh", "-c", "sleep 4; echo done");
    fx.awaitSession(id, "waiting");
    assertThat(ok("ide", "vscode", id, "--build-dir", "/x").stderr()).as("stopped: no warning")
        .doesNotContain("warning");
    ok("continue", id);
    await("the container running", () -> Optional.of(containerd.ctr("task", "ls").stdout())
        .filter(out -> out.lines().anyMatch(l -> l.startsWith(id) && l.contains("RUNNING"))));
    assertThat(ok("state", id).stdout()).contains("running");
    CommandResult ide = ok("ide", "vscode", id, "--build-dir", "/usr/share/gocode/src");
    assertThat(ide.stderr()).doesNotContain("warning");
    assertThat(JsonParser.parseString(ide.stdout()).getAsJsonObject().get("mode").getAsString())
        .isEqualTo("remote");
    assertThat(ok("break", id, DELETE).stdout()).startsWith("breakpoint 1 set at " + DELETE);
    JsonObject atDelete = awaitStop(id, new ArrayList<>());
    assertThat(atDelete.get("function").getAsString()).isEqualTo(DELETE);
    ok("continue", id);
    CommandResult done = fx.finish(run);
    assertThat(done.exitCode()).as(done.describe()).isZero();
    assertThat(done.stdout()).isEqualTo("done\n");
  }

  /**
   * Runs {@code katadbg connect ID} in a detached tmux session "dbg" and waits for dlv's prompt;
   * when dlv ends, the pane shows {@code KATADBG-EXIT=<status>}.
   */
  static Path startConnectInTmux(String id) throws Exception {
    Path socket = confDir.resolve("tmux-" + id);
    String line = "env KATADBG_CONFIG=" + sh(config.toString()) + " "
        + sh(env.dist().resolve("bin/katadbg").toString()) + " connect " + id
        + "; echo KATADBG-EXIT=$?; sleep 60";
    CommandResult started = tmux(socket, "new-session", "-d", "-s", "dbg", "-x", "250", "-y",
        "50", line);
    assertThat(started.exitCode()).as(started.describe()).isZero();
    try {
      await("the dlv prompt", () -> Optional.of(screen(socket)).filter(s -> s.contains("(dlv)")));
    } catch (AssertionError e) {
      String shown = screen(socket);
      tmux(socket, "kill-server");
      throw new AssertionError(e.getMessage() + "\nscreen:\n" + shown, e);
    }
    return socket;
  }

  static String readOrEmpty(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }

  /** Runs a command with the given stdin; its stderr goes with its stdout. */
  static CommandResult withInput(String stdin, String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try (var in = p.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(WrapperFixture.WAIT.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(List.of(cmd) + " did not finish; output:\n" + out);
    }
    return new CommandResult(List.of(cmd), p.exitValue(), out, "");
  }

  static String screen(Path socket) {
    try {
      return tmux(socket, "capture-pane", "-p", "-J", "-t", "dbg", "-S", "-500").stdout();
    } catch (Exception e) {
      throw new AssertionError("tmux capture-pane: " + e, e);
    }
  }

  static String sh(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  // (a) and item 4: katadbg connect runs the real dlv terminal in a tmux pane (wait_for_client);
  // a breakpoint typed on Start before the daemon exists stops the daemon there; the scripted
  // state and a second dlv client work at the same time, and the second one leaving ends
  // nothing; quit -c lets the container run.
  @Test
  void dlvTerminalStopsTheDaemonAtATypedBreakpointAlongsideOtherClients() throws Exception {
    fx.writeConfig("terminal", Map.of("wait_for_client", "true"));
    String id = uniqueId("tty");
    RunningCommand run = containerd.ctrAsync("run", "--rm", "--runtime", RUNTIME, "--rootfs",
        containerd.rootfs().toString(), id, "/bin/echo", "continued from the dlv terminal");
    JsonObject waiting = fx.awaitSession(id, "waiting");
    String listen = waiting.get("listen").getAsString();
    int daemonPid = waiting.get("shimPid").getAsInt();
    assertThat(JsonParser.parseString(ok("state", id, "--json").stdout()).getAsJsonObject()
        .get("pid").getAsInt()).isEqualTo(daemonPid);
    Path socket = startConnectInTmux(id);
    try {
      assertThat(screen(socket)).contains("katadbg: connecting to default/" + id);
      tmux(socket, "send-keys", "-t", "dbg", "break " + START, "Enter");
      await("the breakpoint", () -> Optional.of(screen(socket))
          .filter(s -> s.contains("set at") && s.contains("(*service).Start()")));
      // One continue reaches Start in the daemon, the terminal's breakpoint (set by address)
      // included: Delve has only the daemon, so there is no other process to bind it to.
      tmux(socket, "send-keys", "-t", "dbg", "continue", "Enter");
      await("the stop at Start in the daemon", () -> Optional.of(screen(socket))
          .filter(s -> s.contains("[Breakpoint 1] " + START + "()")));
      assertThat(screen(socket)).doesNotContain("Switch target process");
      tmux(socket, "send-keys", "-t", "dbg", "print r.ID", "Enter");
      await("the request's id", () -> Optional.of(screen(socket))
          .filter(s -> s.contains("\"" + id + "\"")));

      // Other clients at the same time: the scripted state, and a second dlv terminal that
      // prints the request and leaves without killing Delve or continuing the shim.
      JsonObject stopped = JsonParser.parseString(ok("state", id, "--json").stdout())
          .getAsJsonObject();
      assertThat(stopped.get("state").getAsString()).isEqualTo("stopped");
      assertThat(stopped.get("function").getAsString()).isEqualTo(START);
      assertThat(stopped.get("pid").getAsInt()).isEqualTo(daemonPid);
      CommandResult second = withInput("print r.ID\nquit\nn\n", env.dlv().toString(),
          "connect", listen);
      assertThat(second.stdout()).contains("\"" + id + "\"");
      assertThat(katadbg("state", id).stdout()).as("still stopped after a client left")
          .contains("stopped at breakpoint 1");
      tmux(socket, "send-keys", "-t", "dbg", "print r.Bundle", "Enter");
      await("the first terminal still answering", () -> Optional.of(screen(socket))
          .filter(s -> s.contains(id + "\"") && s.contains("/" + id)));

      // Without breakpoints quit -c asks nothing: it continues the shim and leaves.
      tmux(socket, "send-keys", "-t", "dbg", "clearall", "Enter");
      await("the breakpoint cleared", () -> Optional.of(screen(socket))
          .filter(s -> s.contains("Breakpoint 1 cleared")));
      tmux(socket, "send-keys", "-t", "dbg", "quit -c", "Enter");
      await("dlv and katadbg connect to exit", () -> Optional.of(screen(socket))
          .filter(s -> s.contains("KATADBG-EXIT=")));
      assertThat(screen(socket)).contains("KATADBG-EXIT=0");
      CommandResult done = fx.finish(run);
      assertThat(done.exitCode()).as(done.describe()).isZero();
      assertThat(done.stdout()).isEqualTo("continued from the dlv terminal\n");
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\nscreen:\n" + screen(socket)
          + "\nsession log:\n" + readOrEmpty(Path.of(waiting.get("log").getAsString())), e);
    } finally {
      tmux(socket, "kill-server");
    }
    // Gone: a clear message and "not found".
    // (state never blocks; connect on a live session would run dlv on this JVM's stdin)
    await("the session to end", () -> Optional.of(katadbg("state", id))
        .filter(r -> r.exitCode() == 3));
    CommandResult gone = katadbg("connect", id);
    assertThat(gone.exitCode()).as(gone.describe()).isEqualTo(3);
    assertThat(gone.stderr()).contains("session default/" + id + " is gone");
  }
}
