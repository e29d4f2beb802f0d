package dev.katadbg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katadbg.session.Session;
import dev.katadbg.session.Session.ProcessRef;
import dev.katadbg.session.SessionRegistry;
import dev.katadbg.session.SessionState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
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
  CliRun cli;
  SessionRegistry registry;

  @BeforeEach
  void failedSession() throws Exception {
    cli = new CliRun(dir);
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
    CliRun.Result first = cli.katadbg("sessions");
    CliRun.Result second = cli.katadbg("sessions");

    assertThat(first.exit()).isZero();
    assertThat(first.out()).contains("broken").contains("failed")
        .contains("shim start failed (exit status 1): boom").doesNotContain("999999");
    assertThat(second.out()).isEqualTo(first.out());
  }

  @Test
  void logsPrintsKatadbgsLogDelvesAndTheShimsStderr() {
    CliRun.Result r = cli.katadbg("logs", "broken");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("katadbg.log <==\n2026-12-06T10:00:00Z ERROR shim start failed")
        .contains("dlv.log <==\n(none)").contains("shim.stderr <==\nboom\n");
  }

  @Test
  void logsPathsListsOnlyTheFilesThatExist() {
    CliRun.Result r = cli.katadbg("logs", "--paths", "default/broken");

    assertThat(r.out().lines().toList()).containsExactly(
        dir.resolve("state/sessions/default/broken/katadbg.log").toString(),
        dir.resolve("state/sessions/default/broken/shim.stderr").toString());
  }

  @Test
  void cleanRemovesEndedSessionsAndStopRemovesOne() throws Exception {
    CliRun.Result clean = cli.katadbg("sessions", "--clean");

    assertThat(clean.out()).contains("removed default/broken (failed)").contains("no sessions");
    assertThat(dir.resolve("state/sessions/default/broken")).doesNotExist();

    failedSession();
    CliRun.Result stop = cli.katadbg("stop", "broken");
    assertThat(stop.out()).contains("was already failed; removed it and its logs");
    assertThat(cli.katadbg("logs", "broken").exit()).isEqualTo(ExitCode.NOT_FOUND);
  }
}
