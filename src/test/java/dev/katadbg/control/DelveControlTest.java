package dev.katadbg.control;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session;
import dev.katadbg.session.SessionState;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DelveControlTest {

  @Test
  void aSessionWhoseDlvHasNotSaidWhereItListensIsRefusedWithWhatToDo() {
    // The wrapper records dlv's pid before dlv has bound its port 0 listener.
    Session starting = new Session("c1", "default", Path.of("/run/katadbg/x"), Optional.empty(),
        Path.of("/shim"), "", SessionState.STARTING, Optional.empty(),
        new Session.ProcessRef(4321, 1), Optional.empty(), Optional.empty(), List.of(),
        Instant.EPOCH);

    assertThatThrownBy(() -> DelveControl.connect(starting, Processes.linux(),
        Duration.ofSeconds(1), Duration.ofSeconds(1)))
        .isInstanceOf(ControlException.class)
        .hasMessage("the debugger of c1 (pid 4321) has not said where it listens yet: retry in a"
            + " moment");
  }
}
