package dev.katadbg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katadbg.control.TargetState;
import dev.katadbg.control.TargetState.Status;
import dev.katadbg.delve.ThreadInfo;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.PidFile;
import dev.katadbg.session.Session;
import dev.katadbg.session.Session.ProcessRef;
import dev.katadbg.session.SessionState;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shim halted before its first instruction whose runtime manager is gone will never be called
 * (a restarted containerd gives up on it and keeps its bundle): the real process table decides
 * "gone", with this test's JVM as the live manager and a wrong start time as a dead one.
 */
class UnservedSessionTest {
  @TempDir Path dir;
  final Processes processes = Processes.linux();
  final int me = (int) ProcessHandle.current().pid();
  final long myStart = processes.get(me).orElseThrow().startTime();
  final ThreadInfo entry = new ThreadInfo(5, "", 0, "", OptionalInt.empty(), "", 0);
  final ThreadInfo inCreate = new ThreadInfo(5, "/s/service.go", 118, "task.(*service).Create",
      OptionalInt.of(1), "", 9);

  Session session() {
    ProcessRef self = new ProcessRef(me, myStart);
    return new Session("pod1", "k8s.io", dir, Optional.of(dir), Path.of("/shim"), "127.0.0.1:1",
        SessionState.WAITING, Optional.empty(), self, Optional.empty(), Optional.of(self),
        List.of(), Instant.now());
  }

  static Optional<TargetState> stoppedAt(ThreadInfo t) {
    return Optional.of(new TargetState(Status.STOPPED, 5, "", Optional.of(t), Optional.empty(),
        0, ""));
  }

  @Test
  void haltedBeforeItsFirstInstructionWithItsManagerGoneIsUnserved() {
    Session s = session();
    PidFile.write(s.managerPidFile(), new ProcessRef(me, myStart + 1));

    assertThat(Registries.unserved(s, stoppedAt(entry), processes)).get(
        org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("the runtime manager that started it (pid " + me + ") is gone")
        .endsWith("katadbg stop --kill k8s.io/pod1 ends the shim and its Delve");
  }

  @Test
  void aLiveManagerAShimThatRanOrNoRecordIsNot() {
    Session s = session();
    assertThat(Registries.unserved(s, stoppedAt(entry), processes))
        .as("no manager recorded (a session from before it was recorded)").isEmpty();

    PidFile.write(s.managerPidFile(), new ProcessRef(me, myStart));
    assertThat(Registries.unserved(s, stoppedAt(entry), processes)).as("manager alive").isEmpty();

    PidFile.write(s.managerPidFile(), new ProcessRef(me, myStart + 1));
    assertThat(Registries.unserved(s, stoppedAt(inCreate), processes))
        .as("a shim that ran: a restarted containerd may reconnect to it").isEmpty();
    assertThat(Registries.unserved(s, Optional.of(new TargetState(Status.RUNNING, 5, "",
        Optional.empty(), Optional.empty(), 0, "")), processes)).isEmpty();
    assertThat(Registries.unserved(s, Optional.empty(), processes))
        .as("Delve did not answer").isEmpty();
  }
}
