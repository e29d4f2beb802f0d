package dev.katadbg.attach;

import static dev.katadbg.testenv.PrivateContainerd.uniqueId;
import static org.assertj.core.api.Assertions.assertThat;

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
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code katadbg ps}, {@code attach} and {@code detach} end to end: a real private containerd
 * starts the DWARF debug runc shim normally (runtime {@code io.containerd.runcdbg.v2}, no
 * wrapper), katadbg finds it in /proc and attaches the real Delve 1.24 to it.
 */
class AttachIT {
  static final String RUNTIME = "io.containerd.runcdbg.v2";
  static final String STATE =
      "github.com/containerd/containerd/runtime/v2/runc/task.(*service).State";
  static final String GROUP = "io.containerd.runc.v2.group";
  static final Duration WAIT = Duration.ofSeconds(60);

  @RegisterExtension
  static PrivateContainerd containerd = PrivateContainerd.create();

  static TestEnv env;
  static Path confDir;

  @BeforeAll
  static void installShimAndConfig() throws IOException {
    env = TestEnv.require(TestEnv.Part.DLV, TestEnv.Part.OLD_DLV, TestEnv.Part.DEBUG_SHIM,
        TestEnv.Part.DEBIAN_SHIM, TestEnv.Part.CONTAINERD, TestEnv.Part.CTR, TestEnv.Part.RUNC,
        TestEnv.Part.BUSYBOX);
    // A copy, not a symlink: the shim library re-executes os.Executable(), which resolves
    // links, so a linked daemon would run under the target's name (containerd-shim-runc-v2)
    // and ps would rightly call it io.containerd.runc.v2.
    Path shim = containerd.optBin().resolve("containerd-shim-runcdbg-v2");
    Files.copy(env.debugShim(), shim, StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(shim, PosixFilePermissions.fromString("rwxr-xr-x"));
    confDir = TestDirs.create("attach");
    containerd.removingAfterStop(confDir);
    writeConfig("katadbg.toml", env.dlv().toString());
  }

  static Path writeConfig(String name, String dlv) throws IOException {
    return Files.writeString(confDir.resolve(name), "[debugger]\npath = \"" + dlv + "\"\n\n"
        + "[state]\ndir = \"" + confDir.resolve("state") + "\"\n");
  }

  /** Ends every Delve a failed test left attached, by pid and start time. */
  @AfterEach
  void endLeftoverDebuggers() {
    Processes p = Processes.linux();
    for (JsonObject s : jsonArray(katadbg("sessions", "--json"))) {
      p.kill(s.get("debuggerPid").getAsInt(), s.get("debuggerStartTime").getAsLong());
    }
  }

  static CommandResult katadbg(String... args) {
    return katadbgWith(confDir.resolve("katadbg.toml"), args);
  }

  static CommandResult katadbgWith(Path config, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err),
        Map.of("KATADBG_CONFIG", config.toString(), "PATH", TestEnv.SYSTEM_PATH), args);
    return new CommandResult(List.of(args), code, out.toString(), err.toString());
  }

  static List<JsonObject> jsonArray(CommandResult r) {
    assertThat(r.exitCode()).as(r.describe()).isZero();
    List<JsonObject> out = new ArrayList<>();
    for (JsonElement e : JsonParser.parseString(r.stdout()).getAsJsonArray()) {
      out.add(e.getAsJsonObject());
    }
    return out;
  }

  /** The shims of our containerd as {@code ps --json} shows them. */
  static List<JsonObject> ourShims() {
    String address = containerd.socket().toString();
    return jsonArray(katadbg("ps", "--json")).stream()
        .filter(s -> s.get("address").getAsString().equals(address)).toList();
  }

  static JsonObject shimServing(String container) {
    List<JsonObject> found = ourShims().stream().filter(s -> strings(s, "containers")
        .contains(container)).toList();
    assertThat(found).as("shims serving " + container).hasSize(1);
    return found.get(0);
  }

  static List<String> strings(JsonObject o, String key) {
    List<String> out = new ArrayList<>();
    o.getAsJsonArray(key).forEach(e -> out.add(e.getAsString()));
    return out;
  }

  static void run(String id, String... extra) {
    List<String> args = new ArrayList<>(List.of("run", "-d", "--runtime", RUNTIME));
    args.addAll(List.of(extra));
    args.addAll(List.of("--rootfs", containerd.rootfs().toString(), id, "/bin/sleep", "600"));
    CommandResult r = containerd.ctr(args.toArray(String[]::new));
    assertThat(r.exitCode()).as(r.describe()).isZero();
  }

  static <T> T await(String what, Supplier<Optional<T>> probe) {
    return Await.until(what, WAIT, probe, () -> "");
  }

  @Test
  void psListsTheShimAttachStopsAtStateDetachLeavesTheContainerRunning() throws Exception {
    String id = uniqueId("att");
    run(id);

    JsonObject shim = shimServing(id);
    int pid = shim.get("pid").getAsInt();
    assertThat(shim.get("runtime").getAsString()).isEqualTo(RUNTIME);
    assertThat(shim.get("namespace").getAsString()).isEqualTo("default");
    assertThat(shim.get("id").getAsString()).isEqualTo(id);
    assertThat(strings(shim, "containers")).containsExactly(id);
    assertThat(shim.get("bundle").getAsString()).isEqualTo(containerd.stateDir()
        .resolve("io.containerd.runtime.v2.task/default").resolve(id).toString());
    assertThat(shim.get("socket").getAsString()).startsWith("unix:///run/containerd/s/");
    assertThat(shim.get("binary").getAsString())
        .isEqualTo(containerd.optBin().resolve("containerd-shim-runcdbg-v2").toString());
    assertThat(shim.get("dwarf").getAsBoolean()).isTrue();
    assertThat(shim.get("session").isJsonNull()).isTrue();
    CommandResult table = katadbg("ps");
    assertThat(table.stdout()).contains(Integer.toString(pid)).contains(RUNTIME).contains(id);

    CommandResult attached = katadbg("attach", id);
    assertThat(attached.exitCode()).as(attached.describe()).isZero();
    assertThat(attached.stdout()).startsWith("attached: pid " + pid).contains("dlv connect ");
    JsonObject session = jsonArray(katadbg("sessions", "--json")).stream()
        .filter(s -> s.get("id").getAsString().equals(id)).findFirst().orElseThrow();
    String listen = session.get("listen").getAsString();
    assertThat(session.get("origin").getAsString()).isEqualTo("attached");
    assertThat(session.get("shimPid").getAsInt()).isEqualTo(pid);
    assertThat(listen).startsWith("127.0.0.1:");
    int dlvPid = session.get("debuggerPid").getAsInt();
    assertThat(Processes.linux().traceesOf(dlvPid)).containsExactly(pid);
    assertThat(shimServing(id).getAsJsonObject("session").get("listen").getAsString())
        .isEqualTo(listen);
    assertThat(katadbg("ps").stdout()).contains("session: " + listen);

    CommandResult again = katadbg("attach", Integer.toString(pid));
    assertThat(again.exitCode()).as(again.describe()).isZero();
    assertThat(again.stdout()).startsWith("already attached: ").contains(listen);
    // (ended sessions of other tests stay listed: only this shim's count)
    assertThat(jsonArray(katadbg("sessions", "--json")))
        .filteredOn(j -> j.get("id").getAsString().equals(id)).hasSize(1);

    breakOnStateWhileCtrTaskLsRuns(listen, pid);

    CommandResult detached = katadbg("detach", id);
    assertThat(detached.exitCode()).as(detached.describe()).isZero();
    assertThat(detached.stdout()).contains("keeps running");
    assertStillServing(pid, shim.get("id").getAsString(), id);
    assertThat(Processes.linux().get(dlvPid).filter(p -> !p.isZombie())).as("Delve ended")
        .isEmpty();
    assertThat(jsonArray(katadbg("sessions", "--json")))
        .noneMatch(j -> j.get("id").getAsString().equals(id));
  }

  @Test
  void twoContainersOfOneGroupShareAShimAndTheSecondContainerFindsIt() throws Exception {
    String group = uniqueId("grp");
    String first = uniqueId("grp-a");
    String second = uniqueId("grp-b");
    run(first, "--annotation", GROUP + "=" + group);
    run(second, "--annotation", GROUP + "=" + group);

    JsonObject shim = shimServing(second);
    int pid = shim.get("pid").getAsInt();
    assertThat(shim.get("id").getAsString()).as("the daemon keeps the first one's id")
        .isEqualTo(first);
    assertThat(strings(shim, "containers")).containsExactly(first, second);
    assertThat(shimServing(first).get("pid").getAsInt()).isEqualTo(pid);

    CommandResult attached = katadbg("attach", second);
    assertThat(attached.exitCode()).as(attached.describe()).isZero();
    assertThat(attached.stdout()).startsWith("attached: pid " + pid);
    String listen = shimServing(first).getAsJsonObject("session").get("listen").getAsString();

    breakOnStateWhileCtrTaskLsRuns(listen, pid);

    CommandResult detached = katadbg("detach", second);
    assertThat(detached.exitCode()).as(detached.describe()).isZero();
    assertStillServing(pid, first, first, second);
  }

  @Test
  void theAttachedDelveEndsWhenItsShimExits() throws Exception {
    String id = uniqueId("gone");
    run(id);
    int pid = shimServing(id).get("pid").getAsInt();
    CommandResult attached = katadbg("attach", id);
    assertThat(attached.exitCode()).as(attached.describe()).isZero();
    int dlv = -1;
    for (var e : JsonParser.parseString(katadbg("sessions", "--json").stdout())
        .getAsJsonArray()) {
      if (e.getAsJsonObject().get("shimPid").getAsInt() == pid) {
        dlv = e.getAsJsonObject().get("debuggerPid").getAsInt();
      }
    }
    assertThat(dlv).as("the session's debugger pid").isPositive();
    assertThat(ProcessHandle.of(dlv)).isPresent();
    int debugger = dlv;

    // Killing the container ends the shim (ctr task rm, then the shim's shutdown); a headless
    // multi-client Delve would outlive it, the session's reaper ends it.
    containerd.ctr("task", "kill", "-s", "KILL", id);
    await("the task to stop", () -> Optional.of(containerd.ctr("task", "ls").stdout())
        .filter(out -> out.lines().noneMatch(l -> l.startsWith(id) && l.contains("RUNNING"))));
    containerd.ctr("task", "rm", id);
    containerd.ctr("container", "rm", id);
    await("the shim to exit", () -> Optional.of(pid)
        .filter(p -> ProcessHandle.of(p).map(h -> !h.isAlive()).orElse(true)));
    await("its Delve to end", () -> Optional.of(debugger)
        .filter(p -> ProcessHandle.of(p).map(h -> !h.isAlive()).orElse(true)));
  }

  @Test
  void unknownAndAmbiguousTargetsListTheCandidates() {
    String prefix = uniqueId("amb");
    String a = prefix + "-one";
    String b = prefix + "-two";
    run(a);
    run(b);

    CommandResult ambiguous = katadbg("attach", prefix);
    assertThat(ambiguous.exitCode()).as(ambiguous.describe()).isEqualTo(4);
    assertThat(ambiguous.stderr()).contains("matches 2 shims").contains("default/" + a)
        .contains("default/" + b);

    CommandResult unknown = katadbg("attach", "no-such-" + prefix);
    assertThat(unknown.exitCode()).as(unknown.describe()).isEqualTo(3);
    assertThat(unknown.stderr()).contains("no shim matches").contains("default/" + a);

    CommandResult noSession = katadbg("detach", a);
    assertThat(noSession.exitCode()).as(noSession.describe()).isEqualTo(3);
    assertThat(noSession.stderr()).contains("no katadbg session holds");
  }

  @Test
  void delveOutsideItsGoWindowOffersTheFlagAndLeavesNothingBehind() throws IOException {
    String id = uniqueId("oldgo");
    run(id);
    int pid = shimServing(id).get("pid").getAsInt();
    Path old = writeConfig("old-dlv.toml", env.oldDlv().toString());

    CommandResult r = katadbgWith(old, "attach", id);

    assertThat(r.exitCode()).as(r.describe()).isEqualTo(1);
    assertThat(r.stderr()).contains("was built with go1.24, newer than Delve 1.20.2")
        .contains("--check-go-version=false");
    System.out.println("old Delve refused: " + r.stderr().strip());
    assertThat(r.stderr().strip().lines()).hasSize(1);
    assertThat(jsonArray(katadbg("sessions", "--json")))
        .noneMatch(j -> j.get("id").getAsString().equals(id));
    await("shim " + pid + " untraced", () -> Processes.linux().get(pid)
        .filter(p -> !p.isTraced()));
    assertThat(containerd.ctr("task", "ps", id).exitCode()).isZero();

    CommandResult forced = katadbgWith(old, "attach", "--check-go-version=false", id);
    assertThat(forced.exitCode()).as(forced.describe()).isZero();
    CommandResult detached = katadbgWith(old, "detach", id);
    assertThat(detached.exitCode()).as(detached.describe()).isZero();
    assertStillServing(pid, id, id);
  }

  @Test
  void strippedShimAndMissingDlvAreRefusedWithWhatToDo() throws IOException {
    String id = uniqueId("strip");
    CommandResult started = containerd.ctr("run", "-d", "--runtime", "io.containerd.runc.v2",
        "--rootfs", containerd.rootfs().toString(), id, "/bin/sleep", "600");
    assertThat(started.exitCode()).as(started.describe()).isZero();
    JsonObject shim = shimServing(id);
    assertThat(shim.get("dwarf").getAsBoolean()).as("Debian's shim is stripped").isFalse();

    CommandResult r = katadbg("attach", id);
    assertThat(r.exitCode()).as(r.describe()).isEqualTo(1);
    assertThat(r.stderr()).contains("has no DWARF").contains("-gcflags=all=-N -l");

    Path missing = writeConfig("missing-dlv.toml", confDir.resolve("no/dlv").toString());
    String debugId = uniqueId("nodlv");
    run(debugId);
    CommandResult noDlv = katadbgWith(missing, "attach", debugId);
    assertThat(noDlv.exitCode()).as(noDlv.describe()).isEqualTo(1);
    assertThat(noDlv.stderr()).contains("dlv not found").contains("[debugger] path");
  }

  /**
   * Sets a breakpoint on the task service's State through Delve's API, runs {@code ctr task
   * ls}, sees the shim stop there, continues, and checks ctr's answer.
   */
  static void breakOnStateWhileCtrTaskLsRuns(String listen, int pid) throws Exception {
    try (DelveClient c = DelveClient.connect(DelveAddress.parse(listen), Duration.ofSeconds(10))) {
      DebuggerState before = c.halt();
      assertThat(before.pid()).isEqualTo(pid);
      c.createBreakpoint(STATE);
      c.continueAsync();
      RunningCommand ls = containerd.ctrAsync("task", "ls");
      DebuggerState stop = await("the stop at State", () -> Optional.of(c.state(true))
          .filter(s -> !s.running()));
      assertThat(stop.pid()).isEqualTo(pid);
      assertThat(stop.currentThread()).get().extracting(t -> t.function()).isEqualTo(STATE);
      c.continueAsync();
      CommandResult done = ls.tryWait(WAIT).orElseThrow();
      assertThat(done.exitCode()).as(done.describe()).isZero();
    }
  }

  /** The shim runs on, untraced, and answers for every container. */
  static void assertStillServing(int pid, String shimId, String... containers) {
    ProcessInfo p = await("shim " + pid + " untraced", () -> Processes.linux().get(pid)
        .filter(x -> !x.isTraced()));
    assertThat(p.isZombie()).isFalse();
    assertThat(p.state()).isNotEqualTo('t').isNotEqualTo('T');
    CommandResult ls = containerd.ctr("task", "ls");
    for (String c : containers) {
      assertThat(ls.stdout()).containsPattern(c + "\\s+\\d+\\s+RUNNING");
      CommandResult ps = containerd.ctr("task", "ps", c);
      assertThat(ps.exitCode()).as(ps.describe()).isZero();
      assertThat(ps.stdout()).containsPattern("\\d+");
    }
    assertThat(shimServing(containers[0]).get("id").getAsString()).isEqualTo(shimId);
    assertThat(shimServing(containers[0]).get("session").isJsonNull()).isTrue();
  }
}
