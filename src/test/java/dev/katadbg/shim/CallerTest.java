package dev.katadbg.shim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session.ProcessRef;
import org.junit.jupiter.api.Test;

class CallerTest {
  final Processes processes = Processes.linux();

  @Test
  void theWrapperIsTheProcessNamedWithItsStartTimeAndItsParentIsTheManager() {
    int pid = (int) ProcessHandle.current().pid();
    int parent = (int) ProcessHandle.current().parent().orElseThrow().pid();
    Caller c = Caller.of(pid, processes);
    assertThat(c.wrapper())
        .isEqualTo(new ProcessRef(pid, processes.get(pid).orElseThrow().startTime()));
    assertThat(c.wrapper().startTime()).isPositive();
    assertThat(c.manager()).hasValue(
        new ProcessRef(parent, processes.get(parent).orElseThrow().startTime()));
    assertThat(Caller.self(processes)).isEqualTo(c);
  }

  @Test
  void aWrapperAlreadyGoneHasStartTimeZeroAndNoManager() throws Exception {
    Process p = new ProcessBuilder("/bin/true").start();
    p.waitFor();
    Caller c = Caller.of((int) p.pid(), processes);
    assertThat(c.wrapper()).isEqualTo(new ProcessRef((int) p.pid(), 0));
    assertThat(c.manager()).isEmpty();
  }
}
