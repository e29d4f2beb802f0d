package dev.katadbg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katadbg.control.TargetState;
import dev.katadbg.control.TargetState.BreakpointRef;
import dev.katadbg.control.TargetState.Status;
import dev.katadbg.delve.ThreadInfo;
import dev.katadbg.session.Session;
import dev.katadbg.session.Session.ProcessRef;
import dev.katadbg.session.SessionState;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** What `katadbg sessions` shows: the debugger's view over the wrapper's last record. */
class SessionRowTest {
  static final String CREATE = "github.com/containerd/containerd/runtime/v2/runc/task.(*service).Create";

  static Session session(SessionState state) {
    return new Session("sb", "default", Path.of("/run/katadbg/sessions/default/sb"),
        Optional.empty(), Path.of("/shim"), "127.0.0.1:4000", state, Optional.empty(),
        new ProcessRef(10, 1), Optional.empty(), Optional.of(new ProcessRef(11, 2)), List.of(),
        Instant.now());
  }

  static TargetState stopped(String function, String file, int line, Optional<BreakpointRef> bp) {
    return new TargetState(Status.STOPPED, 11, "", Optional.of(new ThreadInfo(1, file, line,
        function, OptionalInt.empty(), "", 0)), bp, 0, "");
  }

  @Test
  void aRunningRecordStoppedAtABreakpointShowsTheStop() {
    var r = SessionsCommand.asked(session(SessionState.RUNNING), Optional.of(
        stopped(CREATE, "/src/service.go", 118, Optional.of(new BreakpointRef(1, "")))));

    assertThat(r.state()).isEqualTo("stopped");
    assertThat(r.info()).isEqualTo("breakpoint 1: " + CREATE + "() /src/service.go:118");
  }

  @Test
  void aWaitingRecordWhoseShimMovedOnShowsRunning() {
    var r = SessionsCommand.asked(session(SessionState.WAITING), Optional.of(
        new TargetState(Status.RUNNING, 11, "", Optional.empty(), Optional.empty(), 0, "")));

    assertThat(r.state()).isEqualTo("running");
    assertThat(r.info()).isEqualTo("dlv connect 127.0.0.1:4000");
  }

  @Test
  void aStopAtTheEntryPointIsWaitingForAClient() {
    var r = SessionsCommand.asked(session(SessionState.RUNNING), Optional.of(
        stopped("", "", 0, Optional.empty())));

    assertThat(r.state()).isEqualTo("waiting");
    assertThat(r.info()).contains("halted before its first instruction");
  }

  @Test
  void aDebuggerThatDoesNotAnswerKeepsTheRecordAndSaysSo() {
    var r = SessionsCommand.asked(session(SessionState.RUNNING), Optional.empty());

    assertThat(r.state()).isEqualTo("running");
    assertThat(r.info()).isEqualTo("its debugger does not answer at 127.0.0.1:4000");
  }

  @Test
  void anEndedSessionIsNotAskedAndShowsItsReason() {
    Session failed = session(SessionState.FAILED).withState(SessionState.FAILED,
        Optional.of("Delve exited: boom"));

    assertThat(SessionsCommand.asksDebugger(failed, false)).isFalse();
    assertThat(SessionsCommand.asksDebugger(session(SessionState.RUNNING), true)).isTrue();
    assertThat(SessionsCommand.asksDebugger(session(SessionState.RUNNING), false)).isFalse();
    assertThat(SessionsCommand.recorded(failed))
        .isEqualTo(new SessionsCommand.Row("failed", "Delve exited: boom"));
  }
}
