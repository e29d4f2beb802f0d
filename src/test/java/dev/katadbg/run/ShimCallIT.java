package dev.katadbg.run;

import static dev.katadbg.testenv.PrivateContainerd.uniqueId;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.katadbg.cli.Main;
import dev.katadbg.testenv.CommandResult;
import dev.katadbg.testenv.PrivateContainerd;
import dev.katadbg.testenv.TestEnv;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code katadbg shim call} against a runc shim that a real private containerd started. */
class ShimCallIT {
  @RegisterExtension static PrivateContainerd containerd = PrivateContainerd.create();

  @BeforeAll
  static void require() {
    TestEnv.require(TestEnv.Part.CONTAINERD, TestEnv.Part.CTR, TestEnv.Part.RUNC,
        TestEnv.Part.BUSYBOX);
  }

  static CommandResult katadbg(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), Map.of(), args);
    return new CommandResult(List.of(args), code, out.toString(), err.toString());
  }

  @Test
  void stateAndPidsOfARunningContainerComeBackAsJson() throws Exception {
    String id = uniqueId("call");
    CommandResult started = containerd.ctr("run", "-d", "--rootfs",
        containerd.rootfs().toString(), id, "/bin/sleep", "300");
    assertThat(started.exitCode()).as(started.describe()).isZero();
    Path address = containerd.stateDir().resolve("io.containerd.runtime.v2.task/default")
        .resolve(id).resolve("address");
    String socket = Files.readString(address).strip();
    assertThat(socket).startsWith("unix://");

    CommandResult state = katadbg("shim", "call", socket, "State", "{\"id\":\"" + id + "\"}");
    assertThat(state.exitCode()).as(state.describe()).isZero();
    JsonObject s = JsonParser.parseString(state.stdout()).getAsJsonObject();
    assertThat(s.get("id").getAsString()).isEqualTo(id);
    assertThat(s.get("status").getAsString()).isEqualTo("RUNNING");
    int pid = s.get("pid").getAsInt();
    assertThat(pid).isPositive();
    assertThat(Files.readString(Path.of("/proc", Integer.toString(pid), "cmdline")))
        .startsWith("/bin/sleep");

    // As installed: the launcher's JVM (Temurin 25 here) must not add its warnings about the
    // protobuf library's use of sun.misc.Unsafe to a command's output.
    Process launched = new ProcessBuilder(TestEnv.get().dist().resolve("bin/katadbg").toString(),
        "shim", "call", socket, "State", "{\"id\":\"" + id + "\"}")
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    String launchedOut = new String(launched.getInputStream().readAllBytes(),
        java.nio.charset.StandardCharsets.UTF_8);
    String launchedErr = new String(launched.getErrorStream().readAllBytes(),
        java.nio.charset.StandardCharsets.UTF_8);
    assertThat(launched.waitFor()).as(launchedErr).isZero();
    assertThat(launchedErr).isEmpty();
    assertThat(JsonParser.parseString(launchedOut).getAsJsonObject().get("id").getAsString())
        .isEqualTo(id);

    CommandResult pids = katadbg("shim", "call", socket, "pids", "{\"id\":\"" + id + "\"}");
    assertThat(pids.exitCode()).as(pids.describe()).isZero();
    JsonArray procs = JsonParser.parseString(pids.stdout()).getAsJsonObject()
        .getAsJsonArray("processes");
    assertThat(procs).anySatisfy(p -> assertThat(p.getAsJsonObject().get("pid").getAsInt())
        .isEqualTo(pid));

    CommandResult missing = katadbg("shim", "call", socket, "State", "{\"id\":\"nope\"}");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.stderr()).startsWith("katadbg: State: NOT_FOUND");

    CommandResult wrongNs = katadbg("shim", "call", "-n", "elsewhere", socket, "Connect",
        "{\"id\":\"" + id + "\"}");
    assertThat(wrongNs.exitCode()).as(wrongNs.describe()).isZero();
    assertThat(wrongNs.stdout()).contains("\"shimPid\"");

    CommandResult bad = katadbg("shim", "call", socket, "Stat", "{}");
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.stderr()).contains("no Task method 'Stat'");
    CommandResult badJson = katadbg("shim", "call", socket, "State", "{\"nope\":1}");
    assertThat(badJson.exitCode()).isEqualTo(2);
  }
}
