package dev.katadbg.run;

import static dev.katadbg.testenv.PrivateContainerd.uniqueId;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.katadbg.cli.Main;
import dev.katadbg.delve.DebuggerState;
import dev.katadbg.delve.DelveAddress;
import dev.katadbg.delve.DelveClient;
import dev.katadbg.testenv.Await;
import dev.katadbg.testenv.TestDirs;
import dev.katadbg.testenv.TestEnv;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code katadbg run} end to end with NO containerd: the built launcher drives the DWARF debug
 * runc shim (and, with --debug, Delve 1.24) over katadbg's own ttrpc stack.
 */
class RunIT {
  static final String CREATE =
      "github.com/containerd/containerd/runtime/v2/runc/task.(*service).Create";
  static final Duration WAIT = Duration.ofSeconds(90);

  static TestEnv env;
  static Path base;
  static Path rootfs;
  static Path config;

  @BeforeAll
  static void setUp() throws IOException {
    env = TestEnv.require(TestEnv.Part.DEBUG_SHIM, TestEnv.Part.DLV, TestEnv.Part.RUNC,
        TestEnv.Part.BUSYBOX);
    base = TestDirs.create("run");
    rootfs = base.resolve("rootfs");
    Path bin = Files.createDirectories(rootfs.resolve("bin"));
    Files.copy(env.busybox(), bin.resolve("busybox"));
    for (String a : List.of("sh", "echo", "sleep", "cat")) {
      Files.createSymbolicLink(bin.resolve(a), Path.of("busybox"));
    }
    for (String d : List.of("proc", "sys", "dev", "tmp")) {
      Files.createDirectories(rootfs.resolve(d));
    }
    config = base.resolve("katadbg.toml");
    writeConfig("");
  }

  /**
   * A test that failed half-way (a run that never ended, say) leaves the launcher, a shim and
   * a Delve: every process still naming this class's directory is ended, so the next test and
   * the next CI step start clean.
   */
  @AfterEach
  void endWhatAFailedTestLeft() {
    for (String p : processesMentioning(base.toString())) {
      long pid = Long.parseLong(p.substring(0, p.indexOf(' ')));
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  @AfterAll
  static void tearDown() throws IOException {
    if (base != null) {
      try (var walk = Files.walk(base)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  static void writeConfig(String debuggerExtra) throws IOException {
    Files.writeString(config, "[shim]\nbinary = \"" + env.debugShim() + "\"\n\n[debugger]\n"
        + "path = \"" + env.dlv() + "\"\n" + debuggerExtra + "\n[state]\ndir = \""
        + base.resolve("state") + "\"\n");
  }

  /** The launcher as a real process (so Ctrl-C is a real SIGINT), output into files. */
  record Launched(Process process, Path out, Path err) {
    String stdout() throws IOException {
      return Files.readString(out);
    }

    String stderr() throws IOException {
      return Files.readString(err);
    }

    int await() throws Exception {
      if (!process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("katadbg run did not finish; stderr:\n" + stderr());
      }
      return process.exitValue();
    }
  }

  static Launched launch(String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(env.dist().resolve("bin/katadbg").toString());
    cmd.addAll(List.of(args));
    return launchWithStdin(new File("/dev/null"), cmd);
  }

  static Launched launchWithStdin(File stdin, List<String> cmd) throws IOException {
    String stem = uniqueId("out");
    Path out = base.resolve(stem + ".out");
    Path err = base.resolve(stem + ".err");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(stdin)
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().clear();
    pb.environment().putAll(Map.of("PATH", TestEnv.SYSTEM_PATH,
        "KATADBG_CONFIG", config.toString()));
    return new Launched(pb.start(), out, err);
  }

  static List<String> events(String stderr) {
    return stderr.lines().filter(l -> l.startsWith("katadbg: event "))
        .map(l -> l.split(" ")[2]).toList();
  }

  static long leftovers() throws IOException {
    Path runs = base.resolve("state/run");
    if (!Files.isDirectory(runs)) {
      return 0;
    }
    try (var l = Files.list(runs)) {
      return l.count();
    }
  }

  @Test
  void outputArrivesExitStatusIsReturnedAndTheShimsEventsAreReceived() throws Exception {
    String id = uniqueId("run");
    Launched run = launch("run", "--shim", env.debugShim().toString(), "--rootfs",
        rootfs.toString(), "--id", id, "--", "sh", "-c",
        "echo out from the container; echo err from the container >&2; exit 7");
    assertThat(run.await()).as(run.stderr()).isEqualTo(7);
    assertThat(run.stdout()).isEqualTo("out from the container\n");
    assertThat(run.stderr()).contains("err from the container\n");
    assertThat(events(run.stderr())).as(run.stderr())
        .containsSubsequence("/tasks/create", "/tasks/start", "/tasks/exit", "/tasks/delete");
    assertThat(run.stderr()).contains("\"containerId\":\"" + id + "\"")
        .contains("\"exitStatus\":7").doesNotContain("shim delete failed");
    assertThat(leftovers()).as("work dirs left under state/run").isZero();
  }

  @Test
  void ctrlCKillsTheContainerAndCleansUp() throws Exception {
    String id = uniqueId("intr");
    Launched run = launch("run", "--rootfs", rootfs.toString(), "--id", id, "--",
        "sh", "-c", "echo started; sleep 600");
    await("the container's first output", () -> {
      try {
        return Optional.of(run.stdout()).filter(s -> s.contains("started"));
      } catch (IOException e) {
        return Optional.empty();
      }
    });
    new ProcessBuilder("kill", "-INT", Long.toString(run.process().pid())).start().waitFor();
    int code = run.await();
    assertThat(run.stderr()).contains("interrupted: killing " + id)
        .contains("deleted " + id);
    assertThat(code).as(run.stderr()).isNotZero();
    assertThat(leftovers()).as("work dirs left under state/run").isZero();
  }

  /**
   * Started as `cmd &` in a script starts it (SIGINT ignored, which a JVM cannot undo), Ctrl-C
   * still ends the run: the launcher restores SIGINT before the JVM starts.
   */
  @Test
  void ctrlCWorksWhenStartedWithSigintIgnored() throws Exception {
    String id = uniqueId("ign");
    List<String> cmd = List.of("sh", "-c", "trap '' INT; exec \"$@\"", "sh",
        env.dist().resolve("bin/katadbg").toString(), "run", "--rootfs", rootfs.toString(),
        "--id", id, "--", "sh", "-c", "echo started; sleep 600");
    Launched run = launchWithStdin(new File("/dev/null"), cmd);
    await("the container's first output", () -> {
      try {
        return Optional.of(run.stdout()).filter(s -> s.contains("started"));
      } catch (IOException e) {
        return Optional.empty();
      }
    });
    String ignored = Files.readString(Path.of("/proc/" + run.process().pid() + "/status"))
        .lines().filter(l -> l.startsWith("SigIgn:")).findFirst().orElseThrow();
    assertThat(Long.parseLong(ignored.split("\\s+")[1], 16) & 2).as("SIGINT ignored in the JVM")
        .isZero();
    new ProcessBuilder("kill", "-INT", Long.toString(run.process().pid())).start().waitFor();
    int code = run.await();
    assertThat(run.stderr()).contains("interrupted: killing " + id).contains("deleted " + id);
    assertThat(code).as(run.stderr()).isNotZero();
    assertThat(leftovers()).as("work dirs left under state/run").isZero();
  }

  /** Starts {@code katadbg run --debug} and waits until its shim stops at Create. */
  private Launched launchStoppedAtCreate(String id, String... command) throws Exception {
    List<String> args = new ArrayList<>(List.of("run", "--debug", "--rootfs", rootfs.toString(),
        "--id", id, "--"));
    args.addAll(List.of(command));
    Launched run = launch(args.toArray(String[]::new));
    JsonObject session = await("a running session for " + id, () -> sessions().stream()
        .filter(s -> s.get("id").getAsString().equals(id)
            && s.get("state").getAsString().equals("running")).findFirst());
    try (DelveClient c = DelveClient.connect(
        DelveAddress.parse(session.get("listen").getAsString()), Duration.ofSeconds(10))) {
      DebuggerState stop = await("the stop at Create", () -> Optional.of(c.state(true))
          .filter(s -> !s.running()));
      assertThat(stop.currentThread()).get().extracting(t -> t.function()).isEqualTo(CREATE);
    }
    return run;
  }

  @Test
  void theShimStaysAtACreateBreakpointFarLongerThanAnyRuntimeManagerWouldWait()
      throws Exception {
    writeConfig("wait_for_client = false\nbreakpoints = [\"" + CREATE + "\"]\n");
    try {
      String id = uniqueId("dbg");
      Launched run = launchStoppedAtCreate(id, "echo", "completed after the breakpoint");
      // containerd's task.state deadline is 2 s and kubelet's are minutes at most; katadbg
      // sends none. A deliberately long pause, not a timing assertion: the run must survive.
      Thread.sleep(8_000);
      assertThat(run.process().isAlive()).as(run.stderr()).isTrue();
      assertThat(run.stdout()).isEmpty();
      JsonObject session = sessions().stream().filter(s -> s.get("id").getAsString().equals(id))
          .findFirst().orElseThrow();
      try (DelveClient c = DelveClient.connect(
          DelveAddress.parse(session.get("listen").getAsString()), Duration.ofSeconds(10))) {
        c.continueAsync();
      }
      assertThat(run.await()).as(run.stderr()).isZero();
      assertThat(run.stdout()).isEqualTo("completed after the breakpoint\n");
      assertThat(events(run.stderr())).containsSubsequence("/tasks/create", "/tasks/exit");
    } finally {
      writeConfig("");
    }
  }

  @Test
  void stdinIsRelayedAndItsEndClosesTheContainersStdin() throws Exception {
    Path input = base.resolve(uniqueId("stdin"));
    Files.writeString(input, "hello\nfrom stdin\n");
    Launched run = launchWithStdin(input.toFile(), List.of(
        env.dist().resolve("bin/katadbg").toString(), "run", "--rootfs", rootfs.toString(),
        "--id", uniqueId("stdin"), "--", "cat"));
    // cat exits only when its stdin ends: the exit proves CloseIO reached it.
    assertThat(run.await()).as(run.stderr()).isZero();
    assertThat(run.stdout()).isEqualTo("hello\nfrom stdin\n");
    assertThat(leftovers()).as("work dirs left under state/run").isZero();
  }

  /**
   * {@code -t} under {@code script}, which gives katadbg a real terminal: the container sees a
   * terminal on stdin and stdout, of our terminal's size, and the user's terminal settings are
   * the same afterwards (raw mode restored).
   */
  @Test
  void ttyGivesTheContainerATerminalAndRestoresOurs() throws Exception {
    String id = uniqueId("tty");
    Path before = base.resolve(id + ".before");
    Path after = base.resolve(id + ".after");
    String inner = "stty rows 33 cols 97; stty -g > " + before + "; "
        + env.dist().resolve("bin/katadbg") + " run -t --rootfs " + rootfs + " --id " + id
        + " -- sh -c '[ -t 0 ] && [ -t 1 ] && echo both-are-terminals; busybox stty size;"
        + " exit 5'; echo katadbg-exit=$?; stty -g > " + after;
    Launched run = launchWithStdin(new File("/dev/null"),
        List.of("script", "-qec", inner, "/dev/null"));
    assertThat(run.await()).as(run.stderr()).isZero();
    assertThat(run.stdout()).as(run.stderr()).contains("both-are-terminals")
        .contains("katadbg-exit=5").as("ResizePty with our size").contains("33 97");
    assertThat(Files.readString(after)).as("terminal settings after the run")
        .isEqualTo(Files.readString(before));
    assertThat(Files.readString(before)).isNotBlank();
    assertThat(leftovers()).as("work dirs left under state/run").isZero();
  }

  @Test
  void aPreparedBundleNamedAfterTheIdRunsAndIsKept() throws Exception {
    String id = uniqueId("bundle");
    Path bundle = Files.createDirectories(base.resolve("bundles").resolve(id));
    Files.writeString(bundle.resolve("config.json"), OciConfig.json(rootfs,
        List.of("sh", "-c", "echo from the bundle; exit 4"), "default", id, false));
    Launched run = launch("run", "--bundle", bundle.toString(), "--id", id);
    assertThat(run.await()).as(run.stderr()).isEqualTo(4);
    assertThat(run.stdout()).isEqualTo("from the bundle\n");
    assertThat(events(run.stderr())).as(run.stderr())
        .containsSubsequence("/tasks/create", "/tasks/exit", "/tasks/delete");
    assertThat(run.stderr()).doesNotContain("shim delete failed").doesNotContain("failed:");
    assertThat(bundle.resolve("config.json")).as("the user's bundle is theirs").exists();
    assertThat(bundle.resolve("log")).as("our log FIFO is removed").doesNotExist();
    assertThat(leftovers()).as("work dirs left under state/run").isZero();
  }

  /**
   * Ctrl-C while the shim sits at a breakpoint in Create, before Create has returned: nobody
   * can ask the shim anything, so the run ends it and its Delve, and leaves nothing behind.
   */
  @Test
  void ctrlCAtACreateBreakpointEndsShimAndDelveAndLeavesNothing() throws Exception {
    writeConfig("wait_for_client = false\nbreakpoints = [\"" + CREATE + "\"]\n");
    try {
      String id = uniqueId("dbgint");
      Launched run = launchStoppedAtCreate(id, "echo", "never");
      assertThat(processesMentioning(id)).as("shim and dlv of the run while stopped")
          .isNotEmpty();
      new ProcessBuilder("kill", "-INT", Long.toString(run.process().pid())).start().waitFor();
      int code = run.await();
      assertThat(code).as(run.stderr()).isNotZero();
      assertThat(run.stderr()).contains("interrupted: killing " + id);
      assertThat(run.stdout()).isEmpty();
      await("no process of the run left", () -> Optional.of(processesMentioning(id))
          .filter(List::isEmpty));
      assertThat(base.resolve("state/sessions/default").resolve(id))
          .as("the session's directory").doesNotExist();
      assertThat(sessions()).noneMatch(s -> s.get("id").getAsString().equals(id));
      assertThat(leftovers()).as("work dirs (with the bundle) left under state/run").isZero();
    } finally {
      writeConfig("");
    }
  }

  /** Live processes whose command line mentions {@code word} (the shim's -id, dlv's args). */
  static List<String> processesMentioning(String word) {
    List<String> found = new ArrayList<>();
    try (var procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(d -> d.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")),
              StandardCharsets.UTF_8).replace('\0', ' ');
          String stat = Files.readString(p.resolve("stat"));
          boolean zombie = stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
          if (!zombie && cmdline.contains(word)) {
            found.add(p.getFileName() + " " + cmdline);
          }
        } catch (IOException e) {
          // Exited while we looked.
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return found;
  }

  @Test
  void usageErrorsAreOneLineWithExitCode2() throws Exception {
    Launched both = launch("run", "--bundle", "/x", "--rootfs", "/y", "--", "true");
    assertThat(both.await()).isEqualTo(2);
    Launched none = launch("run", "--rootfs", rootfs.toString());
    assertThat(none.await()).isEqualTo(2);
    assertThat(none.stderr()).contains("no command");
  }

  static List<JsonObject> sessions() {
    StringWriter out = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(new StringWriter()),
        Map.of("KATADBG_CONFIG", config.toString()), "sessions", "--json");
    assertThat(code).isZero();
    List<JsonObject> l = new ArrayList<>();
    for (JsonElement e : JsonParser.parseString(out.toString()).getAsJsonArray()) {
      l.add(e.getAsJsonObject());
    }
    return l;
  }

  static <T> T await(String what, Supplier<Optional<T>> probe) {
    return Await.until(what, WAIT, probe, () -> "");
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
