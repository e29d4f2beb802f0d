package dev.katadbg.testenv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real containerd of the test's own: own directory, config, sockets and opt/bin, started as a
 * child process and torn down completely afterwards.
 *
 * <pre>{@code
 * @RegisterExtension static PrivateContainerd containerd = PrivateContainerd.create();  // per class
 * @RegisterExtension PrivateContainerd containerd = PrivateContainerd.create();         // per test
 * }</pre>
 *
 * <p>containerd runs with a systemd-like environment: {@code PATH=}{@link TestEnv#SYSTEM_PATH}
 * plus {@link #environment(Map)}, nothing inherited from the build (a stray {@code
 * JAVA_TOOL_OPTIONS} would reach every shim, and a JVM-based shim prints it on stderr, which
 * corrupts its {@code start} reply). containerd passes its environment on to the shims.
 *
 * <p>containerd caches which binary a runtime name resolved to for its whole life: a test that
 * replaces a shim in {@link #optBin()} after using it must {@link #restart()}.
 *
 * <p>By default it runs the machine's containerd and ctr ({@link TestEnv.Part#CONTAINERD});
 * {@link #containerd(Path)} picks another pair, e.g. containerd 2.1 from {@code .deps}. The
 * config is written in the format that containerd's major version reads natively.
 */
public final class PrivateContainerd
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration CTR_TIMEOUT = Duration.ofSeconds(30);
  /** Bounded: a cleanup request that hangs (a shim stopped by someone) is given up on; the Reaper follows. */
  private static final Duration CLEANUP_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration SHIM_EXIT_TIMEOUT = Duration.ofSeconds(3);
  private static final int LOG_TAIL_LINES = 40;

  private boolean cri;
  /** Holds the containerd and ctr to run; null: the ones on {@link TestEnv#SYSTEM_PATH}. */
  private Path binDir;
  private int containerdMajor;
  private volatile Map<String, String> extraEnvironment = Map.of();
  private final List<Path> removedAfterStop = new ArrayList<>();

  private int classScopes;

  private TestEnv env;
  private BaseDir baseDir;
  private Ctr ctr;
  private ContainerdProcess containerd;
  private Path rootfs;
  private Thread shutdownHook;

  private PrivateContainerd() {}

  /** A private containerd with the CRI plugin disabled. */
  public static PrivateContainerd create() {
    return new PrivateContainerd();
  }

  /**
   * Enables the CRI plugin (with {@code restrict_oom_score_adj = true}, which runc needs here).
   * Only before the first start: later, edit {@link #configPath()} and {@link #restart()}.
   */
  public synchronized PrivateContainerd withCri() {
    if (baseDir != null) {
      throw new IllegalStateException("withCri() after start: edit configPath() and restart() instead");
    }
    cri = true;
    return this;
  }

  /**
   * Runs {@code binDir/containerd} and talks to it with {@code binDir/ctr} (each containerd
   * release brings its own ctr), e.g. {@code env.binDir(TestEnv.Part.CONTAINERD_2_1)}. Only
   * before the first start.
   */
  public synchronized PrivateContainerd containerd(Path binDir) {
    if (baseDir != null) {
      throw new IllegalStateException("containerd(binDir) after start: " + baseDir.path());
    }
    this.binDir = binDir.toAbsolutePath().normalize();
    return this;
  }

  /**
   * Extra environment variables for containerd, and so for every shim it starts (e.g.
   * {@code KATADBG_CONFIG}). Replaces earlier extras; takes effect at the next start or
   * {@link #restart()}. May override PATH.
   */
  public PrivateContainerd environment(Map<String, String> variables) {
    extraEnvironment = Map.copyOf(variables);
    return this;
  }

  /**
   * A directory of the test class's own (its katadbg config and session state) to remove when
   * the class's containerd has stopped. Not in the class's {@code @AfterAll}: that runs before
   * this extension's, while containerd still deletes the tasks through the wrapper, and a state
   * directory removed then was found recreated in part (an empty {@code sessions/default}) in 2
   * of 12 CI runs.
   */
  public synchronized PrivateContainerd removingAfterStop(Path dir) {
    removedAfterStop.add(dir);
    return this;
  }

  // ---- JUnit lifecycle: a static field gets the *All callbacks, an instance field only *Each.

  // @Nested classes inherit a static extension and call beforeAll/afterAll again: count them.

  @Override
  public synchronized void beforeAll(ExtensionContext context) {
    if (classScopes == 0) {
      start();
    }
    classScopes++;
  }

  @Override
  public synchronized void afterAll(ExtensionContext context) {
    if (classScopes > 0 && --classScopes == 0) {
      try {
        stopAfter(context);
      } finally {
        removedAfterStop.forEach(TestDirs::delete);
      }
    }
  }

  @Override
  public synchronized void beforeEach(ExtensionContext context) {
    if (baseDir == null) {
      start();
    } else if (!containerd.isAlive()) {
      // A shared containerd that died in an earlier test would fail every later one obscurely.
      System.err.printf("[PrivateContainerd] containerd had exited (%d); restarting for %s. Log tail:%n%s%n",
          containerd.exitValue(), context.getDisplayName(), logTail(LOG_TAIL_LINES));
      restart();
    }
  }

  @Override
  public synchronized void afterEach(ExtensionContext context) {
    if (classScopes == 0) {
      stopAfter(context);
    } else if (context.getExecutionException().isPresent()) {
      printLogTail(context);
    }
  }

  private void stopAfter(ExtensionContext context) {
    if (context.getExecutionException().isPresent()) {
      printLogTail(context);
    }
    stop();
  }

  private void printLogTail(ExtensionContext context) {
    if (baseDir != null) {
      System.err.printf("[PrivateContainerd] %s failed; containerd log tail (%s):%n%s%n",
          context.getDisplayName(), logFile(), logTail(LOG_TAIL_LINES));
    }
  }

  // ---- Lifecycle

  /** Creates the directories and config, starts containerd and waits until it answers. */
  public synchronized void start() {
    if (baseDir != null) {
      throw new IllegalStateException("already started: " + baseDir.path());
    }
    env = binDir == null
        ? TestEnv.require(TestEnv.Part.CONTAINERD, TestEnv.Part.CTR, TestEnv.Part.RUNC, TestEnv.Part.BUSYBOX)
        : TestEnv.require(TestEnv.Part.RUNC, TestEnv.Part.BUSYBOX);
    for (Path binary : List.of(containerdBinary(), ctrBinary())) {
      if (!Files.isRegularFile(binary) || !Files.isExecutable(binary)) {
        throw new IllegalStateException("no executable " + binary + " (run " + TestEnv.SETUP_SCRIPT + ")");
      }
    }
    containerdMajor = ContainerdConfig.majorVersion(versionOf(containerdBinary()));
    reapStaleDirs();
    try {
      baseDir = BaseDir.create();
      shutdownHook = new Thread(this::emergencyCleanup, "PrivateContainerd cleanup " + baseDir.path());
      Runtime.getRuntime().addShutdownHook(shutdownHook);
      Files.createDirectories(optBin());
      ctr = new Ctr(ctrBinary(), socket(), baseDir().resolve("fifo"), Files.createDirectories(baseDir().resolve("cmd")));
      Files.writeString(configPath(), new ContainerdConfig(rootDir(), stateDir(), socket(), ttrpcSocket(),
          optDir(), cri, containerdMajor).toToml());
      launch();
    } catch (IOException | RuntimeException | Error e) {
      String tail = baseDir != null ? logTail(LOG_TAIL_LINES) : "";
      try {
        stop();
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw new IllegalStateException("start private containerd: " + e.getMessage()
          + (tail.isEmpty() ? "" : "\n--- containerd log tail ---\n" + tail), e);
    }
  }

  /**
   * Stops containerd (SIGTERM, then SIGKILL) and starts it again with the current config file
   * and environment. Shims keep running, as with a real daemon restart, and are reloaded.
   */
  public synchronized void restart() {
    requireStarted();
    stopContainerd();
    launch();
  }

  /**
   * Removes every trace: tasks and containers (through containerd), containerd, then any shim
   * or dlv still tied to this containerd, runc containers whose bundle is here, shim sockets,
   * mounts and the directory. Fails if something could not be removed.
   */
  public synchronized void stop() {
    if (baseDir == null) {
      return;
    }
    Path base = baseDir.path();
    Reaper reaper = new Reaper(base, env.runc());
    List<String> problems = new ArrayList<>();
    try {
      problems.addAll(reaper.killDebuggers());
      try {
        if (containerd != null && containerd.isAlive()) {
          ctr.deleteEverything(CLEANUP_TIMEOUT);
          awaitShimsExit();
        }
      } catch (RuntimeException | AssertionError e) {
        // Only the polite half failed; the Reaper below removes the rest regardless.
        System.err.println("[PrivateContainerd] cleanup through containerd failed: " + e.getMessage());
      }
      if (ctr != null) {
        ctr.killAll();
      }
      stopContainerd();
      problems.addAll(reaper.reap(stateDir()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      problems.add("interrupted");
    } finally {
      try {
        baseDir.close();
      } catch (IOException e) {
        problems.add("release lock: " + e);
      }
      removeShutdownHook();
      baseDir = null;
      ctr = null;
      containerd = null;
      rootfs = null;
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException("clean up private containerd " + base + ": " + String.join("; ", problems));
    }
  }

  @Override
  public void close() {
    stop();
  }

  /** The containerd binary this runs: {@code binDir/containerd}, or the machine's. */
  public synchronized Path containerdBinary() {
    return binDir != null ? binDir.resolve("containerd") : TestEnv.get().containerd();
  }

  /** The ctr that {@link #ctr(String...)} runs: {@code binDir/ctr}, or the machine's. */
  public synchronized Path ctrBinary() {
    return binDir != null ? binDir.resolve("ctr") : TestEnv.get().ctr();
  }

  /** The major version of {@link #containerdBinary()}, as read at the last start; 0 before. */
  public synchronized int containerdMajorVersion() {
    return containerdMajor;
  }

  public synchronized boolean isRunning() {
    return containerd != null && containerd.isAlive();
  }

  // ---- Where things are

  /** The private directory everything lives in: /run/katadbg-test/cd-*, mode 0700. */
  public synchronized Path baseDir() {
    requireStarted();
    return baseDir.path();
  }

  /** containerd's gRPC socket, for {@code ctr -a} and the shims' {@code -address}. */
  public Path socket() {
    return baseDir().resolve("containerd.sock");
  }

  public Path ttrpcSocket() {
    return baseDir().resolve("containerd.sock.ttrpc");
  }

  /** The generated config.toml; rewrite it and call {@link #restart()} to change the config. */
  public Path configPath() {
    return baseDir().resolve("config.toml");
  }

  /** containerd's stdout and stderr, appended across restarts. */
  public Path logFile() {
    return baseDir().resolve("containerd.log");
  }

  public Path rootDir() {
    return baseDir().resolve("root");
  }

  public Path stateDir() {
    return baseDir().resolve("state");
  }

  /** The opt plugin's path. */
  public Path optDir() {
    return baseDir().resolve("opt");
  }

  /**
   * {@code <opt>/bin}, which containerd puts first on its PATH: a shim binary {@code
   * containerd-shim-NAME-v2} dropped here serves runtime {@code io.containerd.NAME.v2}.
   */
  public Path optBin() {
    return optDir().resolve("bin");
  }

  /** A busybox rootfs for {@code ctr run --rootfs DIR}, made on first use and shared by tests. */
  public synchronized Path rootfs() {
    if (rootfs == null) {
      try {
        rootfs = BusyboxRootfs.create(baseDir().resolve("rootfs"), env.busybox());
      } catch (IOException e) {
        throw new UncheckedIOException("create busybox rootfs", e);
      }
    }
    return rootfs;
  }

  public synchronized long containerdPid() {
    requireStarted();
    return containerd.pid();
  }

  /**
   * Processes started by this containerd as shims (any command line with {@code -address
   * <socket>}): the {@code start}/{@code delete} invocations, daemons, and wrappers.
   */
  public List<Long> shimPids() {
    String address = socket().toString();
    return Procfs.processes().stream().filter(p -> !p.exited() && p.isShimOf(address))
        .map(Procfs.Proc::pid).toList();
  }

  /** The last lines of containerd's log. */
  public String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(logFile(), StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (NoSuchFileException e) {
      return "";
    } catch (IOException e) {
      return "(cannot read " + logFile() + ": " + e + ")";
    }
  }

  /** A container id no other test (or other containerd on this host) uses: {@code prefix-8hex}. */
  public static String uniqueId(String prefix) {
    byte[] random = new byte[4];
    ThreadLocalRandom.current().nextBytes(random);
    return prefix + "-" + HexFormat.of().formatHex(random);
  }

  // ---- ctr

  /**
   * Runs {@code ctr -a SOCKET ARGS...} and waits up to 30 s. Flags go before positionals:
   * {@code ctr("run", "--rm", "--rootfs", rootfs().toString(), id, "/bin/echo", "hi")}.
   */
  public CommandResult ctr(String... args) {
    return ctr(CTR_TIMEOUT, args);
  }

  /** Runs ctr, failing the test (after killing ctr) if it takes longer than {@code timeout}. */
  public CommandResult ctr(Duration timeout, String... args) {
    return ctrClient().run(timeout, args);
  }

  /**
   * Starts ctr without waiting, e.g. a {@code ctr run} that blocks while its shim sits at a
   * breakpoint; {@link RunningCommand#waitFor} it with a timeout. {@link #stop()} kills it.
   */
  public RunningCommand ctrAsync(String... args) {
    return ctrClient().start(args);
  }

  // ---- internals

  private synchronized Ctr ctrClient() {
    requireStarted();
    return ctr;
  }

  private void requireStarted() {
    if (baseDir == null) {
      throw new IllegalStateException(
          "private containerd not started: register it with @RegisterExtension or call start()");
    }
  }

  private void launch() {
    Map<String, String> environment = new LinkedHashMap<>();
    environment.put("PATH", TestEnv.SYSTEM_PATH);
    environment.putAll(extraEnvironment);
    containerd = ContainerdProcess.start(containerdBinary(), configPath(), baseDir.path(), logFile(), environment);
    containerd.awaitReady(ctr, START_TIMEOUT, () -> logTail(LOG_TAIL_LINES));
  }

  /** {@code containerd --version}'s output, with containerd's environment. */
  private static String versionOf(Path containerd) {
    try {
      ProcessBuilder builder = new ProcessBuilder(containerd.toString(), "--version").redirectErrorStream(true);
      builder.environment().clear();
      builder.environment().put("PATH", TestEnv.SYSTEM_PATH);
      Process p = builder.start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException(containerd + " --version failed: " + output);
      }
      return output;
    } catch (IOException e) {
      throw new UncheckedIOException(containerd + " --version", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + containerd + " --version", e);
    }
  }

  /**
   * Gives shims whose tasks were deleted a moment to exit by themselves: a shim removes its
   * socket from /run/containerd/s only then.
   */
  private void awaitShimsExit() {
    try {
      Awaitility.await().atMost(SHIM_EXIT_TIMEOUT).pollInterval(Duration.ofMillis(20))
          .pollInSameThread().until(() -> shimPids().isEmpty());
    } catch (ConditionTimeoutException e) {
      // The ones left are killed next.
    }
  }

  private void stopContainerd() {
    if (containerd != null) {
      containerd.stop(STOP_TIMEOUT);
    }
  }

  /** Runs when the JVM exits with this containerd still up (e.g. the build was interrupted). */
  private void emergencyCleanup() {
    BaseDir dir = baseDir;
    ContainerdProcess process = containerd;
    if (dir == null) {
      return;
    }
    try {
      if (process != null) {
        process.kill();
      }
      List<String> problems = new Reaper(dir.path(), env.runc()).reap(dir.path().resolve("state"));
      if (!problems.isEmpty()) {
        System.err.println("[PrivateContainerd] cleanup at exit: " + problems);
      }
    } catch (InterruptedException | RuntimeException e) {
      System.err.println("[PrivateContainerd] cleanup at exit: " + e);
    }
  }

  private void removeShutdownHook() {
    if (shutdownHook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException alreadyShuttingDown) {
        // the hook runs or ran already
      }
      shutdownHook = null;
    }
  }

  /** Reaps directories (and processes, runc containers, mounts) left by runs whose JVM died. */
  private void reapStaleDirs() {
    try {
      BaseDir.forEachStale(dir -> {
        try {
          List<String> problems = new Reaper(dir, env.runc()).reap(dir.resolve("state"));
          System.err.println("[PrivateContainerd] reaped " + dir + " left by a dead run"
              + (problems.isEmpty() ? "" : ": " + problems));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
    } catch (IOException e) {
      System.err.println("[PrivateContainerd] scan for stale directories: " + e);
    }
  }
}
