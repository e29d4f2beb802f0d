package dev.katadbg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katadbg.session.Session;
import dev.katadbg.session.Session.ProcessRef;
import dev.katadbg.session.SessionRegistry;
import dev.katadbg.session.SessionState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failed start's evidence stays: {@code sessions} lists it every time (not once), {@code logs}
 * prints its files, and only {@code sessions --clean} or {@code stop} removes it. The sessions
 * are written by the real registry in a temporary state directory; their pids name no process.
 */
class EndedSessionsTest {
  @TempDir Path dir;
  Map<String, String> env;
  SessionRegistry registry;

  record Result(int exit, String out, String err) {}

  Result katadbg(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), env, args);
    return new Result(exit, out.toString(), err.toString());
  }

  @BeforeEach
  void failedSession() throws Exception {
    Path config = Files.writeString(dir.resolve("c.toml"), "[shim]\nbinary = \"/bin/true\"\n"
        + "[state]\ndir = \"" + dir.resolve("state") + "\"\n");
    env = Map.of("KATADBG_CONFIG", config.toString());
    registry = SessionRegistry.open(dir.resolve("state"), r -> false);
    Path sdir = ((SessionRegistry.Claim.Claimed) registry.claim("default", "broken")).dir();
    Session s = new Session("broken", "default", sdir, Optional.empty(), Path.of("/shim"), "",
        SessionState.FAILED, Optional.of("shim start failed (exit status 1): boom"),
        new ProcessRef(999_999, 1), Optional.empty(), Optional.empty(), List.of(),
        Instant.now());
    registry.save(s);
    Files.writeString(s.log(), "2026-12-06T10:00:00Z ERROR shim start failed: boom\n");
    Files.writeString(s.shimStderr(), "boom");
  }

  @Test
  void aFailedSessionIsListedEveryTimeWithoutAWrapperPidAsItsDelve() {
    Result first = katadbg("sessions");
    Result second = katadbg("sessions");

    assertThat(first.exit()).isZero();
    assertThat(first.out()).contains("broken").contains("failed")
        .contains("shim start failed (exit status 1): boom").doesNotContain("999999");
    assertThat(second.out()).isEqualTo(first.out());
  }

  @Test
  void logsPrintsKatadbgsLogDelvesAndTheShimsStderr() {
    Result r = katadbg("logs", "broken");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("katadbg.log <==\n2026-12-06T10:00:00Z ERROR shim start failed")
        .contains("dlv.log <==\n(none)").contains("shim.stderr <==\nboom\n");
  }

  @Test
  void logsPathsListsOnlyTheFilesThatExist() {
    Result r = katadbg("logs", "--paths", "default/broken");

    assertThat(r.out().lines().toList()).containsExactly(
        dir.resolve("state/sessions/default/broken/katadbg.log").toString(),
        dir.resolve("state/sessions/default/broken/shim.stderr").toString());
  }

  @Test
  void cleanRemovesEndedSessionsAndStopRemovesOne() throws Exception {
    Result clean = katadbg("sessions", "--clean");

    assertThat(clean.out()).contains("removed default/broken (failed)").contains("no sessions");
    assertThat(dir.resolve("state/sessions/default/broken")).doesNotExist();

    failedSession();
    Result stop = katadbg("stop", "broken");
    assertThat(stop.out()).contains("was already failed; removed it and its logs");
    assertThat(katadbg("logs", "broken").exit()).isEqualTo(ExitCode.NOT_FOUND);
  }
}
