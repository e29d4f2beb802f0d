package dev.katadbg.testenv;

import static dev.katadbg.testenv.PrivateContainerd.uniqueId;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tomlj.Toml;
import org.tomlj.TomlParseResult;

/** Proves {@link PrivateContainerd} runs real containers with the real parts and cleans up after them. */
class PrivateContainerdIT {

  /** Shared by the tests of this class that do not restart or stop it. */
  @RegisterExtension
  static PrivateContainerd containerd = PrivateContainerd.create();

  private static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void runsAContainerWithDebiansShim() {
    TestEnv env = TestEnv.require(TestEnv.Part.DEBIAN_SHIM);
    // io.containerd.runc.v2 must resolve to Debian's stripped shim, the one a user has.
    assertThat(TestEnv.findOnPath(TestEnv.SYSTEM_PATH, "containerd-shim-runc-v2")).contains(env.debianShim());

    CommandResult result = containerd.ctr("run", "--rm", "--runtime", "io.containerd.runc.v2",
        "--rootfs", containerd.rootfs().toString(), uniqueId("echo"), "/bin/echo", "hello").requireSuccess();

    assertThat(result.stdout()).isEqualTo("hello\n");
  }

  @Test
  void ctrAsyncRunsUntilTheContainerEnds() throws Exception {
    RunningCommand run = containerd.ctrAsync("run", "--rm", "--rootfs", containerd.rootfs().toString(),
        uniqueId("async"), "/bin/sh", "-c", "sleep 1; echo done");

    assertThat(run.tryWait(Duration.ofMillis(200))).isEmpty();
    assertThat(run.isAlive()).isTrue();
    CommandResult result = run.waitFor(WAIT).requireSuccess();
    assertThat(result.stdout()).isEqualTo("done\n");
  }

  @Test
  void findsTheDebugShimInOptBin() throws Exception {
    TestEnv env = TestEnv.require(TestEnv.Part.DEBUG_SHIM);
    Path shim = containerd.optBin().resolve("containerd-shim-runcdbg-v2");
    Files.createSymbolicLink(shim, env.debugShim());
    try {
      CommandResult echo = containerd.ctr("run", "--rm", "--runtime", "io.containerd.runcdbg.v2",
          "--rootfs", containerd.rootfs().toString(), uniqueId("dbg-echo"), "/bin/echo", "hello").requireSuccess();
      assertThat(echo.stdout()).isEqualTo("hello\n");

      // The bundle records which binary containerd resolved the runtime name to.
      String id = uniqueId("dbg-sleep");
      containerd.ctr("run", "-d", "--runtime", "io.containerd.runcdbg.v2",
          "--rootfs", containerd.rootfs().toString(), id, "/bin/sleep", "300").requireSuccess();
      Path bundle = containerd.stateDir().resolve("io.containerd.runtime.v2.task/default/" + id);
      assertThat(Files.readString(bundle.resolve("shim-binary-path"))).isEqualTo(shim.toString());
      List<Long> shims = containerd.shimPids();
      assertThat(shims).isNotEmpty();
      Path real = env.debugShim().toRealPath();
      assertThat(shims).anyMatch(pid -> exe(pid).equals(real));

      containerd.ctr("tasks", "delete", "--force", id).requireSuccess();
      containerd.ctr("containers", "delete", id).requireSuccess();
    } finally {
      Files.delete(shim);
    }
  }

  @Test
  void stopRemovesLongRunningContainersTheirShimsAndEveryFile() throws Exception {
    PrivateContainerd own = PrivateContainerd.create();
    own.start();
    try {
      Path base = own.baseDir();
      String socket = own.socket().toString();
      String rootfs = own.rootfs().toString();
      String detached = uniqueId("sleep-d");
      own.ctr("run", "-d", "--rootfs", rootfs, detached, "/bin/sleep", "300").requireSuccess();
      String attached = uniqueId("sleep-a");
      RunningCommand blocked = own.ctrAsync("run", "--rm", "--rootfs", rootfs, attached, "/bin/sleep", "300");
      await(() -> runningTaskPids(own).size() == 2, () -> "two running tasks: " + own.ctr("tasks", "ls").stdout());
      List<Long> containerPids = runningTaskPids(own);
      List<Long> shims = own.shimPids();
      List<Path> shimSockets = shimSockets(own.stateDir());
      assertThat(shims).isNotEmpty();
      assertThat(shimSockets).hasSize(2).allMatch(Files::exists);
      assertThat(blocked.isAlive()).isTrue();

      own.stop();

      assertThat(blocked.isAlive()).isFalse();
      assertThat(containerPids).allMatch(Procfs::isGone);
      assertThat(shims).allMatch(Procfs::isGone);
      assertThat(processesNaming(socket)).isEmpty();
      assertThat(shimSockets).noneMatch(Files::exists);
      assertThat(runcBundlesUnder(base)).isEmpty();
      assertThat(base).doesNotExist();
    } finally {
      own.stop();
    }
  }

  @Test
  void stopCleansUpAfterContainerdWasKilled() throws Exception {
    PrivateContainerd own = PrivateContainerd.create();
    own.start();
    try {
      Path base = own.baseDir();
      String socket = own.socket().toString();
      own.ctr("run", "-d", "--rootfs", own.rootfs().toString(), uniqueId("orphan"), "/bin/sleep", "300").requireSuccess();
      List<Long> containerPids = runningTaskPids(own);
      List<Long> shims = own.shimPids();
      ProcessHandle containerdProcess = ProcessHandle.of(own.containerdPid()).orElseThrow();
      containerdProcess.destroyForcibly();
      containerdProcess.onExit().get();
      assertThat(shims).noneMatch(Procfs::isGone); // the shim outlives containerd, as in production

      own.stop();

      assertThat(containerPids).isNotEmpty().allMatch(Procfs::isGone);
      assertThat(processesNaming(socket)).isEmpty();
      assertThat(runcBundlesUnder(base)).isEmpty();
      assertThat(base).doesNotExist();
    } finally {
      own.stop();
    }
  }

  @Test
  void stopUnmountsWhatIsMountedInsideWithoutTouchingBindMountedFiles(@TempDir Path host) throws Exception {
    Path precious = Files.writeString(host.resolve("precious"), "keep me");
    PrivateContainerd own = PrivateContainerd.create();
    own.start();
    try {
      Path base = own.baseDir();
      Path bind = Files.createDirectories(base.resolve("mnt/bind"));
      Path tmpfs = Files.createDirectories(base.resolve("mnt/tmpfs"));
      mount("--bind", host.toString(), bind.toString());
      mount("-t", "tmpfs", "tmpfs", tmpfs.toString());
      Files.createDirectories(tmpfs.resolve("nested"));
      mount("-t", "tmpfs", "tmpfs", tmpfs.resolve("nested").toString());
      assertThat(Procfs.mountPointsUnder(base)).hasSize(3);

      own.stop();

      assertThat(Procfs.mountPointsUnder(base)).isEmpty();
      assertThat(base).doesNotExist();
      assertThat(precious).hasContent("keep me");
    } finally {
      own.stop();
    }
  }

  private static void mount(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(TestEnv.findOnPath(TestEnv.SYSTEM_PATH, "mount").orElseThrow().toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(command + ": " + output).isZero();
  }

  @Test
  void stopKillsADebuggerHoldingAShimAtAHalt(@TempDir Path tmp) throws Exception {
    TestEnv env = TestEnv.require(TestEnv.Part.DLV, TestEnv.Part.DEBUG_SHIM);
    PrivateContainerd own = PrivateContainerd.create();
    own.start();
    try (RunningCommand dlv = attachDlvToAShim(own, env, tmp)) {
      String socket = own.socket().toString();
      List<Long> shims = own.shimPids();

      // A halted shim answers no request: without killing dlv first, every cleanup ctr call
      // would wait for its timeout.
      long started = System.nanoTime();
      own.stop();
      Duration took = Duration.ofNanos(System.nanoTime() - started);

      assertThat(took).isLessThan(Duration.ofSeconds(8));
      assertThat(dlv.isAlive()).isFalse();
      assertThat(shims).allMatch(Procfs::isGone);
      assertThat(processesNaming(socket)).isEmpty();
    } finally {
      own.stop();
    }
  }

  /** Runs a container on the debug shim and attaches dlv to its shim, which stays halted. */
  private static RunningCommand attachDlvToAShim(PrivateContainerd own, TestEnv env, Path tmp) throws Exception {
    Files.createSymbolicLink(own.optBin().resolve("containerd-shim-runcdbg-v2"), env.debugShim());
    own.ctr("run", "-d", "--runtime", "io.containerd.runcdbg.v2", "--rootfs", own.rootfs().toString(),
        uniqueId("halted"), "/bin/sleep", "300").requireSuccess();
    List<Long> shims = own.shimPids();
    assertThat(shims).hasSize(1);
    // Started by the test, not through containerd: its command line does not name the socket,
    // so only its being the shim's tracer ties it to this containerd.
    RunningCommand dlv = RunningCommand.start(List.of(env.dlv().toString(), "attach", shims.get(0).toString(),
        "--headless", "--accept-multiclient", "--api-version=2", "--listen=127.0.0.1:0"),
        Map.of("PATH", TestEnv.SYSTEM_PATH, "HOME", tmp.toString()), tmp.resolve("dlv"));
    await(() -> dlv.stdoutSoFar().contains("API server listening") || !dlv.isAlive(),
        () -> "dlv attached: " + dlv.stdoutSoFar() + dlv.stderrSoFar());
    // procfs names the tracer as the thread that attached, which in multi-threaded Delve need
    // not be its main thread: any thread of dlv counts.
    long tracer = Procfs.read(shims.get(0)).orElseThrow().tracerPid();
    assertThat(Path.of("/proc", Long.toString(dlv.pid()), "task", Long.toString(tracer)))
        .as("tracer %d is a thread of dlv %d: %s", tracer, dlv.pid(), dlv.stderrSoFar()).exists();
    return dlv;
  }

  @Test
  void startReapsWhatADeadRunLeftBehind() throws Exception {
    // A directory whose owner died: its lock file is unlocked, a process still names it.
    Path stale = BaseDir.PARENT.resolve("cd-" + HexFormat.of().formatHex(randomBytes(8)));
    Files.createDirectory(stale);
    Files.createFile(stale.resolve("owner.lock"));
    Files.createDirectories(stale.resolve("state"));
    // "; true" keeps sh from exec'ing sleep, so sleep is a descendant, not the named process.
    Process leftover = new ProcessBuilder("/bin/sh", "-c", "sleep 300; true", stale.resolve("x").toString()).start();
    try {
      await(() -> leftover.children().findAny().isPresent(), () -> "sh started sleep");
      long sleepPid = leftover.children().findAny().orElseThrow().pid();
      PrivateContainerd own = PrivateContainerd.create();
      own.start();
      own.stop();

      assertThat(stale).doesNotExist();
      assertThat(leftover.onExit().get(10, TimeUnit.SECONDS).isAlive()).isFalse();
      assertThat(Procfs.isGone(sleepPid)).isTrue();
      assertThat(processesNaming(stale.toString())).isEmpty();
    } finally {
      leftover.destroyForcibly();
    }
  }

  @Test
  void criPluginCanBeEnabled() throws Exception {
    try (PrivateContainerd withCri = PrivateContainerd.create().withCri()) {
      withCri.start();

      TomlParseResult config = Toml.parse(withCri.configPath());
      assertThat(config.getBoolean(List.of("plugins", "io.containerd.grpc.v1.cri", "restrict_oom_score_adj"))).isTrue();
      assertThat(pluginStatus(withCri, "io.containerd.grpc.v1", "cri")).isEqualTo("ok");
    }
    assertThat(pluginStatus(containerd, "io.containerd.grpc.v1", "cri")).isEqualTo("absent");
  }

  /** A containerd per test: these tests restart it and change its environment. */
  @Nested
  class PerTest {

    @RegisterExtension
    final PrivateContainerd own = PrivateContainerd.create();

    @Test
    void isPrivateAndFresh() throws IOException {
      assertThat(own.baseDir()).isNotEqualTo(containerd.baseDir());
      assertThat(own.baseDir().getParent()).isEqualTo(BaseDir.PARENT);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(own.baseDir()))).isEqualTo("rwx------");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(BaseDir.PARENT))).isEqualTo("rwx------");
      assertThat(own.ctr("containers", "ls", "-q").requireSuccess().stdout()).isBlank();
      assertThat(Files.readString(own.configPath())).contains(own.socket().toString(), own.optDir().toString());
    }

    @Test
    void restartAppliesAChangedConfigAndKeepsRunningShims() throws Exception {
      String id = uniqueId("survivor");
      own.ctr("run", "-d", "--rootfs", own.rootfs().toString(), id, "/bin/sleep", "300").requireSuccess();
      long before = own.containerdPid();
      assertThat(pluginStatus(own, "io.containerd.snapshotter.v1", "native")).isEqualTo("ok");

      String config = Files.readString(own.configPath());
      String changed = config.replace("disabled_plugins = [\"io.containerd.grpc.v1.cri\"]",
          "disabled_plugins = [\"io.containerd.grpc.v1.cri\", \"io.containerd.snapshotter.v1.native\"]");
      assertThat(changed).isNotEqualTo(config);
      Files.writeString(own.configPath(), changed);
      own.restart();

      assertThat(own.containerdPid()).isNotEqualTo(before);
      assertThat(pluginStatus(own, "io.containerd.snapshotter.v1", "native")).isEqualTo("absent");
      assertThat(own.ctr("tasks", "ls").requireSuccess().stdout()).containsPattern(id + "\\s+\\d+\\s+RUNNING");
      assertThat(own.ctr("run", "--rm", "--rootfs", own.rootfs().toString(), uniqueId("after"), "/bin/echo", "again")
          .requireSuccess().stdout()).isEqualTo("again\n");
    }

    @Test
    void environmentReachesTheShim() throws Exception {
      TestEnv env = TestEnv.require(TestEnv.Part.DEBUG_SHIM);
      Path record = own.baseDir().resolve("envcheck.env");
      Path wrapper = own.optBin().resolve("containerd-shim-envcheck-v2");
      // Records what containerd handed the shim, then becomes the real (debug) shim.
      Files.writeString(wrapper, "#!/bin/sh\nenv > '" + record + "'\nexec '" + env.debugShim() + "' \"$@\"\n");
      Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
      String mark = HexFormat.of().formatHex(randomBytes(8));

      own.environment(Map.of("KATADBG_TEST_MARK", mark));
      own.restart();
      CommandResult result = own.ctr("run", "--rm", "--runtime", "io.containerd.envcheck.v2",
          "--rootfs", own.rootfs().toString(), uniqueId("envcheck"), "/bin/echo", "hello").requireSuccess();

      assertThat(result.stdout()).isEqualTo("hello\n");
      List<String> shimEnvironment = Files.readAllLines(record);
      assertThat(shimEnvironment).contains("KATADBG_TEST_MARK=" + mark, "TTRPC_ADDRESS=" + own.ttrpcSocket());
      // The opt plugin put <opt>/bin first on containerd's PATH, which shims inherit.
      assertThat(shimEnvironment).anyMatch(line -> line.startsWith("PATH=" + own.optBin() + ":"));
    }
  }

  // ---- helpers

  /** "ok", "skip", "error" as {@code ctr plugins ls} shows it, or "absent" when not listed. */
  private static String pluginStatus(PrivateContainerd c, String type, String id) {
    for (String line : c.ctr("plugins", "ls").requireSuccess().stdout().split("\n")) {
      String[] columns = line.trim().split("\\s+");
      if (columns.length >= 3 && columns[0].equals(type) && columns[1].equals(id)) {
        return columns[columns.length - 1];
      }
    }
    return "absent";
  }

  private static List<Long> runningTaskPids(PrivateContainerd c) {
    List<Long> pids = new ArrayList<>();
    for (String line : c.ctr("tasks", "ls").requireSuccess().stdout().split("\n")) {
      String[] columns = line.trim().split("\\s+");
      if (columns.length == 3 && columns[2].equals("RUNNING")) {
        pids.add(Long.parseLong(columns[1]));
      }
    }
    return pids;
  }

  private static List<Path> shimSockets(Path stateDir) throws IOException {
    List<Path> sockets = new ArrayList<>();
    try (var bundles = Files.list(stateDir.resolve("io.containerd.runtime.v2.task/default"))) {
      for (Path bundle : (Iterable<Path>) bundles::iterator) {
        sockets.add(Path.of(Files.readString(bundle.resolve("address")).trim().substring("unix://".length())));
      }
    }
    return sockets;
  }

  private static List<Long> processesNaming(String text) {
    return Procfs.processes().stream().filter(p -> !p.exited() && p.argsContain(text)).map(Procfs.Proc::pid).toList();
  }

  /** Ids of runc containers (any namespace) whose bundle is under {@code base}. */
  private static List<String> runcBundlesUnder(Path base) throws Exception {
    List<String> ids = new ArrayList<>();
    if (!Files.isDirectory(Reaper.RUNC_ROOT)) {
      return ids;
    }
    try (var roots = Files.list(Reaper.RUNC_ROOT)) {
      for (Path root : (Iterable<Path>) roots::iterator) {
        Process p = new ProcessBuilder(TestEnv.get().runc().toString(), "--root", root.toString(), "list", "-f", "json")
            .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String json = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        var parsed = JsonParser.parseString(json.isBlank() ? "null" : json);
        if (parsed.isJsonArray()) {
          parsed.getAsJsonArray().forEach(c -> {
            if (Path.of(c.getAsJsonObject().get("bundle").getAsString()).startsWith(base)) {
              ids.add(c.getAsJsonObject().get("id").getAsString());
            }
          });
        }
      }
    }
    return ids;
  }

  private static Path exe(long pid) {
    try {
      return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe"));
    } catch (IOException e) {
      return Path.of("/nonexistent");
    }
  }

  private static void await(BooleanSupplier condition, Supplier<String> what) {
    try {
      Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).pollInSameThread()
          .until(condition::getAsBoolean);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("not within " + WAIT + ": " + what.get());
    }
  }

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    ThreadLocalRandom.current().nextBytes(bytes);
    return bytes;
  }
}
