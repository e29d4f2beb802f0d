package dev.katadbg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katadbg.testenv.TestEnv;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built launcher with its C client and the resident server, as a user runs them: the first
 * query command runs in a JVM of its own and starts the server; the next ones run in the server
 * with the same bytes and exit status; commands the server does not run still work; an
 * unusable server directory or KATADBG_SERVER=0 means no server at all.
 */
class CliClientIT {
  @TempDir Path dir;
  Path serverDir;
  Path katadbg;
  Map<String, String> env;

  record Run(int exit, String out, String err) {}

  @BeforeEach
  void setUp() throws IOException {
    TestEnv t = TestEnv.get();
    katadbg = t.dist().resolve("bin/katadbg");
    serverDir = dir.resolve("srv");
    Path config = Files.writeString(dir.resolve("c.toml"), "[shim]\nbinary = \"/bin/true\"\n"
        + "[state]\ndir = \"" + dir.resolve("state") + "\"\n");
    env = Map.of("KATADBG_CONFIG", config.toString(), "KATADBG_SERVER_DIR",
        serverDir.toString(), "PATH", TestEnv.SYSTEM_PATH);
  }

  @AfterEach
  void endServers() throws Exception {
    // A server whose socket is gone ends within a second (CliServer's watch).
    try (var s = Files.list(serverDir)) {
      for (Path p : s.toList()) {
        Files.deleteIfExists(p);
      }
    } catch (java.nio.file.NoSuchFileException e) {
      return;
    }
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> servers().isEmpty());
  }

  /** Server JVMs serving a socket in this test's directory. */
  List<ProcessHandle> servers() {
    return ProcessHandle.allProcesses().filter(h -> h.info().arguments()
        .map(a -> List.of(a).contains("dev.katadbg.cli.CliServer")
            && String.join(" ", a).contains(serverDir.toString())).orElse(false)).toList();
  }

  Run katadbg(Map<String, String> extra, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(katadbg.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().clear();
    pb.environment().putAll(env);
    pb.environment().putAll(extra);
    Process p = pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .start();
    var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), out, err.get(10, TimeUnit.SECONDS));
  }

  Path socket() {
    return Awaitility.await("the server's socket in " + serverDir).atMost(Duration.ofSeconds(30))
        .until(() -> {
          try (var s = Files.list(serverDir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".sock")).findFirst();
          } catch (IOException e) {
            return Optional.<Path>empty();
          }
        }, Optional::isPresent).orElseThrow();
  }

  @Test
  void theFirstCallStartsTheServerAndTheNextOnesRunInItWithTheSameBytes() throws Exception {
    // The call that starts the server, from a shell's command substitution with one more copy
    // of its pipe (fd 3): the server must keep none of the caller's descriptors, or the shell
    // would wait for it for minutes.
    ProcessBuilder shell = new ProcessBuilder("/bin/sh", "-c",
        "out=$(\"$0\" sessions --json 3>&1); printf '%s' \"$out\"", katadbg.toString());
    shell.environment().clear();
    shell.environment().putAll(env);
    Process sh = shell.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .start();
    sh.getOutputStream().close();
    assertThat(sh.waitFor(60, TimeUnit.SECONDS)).as("the caller's pipe closed").isTrue();
    Path socket = socket();
    Run first = katadbg(Map.of("KATADBG_SERVER", "0"), "sessions", "--json");
    assertThat(new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
        .isEqualTo(first.out().stripTrailing());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(serverDir)))
        .isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
        .isEqualTo("rw-------");
    assertThat(servers()).hasSize(1);

    // No JVM could run these now: only the server can answer.
    Map<String, String> noJava = Map.of("KATADBG_JAVA", "/nonexistent/java");
    assertThat(katadbg(noJava, "sessions", "--json")).isEqualTo(first).extracting(Run::exit)
        .isEqualTo(0);
    Run missing = katadbg(noJava, "state", "nosuch");
    assertThat(missing.exit()).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(missing).isEqualTo(katadbg(Map.of("KATADBG_SERVER", "0"), "state", "nosuch"));
    assertThat(katadbg(noJava, "--version").out()).startsWith("katadbg ");
    assertThat(katadbg(noJava, "sessions", "--bogus").exit()).isEqualTo(ExitCode.USAGE);

    // A command the server does not run never reaches it: the launcher runs the JVM the
    // caller names.
    Run direct = katadbg(noJava, "doctor", "--json");
    assertThat(direct.exit()).isEqualTo(127);
    assertThat(direct.err()).contains("/nonexistent/java");
    assertThat(katadbg(Map.of(), "doctor", "--json").out()).startsWith("[");
    assertThat(servers()).hasSize(1);
  }

  @Test
  void withoutAServerEveryCommandStillRunsInAJvmOfItsOwn() throws Exception {
    Run off = katadbg(Map.of("KATADBG_SERVER", "0"), "sessions");
    assertThat(off.exit()).isZero();
    assertThat(off.out()).contains("no sessions");
    assertThat(serverDir).doesNotExist();

    // a server directory others can enter is not used
    Files.createDirectories(serverDir);
    Files.setPosixFilePermissions(serverDir, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertThat(katadbg(Map.of(), "sessions")).isEqualTo(off);
    // A server is forked before the command runs and lives for minutes: it would be here.
    assertThat(servers()).isEmpty();
    try (var s = Files.list(serverDir)) {
      assertThat(s.toList()).isEmpty();
    }
  }
}
