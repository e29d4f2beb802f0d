package dev.katadbg.shim;

import static dev.katadbg.testenv.PrivateContainerd.uniqueId;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.katadbg.cli.Main;
import dev.katadbg.delve.DebuggerState;
import dev.katadbg.delve.DelveAddress;
import dev.katadbg.delve.DelveClient;
import dev.katadbg.delve.DelveException;
import dev.katadbg.proc.Processes;
import dev.katadbg.testenv.Await;
import dev.katadbg.testenv.CommandResult;
import dev.katadbg.testenv.PrivateContainerd;
import dev.katadbg.testenv.RunningCommand;
import dev.katadbg.testenv.TestDirs;
import dev.katadbg.testenv.TestEnv;
import dev.katadbg.testenv.TestEnv.Part;
import dev.katadbg.testenv.WrapperFixture;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * containerd 2.1's own runc shim (built from containerd 2.1.9's source, task API v3) through
 * katadbg on containerd 2.1 with Delve 1.27.1: its {@code start} replies JSON
 * {@code {"version":3,"address":"unix://...","protocol":"ttrpc"}}, and the wrapper relays it byte
 * for byte.
 */
class JsonReplyIT {
  static final String RUNTIME = WrapperFixture.RUNTIME;
  static final String CREATE =
      "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2/task.(*service).Create";
  static final Duration WAIT = WrapperFixture.WAIT;

  static TestEnv env;
  static Path confDir;
  static Path config;
  static PrivateContainerd containerd;

  @BeforeAll
  static void startContainerd21() throws IOException {
    env = TestEnv.require(Part.CONTAINERD_2_1, Part.SHIM_2_1, Part.DLV_1_27, Part.RUNC,
        Part.BUSYBOX);
    confDir = TestDirs.create("json-reply");
    config = confDir.resolve("katadbg.toml");
    containerd = PrivateContainerd.create().containerd(env.binDir(Part.CONTAINERD_2_1))
        .environment(Map.of("KATADBG_CONFIG", config.toString()));
    containerd.start();
    Path wrapper = env.dist().resolve("bin/containerd-shim-katadbg-v2");
    assertThat(wrapper).as("built launcher (mvn package)").isExecutable();
    Files.createSymbolicLink(containerd.optBin().resolve("containerd-shim-katadbg-v2"), wrapper);
  }

  @AfterAll
  static void stopContainerd() {
    if (containerd != null) {
      containerd.close();
    }
    TestDirs.delete(confDir);
  }

  /** katadbg's config: the 2.1 shim under Delve 1.27.1, this test's state dir. */
  static void writeConfig(boolean waitForClient, String breakpoints) throws IOException {
    Files.writeString(config, "[shim]\nbinary = " + q(env.path(Part.SHIM_2_1).toString())
        + "\n\n[debugger]\npath = " + q(env.path(Part.DLV_1_27).toString())
        // The shim is built with Go 1.27, inside Delve 1.27's window (Go 1.25 to 1.27).
        + "\ncheck_go_version = true\nwait_for_client = " + waitForClient
        + "\nbreakpoints = " + breakpoints
        + "\n\n[state]\ndir = " + q(confDir.resolve("state").toString()) + "\n");
  }

  /**
   * What containerd 2.1's runc shim answers for sandbox {@code id} on this containerd:
   * {@code SocketAddress} is the sha256 of {@code filepath.Join(address, namespace, id)}, and the
   * reply is {@code json.Marshal(BootstrapParams)}: no spaces, no newline.
   */
  static String expectedReply(String id) throws Exception {
    byte[] hash = MessageDigest.getInstance("SHA-256").digest(
        containerd.socket().resolve("default").resolve(id).toString().getBytes(StandardCharsets.UTF_8));
    return "{\"version\":3,\"address\":\"unix:///run/containerd/s/" + HexFormat.of().formatHex(hash)
        + "\",\"protocol\":\"ttrpc\"}";
  }

  // (a) the wrapper's start, called as containerd 2.1 calls it, writes the real shim's bytes.
  @Test
  void startRelaysTheShimsJsonReplyByteForByte() throws Exception {
    // The daemon waits for a client, so the session stays live until stopped (this bundle has
    // no log FIFO: a continued daemon would exit at once).
    writeConfig(true, "[]");
    Path bundle = Files.createTempDirectory(confDir, "bundle");
    Files.writeString(bundle.resolve("config.json"), "{}");
    String id = uniqueId("json");
    Process p = start(env.dist().resolve("bin/containerd-shim-katadbg-v2"), id, bundle);
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    int code = p.waitFor();
    assertThat(new String(err, StandardCharsets.UTF_8)).as("the wrapper's stderr").isEmpty();
    assertThat(code).as("the wrapper's exit status").isZero();
    JsonObject s = awaitSession(id, "waiting");
    try {
      // The real shim's own answer for the same sandbox, in the same bundle: it finds the
      // socket the held daemon listens on live and answers with its address, starting nothing.
      Process real = start(env.path(Part.SHIM_2_1), id, bundle);
      byte[] realOut = real.getInputStream().readAllBytes();
      String realErr = new String(real.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(real.waitFor()).as(realErr).isZero();
      assertThat(out).as("the wrapper's stdout, byte for byte").isEqualTo(realOut);
      assertThat(new String(out, StandardCharsets.UTF_8)).isEqualTo(expectedReply(id));
      assertThat(s.get("shimPid").getAsInt()).isNotEqualTo(s.get("startPid").getAsInt());
    } finally {
      CommandResult stop = katadbg("stop", "--kill", "default/" + id);
      assertThat(stop.exitCode()).as(stop.describe()).isZero();
    }
    await("nothing left", () -> Optional.of(processesOf(id)).filter(List::isEmpty));
  }

  // (b) ctr run --rm on containerd 2.1: the stop at the v2 task service's Create is in the
  // daemon, containerd 2.1 took the relayed JSON (its bootstrap.json), continue, output.
  @Test
  void ctrRunStopsAtCreateInTheDaemonAndTheContainerRunsAfterContinue() throws Exception {
    writeConfig(false, "[" + q(CREATE) + "]");
    String id = uniqueId("json-bp");
    RunningCommand run = containerd.ctrAsync("run", "--rm", "--runtime", RUNTIME, "--rootfs",
        containerd.rootfs().toString(), id, "/bin/echo", "hello from containerd 2.1's shim");
    JsonObject session = awaitSession(id, "running");
    int shimPid = session.get("shimPid").getAsInt();
    assertThat(shimPid).isPositive().isNotEqualTo(session.get("startPid").getAsInt());
    try (DelveClient c = DelveClient.connect(
        DelveAddress.parse(session.get("listen").getAsString()), Duration.ofSeconds(10))) {
      DebuggerState stop = await("the stop at Create", () -> stopped(c));
      assertThat(stop.currentThread()).get().extracting(t -> t.function()).isEqualTo(CREATE);
      assertThat(stop.pid()).isEqualTo(shimPid);
      assertThat(stop.targetCommandLine()).doesNotEndWith(" start").contains("-namespace");
      assertThat(run.isAlive()).as("ctr waits while the shim sits at the breakpoint").isTrue();
      // containerd 2.1 writes the start reply it parsed into the bundle.
      Path bundle = Path.of(session.get("bundle").getAsString());
      assertThat(Files.readString(bundle.resolve("bootstrap.json"))).isEqualTo(expectedReply(id));
      c.continueAsync();
    }
    CommandResult done = run.tryWait(WAIT).orElseThrow(() -> new AssertionError(
        "ctr did not finish: " + run.stdoutSoFar() + run.stderrSoFar()));
    assertThat(done.exitCode()).as(done.describe()).isZero();
    assertThat(done.stdout()).isEqualTo("hello from containerd 2.1's shim\n");
  }

  /** Runs {@code binary}'s start as containerd 2.1 does, in {@code bundle}, stdin /dev/null. */
  static Process start(Path binary, String id, Path bundle) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(binary.toString(), "-namespace", "default",
        "-address", containerd.socket().toString(), "-publish-binary",
        containerd.containerdBinary().toString(), "-id", id, "start")
        .directory(bundle.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().put("KATADBG_CONFIG", config.toString());
    pb.environment().put("TTRPC_ADDRESS", containerd.ttrpcSocket().toString());
    pb.environment().put("GRPC_ADDRESS", containerd.socket().toString());
    pb.environment().put("NAMESPACE", "default");
    pb.environment().put("MAX_SHIM_VERSION", "3");
    // containerd's shims use this resident katadbg too (ContainerdProcess); it ends with it.
    pb.environment().put("KATADBG_SERVER_DIR", containerd.baseDir().resolve("cli").toString());
    return pb.start();
  }

  static CommandResult katadbg(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err),
        Map.of("KATADBG_CONFIG", config.toString()), args);
    return new CommandResult(List.of(args), code, out.toString(), err.toString());
  }

  static JsonObject awaitSession(String id, String state) {
    return await("session " + id + " in state " + state, () -> {
      CommandResult r = katadbg("sessions", "--json");
      assertThat(r.exitCode()).as(r.describe()).isZero();
      for (JsonElement e : JsonParser.parseString(r.stdout()).getAsJsonArray()) {
        JsonObject s = e.getAsJsonObject();
        if (s.get("id").getAsString().equals(id) && s.get("state").getAsString().equals(state)) {
          return Optional.of(s);
        }
      }
      return Optional.empty();
    });
  }

  /** The state once the daemon has stopped; "has exited" is the start process, not yet it. */
  static Optional<DebuggerState> stopped(DelveClient c) {
    try {
      return Optional.of(c.state(true)).filter(s -> !s.running());
    } catch (DelveException e) {
      if (e.getMessage().contains("has exited")) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** Processes whose command line names this sandbox id. */
  static List<Integer> processesOf(String id) {
    List<Integer> pids = new ArrayList<>();
    Processes.linux().all().forEach(p -> {
      List<String> c = p.cmdline();
      for (int i = 0; i + 1 < c.size(); i++) {
        if (c.get(i).equals("-id") && c.get(i + 1).equals(id)) {
          pids.add(p.pid());
          return;
        }
      }
    });
    return pids;
  }

  static <T> T await(String what, Supplier<Optional<T>> probe) {
    return Await.until(what, WAIT, probe, () -> "; containerd log:\n" + containerd.logTail(20));
  }

  static String q(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
