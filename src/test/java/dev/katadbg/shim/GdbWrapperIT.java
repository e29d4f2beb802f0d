package dev.katadbg.shim;

import static dev.katadbg.testenv.PrivateContainerd.uniqueId;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.katadbg.cli.Main;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The wrapper with {@code [debugger] kind = "gdb"} through a real private containerd: the DWARF
 * debug runc shim (Go) handed to gdbserver and the session's keeper gdb, which reads Go symbols
 * by their full names.
 */
class GdbWrapperIT {
  static final String RUNTIME = "io.containerd.katadbg.v2";
  static final Duration WAIT = Duration.ofSeconds(60);

  static Path confDir;
  static Path config;

  @RegisterExtension
  static PrivateContainerd containerd = PrivateContainerd.create()
      .environment(Map.of("KATADBG_CONFIG", configPath().toString()));

  static TestEnv env;

  static Path configPath() {
    if (confDir == null) {
      confDir = TestDirs.createOrPlaceholder("gdbwrapper");
      config = confDir.resolve("katadbg.toml");
    }
    return config;
  }

  @BeforeAll
  static void linkWrapper() throws IOException {
    env = TestEnv.require(TestEnv.Part.GDB, TestEnv.Part.GDBSERVER, TestEnv.Part.DEBUG_SHIM,
        TestEnv.Part.CONTAINERD, TestEnv.Part.CTR, TestEnv.Part.RUNC, TestEnv.Part.BUSYBOX);
    Path wrapper = env.dist().resolve("bin/containerd-shim-katadbg-v2");
    assertThat(wrapper).as("built launcher (mvn package)").isExecutable();
    Files.createSymbolicLink(containerd.optBin().resolve("containerd-shim-katadbg-v2"), wrapper);
  }

  @AfterAll
  static void removeConfDir() {
    TestDirs.delete(confDir);
  }

  static void writeConfig(String debuggerLines) throws IOException {
    Files.writeString(config, "[shim]\nbinary = \"" + env.debugShim() + "\"\n\n[debugger]\n"
        + "kind = \"gdb\"\n" + debuggerLines + "\n[state]\ndir = \""
        + confDir.resolve("state") + "\"\n");
  }

  static CommandResult katadbg(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err),
        Map.of("KATADBG_CONFIG", config.toString()), args);
    return new CommandResult(List.of(args), code, out.toString(), err.toString());
  }

  static JsonObject session(String id) {
    return Await.until("a session for " + id, WAIT, () -> {
      CommandResult r = katadbg("sessions", "--json");
      List<JsonObject> all = new ArrayList<>();
      for (JsonElement e : JsonParser.parseString(r.stdout()).getAsJsonArray()) {
        all.add(e.getAsJsonObject());
      }
      return all.stream().filter(s -> s.get("id").getAsString().equals(id)
          && s.get("shimPid").getAsInt() > 0 && s.get("debuggerKind").getAsString().equals("gdb"))
          .findFirst();
    }, () -> "; containerd log:\n" + containerd.logTail(20));
  }

  static String awaitState(String id, String contains) {
    return Await.until("katadbg state " + id + " to say " + contains, WAIT,
        () -> Optional.of(katadbg("state", id).stdout()).filter(s -> s.contains(contains)),
        () -> "; last: " + katadbg("state", id).describe());
  }

  static CommandResult finish(RunningCommand run, String id) throws InterruptedException {
    return run.tryWait(WAIT).orElseThrow(() -> new AssertionError("ctr did not finish: "
        + run.command() + "\nstdout: " + run.stdoutSoFar() + "\nstderr: " + run.stderrSoFar()
        + "\nstate: " + katadbg("state", id).describe() + "\nlogs: "
        + katadbg("logs", id).stdout() + "\ncontainerd:\n" + containerd.logTail(30)));
  }

  @Test
  void theGoShimUnderGdbStopsInTheTaskServicesCreateAndTheContainerRunsAfterContinue()
      throws Exception {
    writeConfig("wait_for_client = false\nbreakpoints = [\"" + WrapperIT.CREATE + "\"]\n");
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
    writeConfig("wait_for_client = true\n");
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
}
