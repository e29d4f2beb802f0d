package dev.katadbg.handoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class HandoffTest {
  static final byte[] REPLY = "unix:///run/containerd/s/ab\n".getBytes(StandardCharsets.UTF_8);

  static List<WatchEvent> events(String... lines) {
    return java.util.Arrays.stream(lines).map(l -> WatchEvent.parse(l).orElseThrow()).toList();
  }

  @Test
  void aStartThatExecsItsDaemonAndExitsHandsItOver() {
    Handoff h = Handoff.of(events("started 10", "daemon 11", "exited 0", "handed 11"), REPLY, 0);
    assertThat(h.daemon()).hasValue(11);
    assertThat(h.startPid()).hasValue(10);
    assertThat(h.problem()).isEmpty();
    assertThat(h.startSucceeded()).isTrue();
    assertThat(h.reply()).isEqualTo(REPLY);
  }

  @Test
  void theStartMayBeSeenExitingBeforeTheDaemonsExecStop() {
    Handoff h = Handoff.of(events("started 10", "exited 0", "daemon 11", "handed 11"), REPLY, 0);
    assertThat(h.daemon()).hasValue(11);
  }

  @Test
  void aHeldDaemonThatWasNeverHandedIsAProblemNotADaemon() {
    Handoff h = Handoff.of(events("started 10", "daemon 11", "exited 0"), REPLY, 3);
    assertThat(h.daemon()).isEmpty();
    assertThat(h.problem()).contains("the daemon 11 was never handed over");
  }

  @Test
  void aHandedPidOtherThanTheHeldDaemonIsIgnored() {
    Handoff h = Handoff.of(events("started 10", "daemon 11", "exited 0", "handed 12"), REPLY, 0);
    assertThat(h.daemon()).isEmpty();
    assertThat(h.problem()).isPresent();
  }

  @Test
  void aStartWithoutDaemonIsTheShimsOwnAnswer() {
    Handoff failed = Handoff.of(events("started 10", "exited 1", "nodaemon"), new byte[0], 0);
    assertThat(failed.daemon()).isEmpty();
    assertThat(failed.problem()).isEmpty();
    assertThat(failed.startSucceeded()).isFalse();
    assertThat(failed.exitStatus()).hasValue(1);

    Handoff reused = Handoff.of(events("started 10", "exited 0", "nodaemon"), REPLY, 0);
    assertThat(reused.problem()).isEmpty();
    assertThat(reused.startSucceeded()).isTrue();
  }

  @Test
  void watcherErrorsTimeoutsAndSignalsAreProblems() {
    assertThat(Handoff.of(events("error cannot execute /x: Permission denied"), new byte[0], 127)
        .problem()).contains("cannot execute /x: Permission denied");
    assertThat(Handoff.of(events("started 10", "timeout 2000"), new byte[0], 0)
        .problem()).hasValueSatisfying(p -> assertThat(p).contains("within 2000 ms")
            .contains("start_timeout"));
    assertThat(Handoff.of(events("started 10", "daemon 11", "timeout 2000"), new byte[0], 0)
        .problem()).hasValueSatisfying(p -> assertThat(p).contains("within 2000 ms")
            .contains("pid 11, held as its daemon").contains("follow_exec_regex"));
    assertThat(Handoff.of(events("started 10", "killed 9", "nodaemon"), new byte[0], 0)
        .problem()).contains("the shim's start was killed by signal 9");
    Handoff both = Handoff.of(events("started 10", "daemon 11", "error cannot stop 11",
        "exited 0", "handed 11"), REPLY, 3);
    assertThat(both.daemon()).isEmpty();
    assertThat(both.problem()).contains("cannot stop 11");
  }

  /** The runc shim's start kills the daemon it spawned when it fails afterwards. */
  @Test
  void aDaemonKilledByItsOwnFailingStartLeavesTheStartsOwnAnswer() {
    Handoff h = Handoff.of(events("started 10", "daemon 11", "lost 11", "exited 1", "nodaemon"),
        "".getBytes(StandardCharsets.UTF_8), 0);
    assertThat(h.problem()).isEmpty();
    assertThat(h.daemon()).isEmpty();
    assertThat(h.exitStatus()).hasValue(1);
  }

  @Test
  void aWatcherThatEndsWithoutTheStartsEndIsAProblem() {
    Handoff h = Handoff.of(events("started 10"), new byte[0], 137);
    assertThat(h.problem()).hasValueSatisfying(p -> assertThat(p).contains("status 137"));
    assertThat(h.exitStatus()).isEmpty();
  }

  @Test
  void aDaemonAndAProblemCannotBothBeRecorded() {
    assertThatThrownBy(() -> new Handoff(OptionalInt.of(1), OptionalInt.of(0), REPLY,
        OptionalInt.of(2), Optional.of("why"), List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
