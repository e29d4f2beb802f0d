package dev.katadbg.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.katadbg.cli.Main;
import dev.katadbg.proc.Processes;
import dev.katadbg.testenv.TestEnv;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * katadbg's Java ttrpc client against a shim written in Rust on ttrpc-rust (the Rust test shim,
 * src/test/rust/rustshim, daemonizing as Kata's runtime-rs does): the first real part of issue
 * #14, where the debugger will be gdb.
 */
class RustShimIT {
  @TempDir Path dir;
  long daemon;

  @AfterEach
  void endDaemon() {
    if (daemon > 0) {
      ProcessHandle.of(daemon).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  record Call(int exit, String out, String err) {}

  static Call katadbg(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), Map.of(), args);
    return new Call(code, out.toString(), err.toString());
  }

  /** What the Rust shim's start did, as a runtime manager sees it. */
  record Started(Process process, String address) {}

  /**
   * Runs the Rust shim's start for sandbox {@code id}, as containerd would (no katadbg), with its
   * socket in {@code dir}; returns once the start has exited.
   */
  static Started start(Path shim, Path dir, String id) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(shim.toString(), "-namespace", "default", "-id",
        id, "-address", dir.resolve("containerd.sock").toString(), "start")
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectError(dir.resolve("start-" + id + ".stderr").toFile());
    pb.environment().put("RUSTSHIM_SOCKET_DIR", dir.toString());
    Process start = pb.start();
    String address = new String(start.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
        .strip();
    assertThat(start.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Started(start, address);
  }

  @Test
  void itsStartRepliesAnAddressAndItsDaemonAnswersTheTaskApi() throws Exception {
    Path shim = TestEnv.require(TestEnv.Part.RUST_SHIM).path(TestEnv.Part.RUST_SHIM);
    Started started = start(shim, dir, "r1");
    Process start = started.process();
    String address = started.address();
    assertThat(start.exitValue()).isZero();
    assertThat(address).isEqualTo("unix://" + dir.resolve("default-r1.sock"));

    Call connect = katadbg("shim", "call", address, "Connect", "{\"id\":\"r1\"}");
    assertThat(connect.exit()).as(connect.err()).isZero();
    JsonObject c = JsonParser.parseString(connect.out()).getAsJsonObject();
    daemon = c.get("shimPid").getAsLong();
    assertThat(daemon).isPositive().isNotEqualTo(start.pid());
    assertThat(c.get("version").getAsString()).startsWith("rustshim");
    assertThat(Processes.linux().get((int) daemon).orElseThrow().cmdline())
        .containsSubsequence("-namespace", "default", "-id", "r1").doesNotContain("start");

    Call missing = katadbg("shim", "call", address, "State", "{\"id\":\"nope\"}");
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).startsWith("katadbg: State: NOT_FOUND");

    Call shutdown = katadbg("shim", "call", address, "Shutdown", "{\"id\":\"r1\"}");
    assertThat(shutdown.exit()).as(shutdown.err()).isZero();
    Awaitility.await("the Rust daemon to exit").atMost(Duration.ofSeconds(10))
        .until(() -> ProcessHandle.of(daemon).map(h -> !h.isAlive()).orElse(true));
    assertThat(Files.exists(dir.resolve("default-r1.sock"))).isFalse();
  }
}
