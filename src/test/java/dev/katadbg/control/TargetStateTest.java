package dev.katadbg.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katadbg.control.TargetState.BreakpointRef;
import dev.katadbg.control.TargetState.Status;
import dev.katadbg.delve.ThreadInfo;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class TargetStateTest {
  static final ThreadInfo AT_START = new ThreadInfo(7, "/src/service.go", 118, "pkg.(*s).Start",
      OptionalInt.of(1), "", 12);

  @Test
  void aStopAtANamedBreakpointSaysWhereAndWhy() {
    TargetState s = new TargetState(Status.STOPPED, 5, "shim -namespace x", Optional.of(AT_START),
        Optional.of(new BreakpointRef(1, "mine")), 0, "");
    assertThat(s.why()).isEqualTo("breakpoint 1 [mine]");
    assertThat(s.describe()).isEqualTo("pid 5 stopped at breakpoint 1 [mine]: pkg.(*s).Start()"
        + " /src/service.go:118 (thread 7, goroutine 12)");
  }

  @Test
  void aStopWithoutBreakpointIsHalted() {
    TargetState halted = new TargetState(Status.STOPPED, 5, "", Optional.of(AT_START),
        Optional.empty(), 0, "");
    assertThat(halted.why()).isEqualTo("halted");
    assertThat(halted.describe()).isEqualTo("pid 5 halted at pkg.(*s).Start() /src/service.go:118"
        + " (thread 7, goroutine 12)");
  }

  @Test
  void aDaemonHaltedBeforeItsFirstInstructionIsSaidSoNotAsAnEmptyLocation() {
    ThreadInfo entry = new ThreadInfo(5, "", 0, "", OptionalInt.empty(), "", 0);
    TargetState s = new TargetState(Status.STOPPED, 5, "", Optional.of(entry),
        Optional.empty(), 0, "");
    assertThat(s.describe()).as("no goroutine runs yet: none is named")
        .isEqualTo("pid 5 halted at its entry point, before any of its code ran (thread 5)");
    assertThat(s.beforeFirstInstruction()).isTrue();
    assertThat(new TargetState(Status.STOPPED, 5, "", Optional.of(AT_START), Optional.empty(),
        0, "").beforeFirstInstruction()).isFalse();
    assertThat(new TargetState(Status.RUNNING, 5, "", Optional.empty(), Optional.empty(), 0, "")
        .beforeFirstInstruction()).isFalse();
  }

  @Test
  void runningAndExitedStates() {
    assertThat(new TargetState(Status.RUNNING, 9, "", Optional.empty(), Optional.empty(), 0,
        TargetState.START_EXITED).describe())
        .isEqualTo("pid 9 running (the daemon has not stopped since the start process exited)");
    assertThat(new TargetState(Status.EXITED, 9, "", Optional.empty(), Optional.empty(), 2, "")
        .describe()).isEqualTo("pid 9 exited with status 2");
    assertThat(new TargetState(Status.EXITED, 9, "", Optional.empty(), Optional.empty(),
        TargetState.UNKNOWN_STATUS, "").describe()).isEqualTo("pid 9 exited");
  }

  @Test
  void aStoppedStateNeedsAThread() {
    assertThatThrownBy(() -> new TargetState(Status.STOPPED, 1, "", Optional.empty(),
        Optional.empty(), 0, "")).isInstanceOf(IllegalArgumentException.class);
  }
}
