package dev.katadbg.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session;
import dev.katadbg.session.Session.ProcessRef;
import dev.katadbg.session.SessionState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GdbTerminalTest {
  @TempDir Path dir;

  Session session() {
    return new Session("r1", "default", dir, Optional.empty(), Path.of("/opt/rustshim"),
        "127.0.0.1:4711", SessionState.WAITING, Optional.empty(), new ProcessRef(5, 6),
        Optional.empty(), Optional.of(new ProcessRef(7, 8)), List.of(), Instant.now(),
        Session.Origin.HANDED).withKind(Session.DebuggerKind.GDB);
  }

  @Test
  void theUsersGdbStartsConnectedWithTheKeepersBreakpointsAndTheShimsSymbols() throws Exception {
    List<String> c = GdbTerminal.command(Path.of("/usr/bin/gdb"), session(),
        new GdbTerminal.Handover(List.of("rustshim::service::TaskService::create",
            "service.rs:93"), false));
    assertThat(c.get(0)).isEqualTo("/usr/bin/gdb");
    assertThat(c).containsSubsequence("-iex", "set sysroot /", "-x",
        dir.resolve("connect.gdb").toString(), "-ex", "target extended-remote 127.0.0.1:4711",
        "-ex", "break rustshim::service::TaskService::create", "-ex", "break service.rs:93",
        "/opt/rustshim");
    assertThat(c.get(c.size() - 1)).as("the binary comes last, for its symbols")
        .isEqualTo("/opt/rustshim");
    String setup = Files.readString(dir.resolve("connect.gdb"));
    assertThat(setup).as("quit must leave the shim to the keeper, not detach it")
        .contains("define hook-quit\n  disconnect\nend")
        .contains("handle %s nostop noprint pass").contains("SIGCONT")
        .as("Go's preemption signal is not delivered under gdb")
        .contains("handle SIGURG nostop noprint nopass");
  }

  @Test
  void rustsPrettyPrintersAreOnPythonsPathWhenDebianShipsThem() {
    Map<String, String> add = GdbTerminal.environment(Map.of("PYTHONPATH", "/mine"));
    if (Files.isDirectory(Path.of("/usr/lib/rustlib/etc"))) {
      assertThat(add).containsEntry("PYTHONPATH", "/mine:/usr/lib/rustlib/etc");
      assertThat(GdbTerminal.environment(Map.of()))
          .containsEntry("PYTHONPATH", "/usr/lib/rustlib/etc");
    } else {
      assertThat(add).isEmpty();
    }
  }

  @Test
  void aSessionWhoseGdbserverHasNotSaidWhereItListensIsNotTakenOver() {
    // The keeper is alive (this JVM stands in for it), its gdbserver has no port yet.
    Processes linux = Processes.linux();
    int self = (int) ProcessHandle.current().pid();
    ProcessRef keeper = new ProcessRef(self, linux.get(self).orElseThrow().startTime());
    Session starting = new Session("r2", "default", dir, Optional.empty(),
        Path.of("/opt/rustshim"), "", SessionState.STARTING, Optional.empty(), keeper,
        Optional.empty(), Optional.empty(), List.of(), Instant.now(), Session.Origin.HANDED)
        .withKind(Session.DebuggerKind.GDB);

    assertThatThrownBy(() -> GdbTerminal.takeOver(starting, linux))
        .isInstanceOf(ControlException.class)
        .hasMessage("the session's gdbserver has not said where it listens yet: retry in a"
            + " moment");
  }
}
