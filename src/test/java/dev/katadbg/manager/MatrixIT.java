package dev.katadbg.manager;

import static dev.katadbg.testenv.PrivateContainerd.uniqueId;
import static org.assertj.core.api.Assertions.assertThat;

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
import dev.katadbg.cri.proto.RunPodSandboxRequest;
import dev.katadbg.cri.proto.RunPodSandboxResponse;
import dev.katadbg.delve.DebuggerState;
import dev.katadbg.delve.DelveAddress;
import dev.katadbg.delve.DelveClient;
import dev.katadbg.testenv.Await;
import dev.katadbg.testenv.CommandResult;
import dev.katadbg.testenv.CriClient;
import dev.katadbg.testenv.PauseImage;
import dev.katadbg.testenv.PrivateContainerd;
import dev.katadbg.testenv.RunningCommand;
import dev.katadbg.testenv.TestDirs;
import dev.katadbg.testenv.TestEnv;
import dev.katadbg.testenv.TestEnv.Part;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The compatibility matrix of real parts: containerd 1.6.20 (bookworm), 1.7.24 (trixie) and
 * 2.1.9 (sid) × Delve 1.24.0 (trixie) and 1.27.1 (sid). The whole end-to-end suite runs on the
 * default pair (1.6, 1.24); here every other pair gets the start path (the daemon stops at a
 * breakpoint on Create, the container's output after continue, nothing on ctr's stderr), and
 * every containerd gets {@code katadbg install containerd} in the config version it reads, a CRI
 * pod sandbox through the katadbg runtime class, and uninstall restoring the file byte for byte.
 * Delve 1.27.1 supports Go 1.25–1.27: the Go 1.24 debug shim needs check_go_version = false.
 */
class MatrixIT {
  static final String RUNTIME = "io.containerd.katadbg.v2";
  static final String CREATE =
      "github.com/containerd/containerd/runtime/v2/runc/task.(*service).Create";
  static final String PAUSE_IMAGE = "katadbg.test/pause:1";
  static final Duration WAIT = Duration.ofSeconds(90);

  Path dir;
  Path katadbgConfig;

  @BeforeEach
  void makeDir() {
    dir = TestDirs.create("matrix");
    katadbgConfig = dir.resolve("katadbg.toml");
  }

  @AfterEach
  void removeDir() {
    TestDirs.delete(dir);
  }

  @ParameterizedTest(name = "{0} x {1}")
  @CsvSource({"CONTAINERD, DLV_1_27", "CONTAINERD_1_7, DLV", "CONTAINERD_1_7, DLV_1_27",
      "CONTAINERD_2_1, DLV", "CONTAINERD_2_1, DLV_1_27"})
  void theDaemonStopsAtCreateAndTheContainerRuns(Part containerdPart, Part dlvPart)
      throws Exception {
    TestEnv env = TestEnv.require(containerdPart, dlvPart, Part.DEBUG_SHIM, Part.RUNC,
        Part.BUSYBOX);
    writeKatadbgConfig(env, dlvPart, "[debugger]\nwait_for_client = false\nbreakpoints = [\""
        + CREATE + "\"]\n");
    try (PrivateContainerd containerd = containerd(env, containerdPart, false)) {
      containerd.start();
      Files.createSymbolicLink(containerd.optBin().resolve("containerd-shim-katadbg-v2"),
          env.dist().resolve("bin/containerd-shim-katadbg-v2"));
      String id = uniqueId("mx");
      RunningCommand run = containerd.ctrAsync("run", "--rm", "--runtime", RUNTIME, "--rootfs",
          containerd.rootfs().toString(), id, "/bin/echo", "hi from " + containerdPart);
      JsonObject session = await(containerd, "the session running", () -> sessions().stream()
          .filter(s -> s.get("id").getAsString().equals(id)
              && s.get("state").getAsString().equals("running")).findFirst());
      int daemon = session.get("shimPid").getAsInt();
      try (DelveClient c = DelveClient.connect(
          DelveAddress.parse(session.get("listen").getAsString()), Duration.ofSeconds(10))) {
        DebuggerState stop = await(containerd, "the stop at Create",
            () -> Optional.of(c.state(true)).filter(s -> !s.running()));
        assertThat(stop.currentThread()).get().extracting(t -> t.function()).isEqualTo(CREATE);
        assertThat(stop.pid()).isEqualTo(daemon);
        assertThat(run.isAlive()).as("ctr waits while the daemon is at Create").isTrue();
        c.continueAsync();
      }
      CommandResult done = run.tryWait(WAIT).orElseThrow(() -> new AssertionError("ctr did"
          + " not finish: " + run.stderrSoFar() + containerd.logTail(20)));
      assertThat(done.exitCode()).as(done.describe()).isZero();
      assertThat(done.stdout()).isEqualTo("hi from " + containerdPart + "\n");
      assertThat(done.stderr()).isEmpty();
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"CONTAINERD", "CONTAINERD_1_7", "CONTAINERD_2_1"})
  void installRunsAPodSandboxUnderTheDebuggerAndUninstallRestoresTheConfig(Part part)
      throws Exception {
    TestEnv env = TestEnv.require(part, Part.DLV, Part.DEBUG_SHIM, Part.RUNC, Part.BUSYBOX);
    String pod = uniqueId("mxpod");
    try (PrivateContainerd containerd = containerd(env, part, true)) {
      containerd.start();
      int major = containerd.containerdMajorVersion();
      Path config = containerd.configPath();
      String text = Files.readString(config);
      // The sandbox image the CRI uses: ours, imported below (no registry is reachable). Its
      // key moved in 2.x.
      Files.writeString(config, major >= 2
          ? text + "\n[plugins.\"io.containerd.cri.v1.images\".pinned_images]\n  sandbox = \""
              + PAUSE_IMAGE + "\"\n"
          : text.replace("restrict_oom_score_adj = true\n", "restrict_oom_score_adj = true\n"
              + "  sandbox_image = \"" + PAUSE_IMAGE + "\"\n"));
      byte[] before = Files.readAllBytes(config);
      writeKatadbgConfig(env, Part.DLV, "[debugger]\nwait_for_client = false\nbreakpoints = [\""
          + CREATE + "\"]\n");
      String katadbgBefore = Files.readString(katadbgConfig);

      CommandResult install = katadbg("install", "containerd", "--config", config.toString(),
          "--bin-dir", containerd.optBin().toString(),
          "--wrapper", env.dist().resolve("bin/containerd-shim-katadbg-v2").toString(),
          "--katadbg-config", katadbgConfig.toString(), "--state-dir",
          dir.resolve("install").toString(), "--shim", env.debugShim().toString(),
          "--config-version", Integer.toString(major >= 2 ? 3 : 2));
      assertThat(install.exitCode()).as(install.describe()).isZero();
      assertThat(Files.readString(config)).contains(major >= 2
          ? "[plugins.\"io.containerd.cri.v1.runtime\".containerd.runtimes.katadbg]"
          : "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.katadbg]");
      containerd.restart();
      assertThat(containerd.logTail(2000)).as("containerd read the edited config as it is")
          .doesNotContain("migrated from version");
      Path image = PauseImage.build(dir.resolve("image"), PAUSE_IMAGE);
      CommandResult imported = containerd.ctr("-n", "k8s.io", "images", "import",
          image.toString());
      assertThat(imported.exitCode()).as(imported.describe()).isZero();

      try (CriClient cri = CriClient.connect(containerd.socket())) {
        var run = cri.runPodSandbox(RunPodSandboxRequest.newBuilder()
            .setRuntimeHandler("katadbg")
            .setConfig(PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(pod)
                    .setNamespace("katadbg-test").setUid(pod))
                .setLinux(LinuxPodSandboxConfig.newBuilder()
                    .setCgroupParent("/katadbg-test-" + pod)
                    .setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                        .setNamespaceOptions(NamespaceOption.newBuilder()
                            .setNetwork(NamespaceMode.NODE)))))
            .build(), Duration.ofMinutes(4));
        JsonObject session = await(containerd, "a k8s.io session running", () -> sessions()
            .stream().filter(s -> s.get("namespace").getAsString().equals("k8s.io")
                && s.get("state").getAsString().equals("running")).findFirst());
        String sandboxId = session.get("id").getAsString();
        try (DelveClient c = DelveClient.connect(
            DelveAddress.parse(session.get("listen").getAsString()), Duration.ofSeconds(10))) {
          DebuggerState stop = await(containerd, "the stop at Create",
              () -> Optional.of(c.state(true)).filter(s -> !s.running()));
          assertThat(stop.currentThread()).get().extracting(t -> t.function())
              .isEqualTo(CREATE);
          assertThat(stop.pid()).isEqualTo(session.get("shimPid").getAsInt());
          assertThat(run.isDone()).as("RunPodSandbox waits at the breakpoint").isFalse();
          c.continueAsync();
        }
        RunPodSandboxResponse ran = run.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(ran.getPodSandboxId()).isEqualTo(sandboxId);
        assertThat(cri.status(sandboxId, Duration.ofSeconds(30)).getStatus().getState())
            .isEqualTo(PodSandboxState.SANDBOX_READY);
        cri.stop(sandboxId, Duration.ofSeconds(60));
        cri.remove(sandboxId, Duration.ofSeconds(60));
      } finally {
        CriSandboxIT.removeCgroups("/katadbg-test-" + pod);
      }

      CommandResult uninstall = katadbg("uninstall", "containerd", "--config",
          config.toString(), "--state-dir", dir.resolve("install").toString());
      assertThat(uninstall.exitCode()).as(uninstall.describe()).isZero();
      assertThat(Files.readAllBytes(config)).isEqualTo(before);
      assertThat(Files.readString(katadbgConfig)).isEqualTo(katadbgBefore);
    }
  }

  PrivateContainerd containerd(TestEnv env, Part part, boolean cri) {
    PrivateContainerd c = PrivateContainerd.create()
        .environment(Map.of("KATADBG_CONFIG", katadbgConfig.toString()));
    if (cri) {
      c.withCri();
    }
    if (part != Part.CONTAINERD) {
      c.containerd(env.binDir(part));
    }
    return c;
  }

  void writeKatadbgConfig(TestEnv env, Part dlv, String debugger) throws Exception {
    Files.writeString(katadbgConfig, "[shim]\nbinary = \"" + env.debugShim() + "\"\n\n"
        + debugger + "path = \"" + env.path(dlv) + "\"\n"
        + (dlv == Part.DLV_1_27 ? "check_go_version = false\n" : "")
        + "\n[state]\ndir = \"" + dir.resolve("state") + "\"\n");
  }

  List<JsonObject> sessions() {
    CommandResult r = katadbgWithConfig("sessions", "--json");
    assertThat(r.exitCode()).as(r.describe()).isZero();
    List<JsonObject> out = new ArrayList<>();
    for (JsonElement e : JsonParser.parseString(r.stdout()).getAsJsonArray()) {
      out.add(e.getAsJsonObject());
    }
    return out;
  }

  CommandResult katadbgWithConfig(String... args) {
    return run(Map.of("KATADBG_CONFIG", katadbgConfig.toString()), args);
  }

  static CommandResult katadbg(String... args) {
    return run(Map.of("PATH", TestEnv.SYSTEM_PATH), args);
  }

  static CommandResult run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), env, args);
    return new CommandResult(List.of(args), code, out.toString(), err.toString());
  }

  static <T> T await(PrivateContainerd c, String what, Supplier<Optional<T>> probe) {
    return Await.until(what, WAIT, probe, () -> "; containerd log:\n" + c.logTail(30));
  }
}
