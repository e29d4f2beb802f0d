package dev.katadbg.manager;

import static dev.katadbg.testenv.PrivateContainerd.uniqueId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.katadbg.cli.Main;
import dev.katadbg.cri.proto.LinuxPodSandboxConfig;
import dev.katadbg.cri.proto.LinuxSandboxSecurityContext;
import dev.katadbg.cri.proto.NamespaceMode;
import dev.katadbg.cri.proto.NamespaceOption;
import dev.katadbg.cri.proto.PodSandboxConfig;
import dev.katadbg.cri.proto.PodSandboxMetadata;
import dev.katadbg.cri.proto.PodSandboxState;
import dev.katadbg.cri.proto.PodSandboxStatusResponse;
import dev.katadbg.cri.proto.RunPodSandboxRequest;
import dev.katadbg.delve.DebuggerState;
import dev.katadbg.delve.DelveAddress;
import dev.katadbg.delve.DelveClient;
import dev.katadbg.delve.DelveException;
import dev.katadbg.testenv.Await;
import dev.katadbg.testenv.CommandResult;
import dev.katadbg.testenv.CriClient;
import dev.katadbg.testenv.PauseImage;
import dev.katadbg.testenv.PrivateContainerd;
import dev.katadbg.testenv.TestDirs;
import dev.katadbg.testenv.TestEnv;
import dev.katadbg.testsupport.Deps;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The guide's {@code crictl runp --runtime=katadbg}, the way the kubelet does it: {@code katadbg
 * install containerd} into a private containerd with the CRI on, then RunPodSandbox with runtime
 * handler {@code katadbg} over gRPC. The sandbox shim's daemon is handed to Delve (halted until a
 * client continues), a breakpoint set through the session is hit in it, and the sandbox
 * becomes ready, is stopped and removed.
 */
class CriSandboxIT {
  static final String CREATE = "github.com/containerd/containerd/runtime/v2/runc/task.(*service).Create";
  static final String PAUSE_IMAGE = "katadbg.test/pause:1";
  static final Duration WAIT = Duration.ofSeconds(90);

  static Path confDir;
  static Path katadbgConfig;

  @RegisterExtension
  static PrivateContainerd containerd = PrivateContainerd.create().withCri()
      .environment(Map.of("KATADBG_CONFIG", katadbgConfigPath().toString()))
      .removingAfterStop(confDir);

  static TestEnv env;

  static Path katadbgConfigPath() {
    if (confDir == null) {
      confDir = TestDirs.createOrPlaceholder("cri");
      katadbgConfig = confDir.resolve("katadbg.toml");
    }
    return katadbgConfig;
  }

  @BeforeAll
  static void installIntoContainerd() throws Exception {
    env = TestEnv.require(TestEnv.Part.DLV, TestEnv.Part.DEBUG_SHIM, TestEnv.Part.CONTAINERD, TestEnv.Part.CTR,
        TestEnv.Part.RUNC, TestEnv.Part.BUSYBOX);
    if (!Files.isExecutable(Path.of("/usr/bin/gcc"))) {
      if (Deps.ci()) {
        throw new AssertionError("gcc is missing (scripts/setup-env.sh installs it)");
      }
      Assumptions.abort("gcc is missing: run scripts/setup-env.sh");
    }
    Files.writeString(katadbgConfig, "[debugger]\npath = \"" + env.dlv() + "\"\nwait_for_client = true\n\n"
        + "[state]\ndir = \"" + confDir.resolve("sessions") + "\"\n");
    // The sandbox image the CRI uses: ours, imported below (no registry is reachable).
    Path config = containerd.configPath();
    String text = Files.readString(config);
    assertThat(text).contains("restrict_oom_score_adj = true\n");
    Files.writeString(config, text.replace("restrict_oom_score_adj = true\n",
        "restrict_oom_score_adj = true\n  sandbox_image = \"" + PAUSE_IMAGE + "\"\n"));

    CommandResult install = katadbg("install", "containerd", "--config", config.toString(),
        "--bin-dir", containerd.optBin().toString(),
        "--wrapper", env.dist().resolve("bin/containerd-shim-katadbg-v2").toString(),
        "--katadbg-config", katadbgConfig.toString(), "--state-dir", confDir.resolve("install").toString(),
        "--shim", env.debugShim().toString(), "--config-version", "2");
    assertThat(install.exitCode()).as(install.describe()).isZero();
    containerd.restart();

    Path image = PauseImage.build(confDir.resolve("image"), PAUSE_IMAGE);
    CommandResult imported = containerd.ctr("-n", "k8s.io", "images", "import", image.toString());
    assertThat(imported.exitCode()).as(imported.describe()).isZero();
  }

  @Test
  void aPodSandboxStartsUnderTheDebuggerHitsABreakpointAndIsRemoved() throws Exception {
    String name = uniqueId("pod");
    RunPodSandboxRequest request = RunPodSandboxRequest.newBuilder()
        .setRuntimeHandler("katadbg")
        .setConfig(PodSandboxConfig.newBuilder()
            .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("katadbg-test").setUid(name))
            .setLinux(LinuxPodSandboxConfig.newBuilder()
                .setCgroupParent("/katadbg-test-" + name)
                // Host network: no CNI here (with the pod network the sandbox gets stuck).
                .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                    NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE)))))
        .build();
    try (CriClient cri = CriClient.connect(containerd.socket())) {
      // The kubelet's RunPodSandbox deadline is 4 minutes; crictl's 4 s would end this call
      // while the shim waits for the debugger.
      ListenableFuture<dev.katadbg.cri.proto.RunPodSandboxResponse> run =
          cri.runPodSandbox(request, Duration.ofMinutes(4));

      JsonObject session = await("a k8s.io session waiting for a client", () -> sessions().stream()
          .filter(s -> s.get("namespace").getAsString().equals("k8s.io")
              && s.get("state").getAsString().equals("waiting"))
          .findFirst());
      String sandboxId = session.get("id").getAsString();
      try (DelveClient dlv = DelveClient.connect(DelveAddress.parse(session.get("listen").getAsString()),
          Duration.ofSeconds(10))) {
        assertThat(dlv.createBreakpoint(CREATE).id()).isPositive();
        // The daemon waits before its first instruction; one continue reaches Create.
        DebuggerState stop = dlv.continueAsync().get(2, java.util.concurrent.TimeUnit.MINUTES);
        assertThat(stop.currentThread()).get().extracting(t -> t.function()).isEqualTo(CREATE);
        assertThat(stop.targetCommandLine()).contains("-namespace k8s.io").contains("-id " + sandboxId)
            .doesNotEndWith(" start");
        assertThat(run.isDone()).as("RunPodSandbox waits while the shim sits at the breakpoint").isFalse();
        dlv.continueAsync();
        assertThat(run.get(WAIT.toSeconds(), TimeUnit.SECONDS).getPodSandboxId()).isEqualTo(sandboxId);
      }

      PodSandboxStatusResponse status = cri.status(sandboxId, Duration.ofSeconds(30));
      assertThat(status.getStatus().getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
      assertThat(status.getStatus().getRuntimeHandler()).isEqualTo("katadbg");
      assertThat(status.getStatus().getMetadata().getName()).isEqualTo(name);
      JsonObject shim = psEntry(sandboxId);
      assertThat(shim.get("namespace").getAsString()).isEqualTo("k8s.io");
      assertThat(shim.get("session").getAsJsonObject().get("id").getAsString())
          .isEqualTo(sandboxId);

      cri.stop(sandboxId, Duration.ofSeconds(60));
      assertThat(cri.status(sandboxId, Duration.ofSeconds(30)).getStatus().getState())
          .isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
      cri.remove(sandboxId, Duration.ofSeconds(60));
      assertThatThrownBy(() -> cri.status(sandboxId, Duration.ofSeconds(30)))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    } finally {
      removeCgroups("/katadbg-test-" + name);
    }
  }

  @Test
  void psListsAShimTheCriStartedWithoutKatadbg() throws Exception {
    String name = uniqueId("plain");
    RunPodSandboxRequest request = RunPodSandboxRequest.newBuilder()
        .setConfig(PodSandboxConfig.newBuilder()
            .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("katadbg-test")
                .setUid(name))
            .setLinux(LinuxPodSandboxConfig.newBuilder()
                .setCgroupParent("/katadbg-test-" + name)
                .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                    NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE)))))
        .build();
    try (CriClient cri = CriClient.connect(containerd.socket())) {
      // No runtime handler: the default runc class, Debian's stripped shim, no debugger.
      String sandboxId = cri.runPodSandbox(request, Duration.ofMinutes(1))
          .get(WAIT.toSeconds(), TimeUnit.SECONDS).getPodSandboxId();
      try {
        JsonObject shim = psEntry(sandboxId);
        assertThat(shim.get("namespace").getAsString()).isEqualTo("k8s.io");
        assertThat(shim.get("runtime").getAsString()).isEqualTo("io.containerd.runc.v2");
        assertThat(shim.get("containers").getAsJsonArray().toString()).contains(sandboxId);
        assertThat(shim.get("bundle").getAsString()).endsWith("/k8s.io/" + sandboxId);
        assertThat(shim.get("dwarf").getAsBoolean()).as("Debian's shim is stripped").isFalse();
        assertThat(shim.get("session").isJsonNull()).isTrue();
      } finally {
        cri.stop(sandboxId, Duration.ofSeconds(60));
        cri.remove(sandboxId, Duration.ofSeconds(60));
      }
    } finally {
      removeCgroups("/katadbg-test-" + name);
    }
  }

  /** The {@code katadbg ps --json} entry of the shim serving {@code sandboxId}. */
  static JsonObject psEntry(String sandboxId) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err),
        Map.of("KATADBG_CONFIG", katadbgConfig.toString()), "ps", "--json");
    assertThat(code).as(err.toString()).isZero();
    for (var e : com.google.gson.JsonParser.parseString(out.toString()).getAsJsonArray()) {
      JsonObject o = e.getAsJsonObject();
      if (o.get("id").getAsString().equals(sandboxId)) {
        return o;
      }
    }
    throw new AssertionError("katadbg ps does not list the shim of " + sandboxId + ":\n" + out);
  }

  /**
   * The state once halted. While the shim's {@code start} process exits and Delve follows its
   * daemon, a state request can fail with "Process N has exited": not halted yet, ask again.
   */
  static Optional<DebuggerState> haltedState(DelveClient dlv) {
    try {
      return Optional.of(dlv.state(true)).filter(s -> !s.running());
    } catch (DelveException e) {
      if (String.valueOf(e.getMessage()).contains("has exited")) {
        return Optional.empty();
      }
      throw e;
    }
  }

  static List<JsonObject> sessions() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), Map.of("KATADBG_CONFIG", katadbgConfig.toString()),
        "sessions", "--json");
    assertThat(code).as(err.toString()).isZero();
    List<JsonObject> list = new ArrayList<>();
    for (JsonElement e : JsonParser.parseString(out.toString()).getAsJsonArray()) {
      list.add(e.getAsJsonObject());
    }
    return list;
  }

  static <T> T await(String what, Supplier<Optional<T>> probe) {
    return Await.until(what, WAIT, probe, () -> "; containerd log:\n" + containerd.logTail(30));
  }

  /** The pod's cgroup directories (cgroup v1: one per controller), removed once empty. */
  static void removeCgroups(String parent) {
    Path root = Path.of("/sys/fs/cgroup");
    try (var controllers = Files.list(root)) {
      for (Path c : controllers.toList()) {
        Path dir = c.resolve(parent.substring(1));
        if (Files.isDirectory(dir)) {
          try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
          }
        }
      }
    } catch (IOException e) {
      System.err.println("[CriSandboxIT] could not remove cgroup " + parent + ": " + e);
    }
  }

  static CommandResult katadbg(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), Map.of("PATH", TestEnv.SYSTEM_PATH), args);
    return new CommandResult(new ArrayList<>(List.of(args)), code, out.toString(), err.toString());
  }
}
