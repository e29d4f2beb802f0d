package dev.katadbg.shim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katadbg.testenv.TestEnv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every call that is not a new sandbox's start must reach the real shim untouched: the same
 * stdout and stderr bytes and the same exit status as calling the real shim directly.
 */
class PassThroughIT {
  @TempDir static Path dir;
  static TestEnv env;
  static Path config;
  /** The same config spelled so the launcher's shell fast path declines it: the JVM path. */
  static Path jvmConfig;

  @BeforeAll
  static void configure() throws IOException {
    env = TestEnv.require(TestEnv.Part.DEBUG_SHIM, TestEnv.Part.DLV);
    config = dir.resolve("katadbg.toml");
    Files.writeString(config, "[shim]\nbinary = \"" + env.debugShim() + "\"\n[state]\ndir = \""
        + dir.resolve("state") + "\"\n");
    jvmConfig = dir.resolve("katadbg-literal.toml");
    Files.writeString(jvmConfig, "[shim]\nbinary = '" + env.debugShim() + "'\n[state]\ndir = \""
        + dir.resolve("state") + "\"\n");
    Files.createDirectories(dir.resolve("bundle"));
  }

  record Run(byte[] stdout, byte[] stderr, int exit) {}

  static Run run(Path binary, List<String> args, byte[] stdin) throws Exception {
    return run(binary, args, stdin, config);
  }

  static Run run(Path binary, List<String> args, byte[] stdin, Path cfg) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(binary.toString());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.resolve("bundle").toFile());
    pb.environment().put("KATADBG_CONFIG", cfg.toString());
    // A start's resident katadbg, in this test's directory: it ends when that is removed.
    pb.environment().put("KATADBG_SERVER_DIR", dir.resolve("cli").toString());
    Process p = pb.start();
    try (var in = p.getOutputStream()) {
      in.write(stdin);
    } catch (IOException e) {
      // The call ended without reading its stdin (as -v does); the runtime manager ignores that.
    }
    byte[][] out = new byte[2][];
    Thread t = new Thread(() -> {
      try {
        out[1] = p.getErrorStream().readAllBytes();
      } catch (IOException e) {
        out[1] = new byte[0];
      }
    });
    t.start();
    out[0] = p.getInputStream().readAllBytes();
    t.join();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Run(out[0], out[1], p.exitValue());
  }

  static Stream<Arguments> callsNotEndingInStart() {
    return calls().filter(a -> {
      List<?> args = (List<?>) a.get()[1];
      return !args.get(args.size() - 1).equals("start");
    });
  }

  static Stream<Arguments> calls() {
    return Stream.of(
        Arguments.of("version", List.of("-v")),
        Arguments.of("unknown long flag", List.of("--version")),
        Arguments.of("help", List.of("-help")),
        Arguments.of("info (unknown to 1.6 shims)", List.of("-info")),
        Arguments.of("features", List.of("features")),
        Arguments.of("unknown flag before start", List.of("-bogus", "start")),
        Arguments.of("daemon mode", List.of("-namespace", "default", "-id", "x", "-address",
            "/nonexistent")),
        Arguments.of("delete", List.of("-namespace", "default", "-id", "nope", "-address",
            "/nonexistent.sock", "-publish-binary", "/usr/bin/containerd", "-bundle",
            "/nonexistent/nope", "delete")),
        Arguments.of("start with a trailing word", List.of("-namespace", "default", "-id", "x",
            "start", "extra")),
        Arguments.of("start with an empty id", List.of("-namespace", "default", "-id", "",
            "start")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("calls")
  void isByteIdenticalToTheRealShim(String name, List<String> args) throws Exception {
    Path wrapper = env.dist().resolve("bin/containerd-shim-katadbg-v2");
    byte[] stdin = {0x0a, 0x03, 'a', 'b', 'c'};
    Run real = run(env.debugShim(), args, stdin);
    Run wrapped = run(wrapper, args, stdin);
    assertSame(real, wrapped);
  }

  /**
   * Byte for byte, except one line no two runs of the real shim share: its signal loop
   * sometimes logs "starting signal loop" with its own pid and time before the call ends, also
   * right after an error message that has no newline of its own ("delete": "...no such file or
   * directorytime=..." in one CI run).
   */
  static void assertSame(Run real, Run wrapped) {
    assertThat(new String(wrapped.stdout())).isEqualTo(new String(real.stdout()));
    assertThat(wrapped.stdout()).isEqualTo(real.stdout());
    assertThat(withoutSignalLoopLine(wrapped.stderr()))
        .isEqualTo(withoutSignalLoopLine(real.stderr()));
    assertThat(wrapped.exit()).isEqualTo(real.exit());
  }

  static String withoutSignalLoopLine(byte[] stderr) {
    return new String(stderr).replaceAll("time=\\S+ level=info msg=\"starting signal loop\""
        + ".*\\n", "");
  }

  @Test
  void theSignalLoopLineIsDroppedAlsoAfterAnUnterminatedLine() {
    String line = "time=\"2026-12-07T12:19:34Z\" level=info msg=\"starting signal loop\""
        + " namespace=default pid=22369 runtime=io.containerd.runc.v2\n";
    assertThat(withoutSignalLoopLine(("a: no such file or directory" + line).getBytes()))
        .isEqualTo("a: no such file or directory");
    assertThat(withoutSignalLoopLine(("x\n" + line + "y\n").getBytes())).isEqualTo("x\ny\n");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("calls")
  void isByteIdenticalToTheRealShimThroughTheJvmToo(String name, List<String> args)
      throws Exception {
    Path wrapper = env.dist().resolve("bin/containerd-shim-katadbg-v2");
    byte[] stdin = {0x0a, 0x03, 'a', 'b', 'c'};
    Run real = run(env.debugShim(), args, stdin);
    Run wrapped = run(wrapper, args, stdin, jvmConfig);
    assertSame(real, wrapped);
  }

  /**
   * A config that katadbg cannot parse (here a later table's syntax error) still gives every
   * call but start to the real shim: containerd's cleanup `delete` must not fail with it. (A
   * call ending in "start" needs the config to find the real shim at all.)
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("callsNotEndingInStart")
  void isByteIdenticalToTheRealShimWithAMalformedConfig(String name, List<String> args)
      throws Exception {
    Path broken = dir.resolve("katadbg-broken.toml");
    Files.writeString(broken, "[shim]\nbinary = \"" + env.debugShim() + "\"\n[debugger]\n"
        + "wait_for_client = \n");
    byte[] stdin = {0x0a, 0x03, 'a', 'b', 'c'};
    Run real = run(env.debugShim(), args, stdin);
    Run wrapped = run(env.dist().resolve("bin/containerd-shim-katadbg-v2"), args, stdin, broken);
    assertSame(real, wrapped);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("calls")
  void startsNoDebugger(String name, List<String> args) throws Exception {
    run(env.dist().resolve("bin/containerd-shim-katadbg-v2"), args, new byte[0]);
    assertThat(Files.exists(dir.resolve("state/sessions/default/x"))).isFalse();
  }

}
