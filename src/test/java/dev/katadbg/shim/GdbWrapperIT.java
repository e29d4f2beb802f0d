package dev.katadbg.shim;

import static dev.katadbg.testenv.PrivateContainerd.uniqueId;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.katadbg.proc.Processes;
import dev.katadbg.testenv.CommandResult;
import dev.katadbg.testenv.PrivateContainerd;
import dev.katadbg.testenv.RunningCommand;
import dev.katadbg.testenv.TestEnv;
import dev.katadbg.testenv.WrapperFixture;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The wrapper with {@code [debugger] kind = "gdb"} through a real private containerd: the DWARF
 * debug runc shim (Go) handed to gdbserver and the session's keeper gdb, which reads Go symbols
 * by their full names.
 */
class GdbWrapperIT {
  static final String RUNTIME = WrapperFixture.RUNTIME;
  static final Duration WAIT = WrapperFixture.WAIT;
  static final WrapperFixture fx = WrapperFixture.create("gdbwrapper");

  @RegisterExtension
  static PrivateContainerd containerd = PrivateContainerd.create()
      .environment(Map.of("KATADBG_CONFIG", fx.config().toString()))
      .removingAfterStop(fx.dir());

  @BeforeAll
  static void linkWrapper() {
    fx.linkWrapper(containerd, TestEnv.Part.GDB, TestEnv.Part.GDBSERVER);
  }

  /** The debug runc shim (Go) with kind = "gdb", plus {@code debugger} keys. */
  static void writeConfig(Map<String, String> debugger) throws IOException {
    Map<String, String> d = new java.util.HashMap<>(debugger);
    d.put("kind", WrapperFixture.toml("gdb"));
    fx.writeConfig("state", d);
  }

  static CommandResult katadbg(String... args) {
    return fx.katadbg(args);
  }

  static JsonObject session(String id) {
    return fx.await("a gdb session for " + id, () -> {
      for (JsonElement e : JsonParser.parseString(katadbg("sessions", "--json").stdout())
          .getAsJsonArray()) {
        JsonObject s = e.getAsJsonObject();
        if (s.get("id").getAsString().equals(id) && s.get("shimPid").getAsInt() > 0
            && s.get("debuggerKind").getAsString().equals("gdb")) {
          return Optional.of(s);
        }
      }
      return Optional.empty();
    });
  }

  static String awaitState(String id, String contains) {
    return fx.await("katadbg state " + id + " to say " + contains,
        () -> Optional.of(katadbg("state", id).stdout()).filter(s -> s.contains(contains)));
  }

  /** ctr's end, or a failure that says where the shim is and what its logs say. */
  static CommandResult finish(RunningCommand run, String id) throws InterruptedException {
    try {
      return fx.finish(run);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\nstate: " + katadbg("state", id).describe()
          + "\nlogs: " + katadbg("logs", id).stdout() + "\ncontainerd:\n"
          + containerd.logTail(30), e);
    }
  }

  @Test
  void theGoShimUnderGdbStopsInTheTaskServicesCreateAndTheContainerRunsAfterContinue()
      throws Exception {
    writeConfig(Map.of("wait_for_client", "false", "breakpoints",
        "[" + WrapperFixture.toml(WrapperIT.CREATE) + "]"));
    String id = uniqueId("gdbbp");
    RunningCommand run = containerd.ctrAsync("run", "--rm", "--runtime", RUNTIME, "--rootfs",
        containerd.rootfs().toString(), id, "/bin/echo", "hello from the shim under gdb");
    JsonObject s = session(id);
    int keeper = s.get("debuggerPid").getAsInt();
    String stop = awaitState(id, "stopped at breakpoint 1");
    assertThat(stop).startsWith("pid " + s.get("shimPid").getAsInt())
        .contains(WrapperIT.CREATE + "()").contains("service.go:");
    assertThat(run.isAlive()).as("ctr waits while the shim sits at the breakpoint").isTrue();
    CommandResult stack = katadbg("stack", "--depth", "3", id);
    assertThat(stack.stdout()).as(stack.describe()).contains("  0  " + WrapperIT.CREATE + "()");

    assertThat(katadbg("continue", id).stdout()).isEqualTo("continued\n");
    CommandResult done = finish(run, id);
    assertThat(done.exitCode()).as(done.describe()).isZero();
    assertThat(done.stdout()).isEqualTo("hello from the shim under gdb\n");
    // ctr run --rm ends the shim; its reaper ends the keeper, and gdbserver dies with it.
    Awaitility.await("the keeper gdb to end with the shim").atMost(Duration.ofSeconds(15))
        .until(() -> Processes.linux().get(keeper).isEmpty());
  }

  @Test
  void waitForClientHoldsTheShimUntilKatadbgContinue() throws Exception {
    writeConfig(Map.of("wait_for_client", "true"));
    String id = uniqueId("gdbwait");
    RunningCommand run = containerd.ctrAsync("run", "--rm", "--runtime", RUNTIME, "--rootfs",
        containerd.rootfs().toString(), id, "/bin/echo", "continued through gdb");
    session(id);
    assertThat(awaitState(id, "halted")).contains("its entry point");
    assertThat(run.tryWait(Duration.ofSeconds(2))).as("ctr must wait for a client").isEmpty();
    assertThat(katadbg("continue", id).stdout()).isEqualTo("continued\n");
    CommandResult done = finish(run, id);
    assertThat(done.exitCode()).as(done.describe()).isZero();
    assertThat(done.stdout()).isEqualTo("continued through gdb\n");
  }

  /**
   * The caller gives up while the keeper starts (containerd kills the wrapper): the guard ends
   * the held daemon and the keeper, named by the shell that launched it, and gdbserver dies with
   * the keeper. FAKE gdb: one that never prompts ({@code exec sleep 600}); no real gdb is slow
   * on cue.
   */
  @Test
  void aWrapperKilledWhileTheKeeperStartsLeavesNoDaemonKeeperOrGdbserver() throws Exception {
    java.nio.file.Path mute = fx.dir().resolve("fake-gdb-never-prompts");
    java.nio.file.Files.writeString(mute, "#!/bin/sh\nexec sleep 600\n");
    assertThat(mute.toFile().setExecutable(true)).isTrue();
    writeConfig(Map.of("gdb", WrapperFixture.toml(mute.toString()), "wait_for_client", "false"));
    String id = uniqueId("gdbgaveup");
    try {
      RunningCommand run = containerd.ctrAsync("run", "--rm", "--runtime", RUNTIME, "--rootfs",
          containerd.rootfs().toString(), id, "/bin/echo", "never");
      JsonObject s = session(id);
      Processes procs = Processes.linux();
      int daemon = s.get("shimPid").getAsInt();
      int keeper = s.get("debuggerPid").getAsInt();
      int server = fx.await("gdbserver, the keeper's child", () -> procs.all().stream()
          .filter(p -> p.ppid() == keeper && p.comm().equals("gdbserver")).findFirst())
          .pid();
      // The wrapper's JVM, or its native front when a resident katadbg serves the start.
      ProcessHandle wrapper = ProcessHandle.allProcesses().filter(h -> h.info().arguments()
          .map(a -> (List.of(a).contains("dev.katadbg.shim.ShimWrapper")
              || List.of(a).contains("--shim")) && List.of(a).contains(id)).orElse(false))
          .findFirst().orElseThrow(() -> new AssertionError("no wrapper for " + id));

      assertThat(wrapper.destroyForcibly()).isTrue();

      fx.await("the daemon " + daemon + ", keeper " + keeper + " and gdbserver " + server
          + " ended", () -> Optional.of(true).filter(x -> List.of(daemon, keeper, server)
              .stream().allMatch(pid -> procs.get(pid).filter(p -> !p.isZombie()).isEmpty())));
      CommandResult done = finish(run, id);
      assertThat(done.exitCode()).as(done.describe()).isNotZero();
      assertThat(done.stdout()).doesNotContain("never");
      java.nio.file.Path log = java.nio.file.Path.of(s.get("log").getAsString());
      fx.await("the guard's line in " + log, () -> {
        try {
          return Optional.of(java.nio.file.Files.readString(log))
              .filter(t -> t.contains("the wrapper was killed before it replied"));
        } catch (IOException e) {
          return Optional.empty();
        }
      });
    } finally {
      writeConfig(Map.of());
    }
  }
}
