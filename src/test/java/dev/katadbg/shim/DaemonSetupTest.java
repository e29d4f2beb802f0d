package dev.katadbg.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katadbg.delve.DelveClient;
import dev.katadbg.delve.FakeDelveServer;
import dev.katadbg.session.SessionState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Delve side of the hand-off against a scripted Delve with recorded replies. */
class DaemonSetupTest {
  static final Path SHIM = Path.of("/opt/shim");
  @TempDir Path dir;
  FakeDelveServer server;
  DelveClient client;
  SessionLog log;

  @BeforeEach
  void connect() {
    server = new FakeDelveServer();
    client = server.connect("getversion-1.24.0", Duration.ofSeconds(5));
    log = new SessionLog(dir.resolve("katadbg.log"));
  }

  @AfterEach
  void close() {
    client.close();
    server.close();
  }

  @Test
  void eachConfiguredBreakpointIsCreatedInOrderAndLogged() throws Exception {
    var setting = CompletableFuture.runAsync(() -> DaemonSetup.setBreakpoints(client,
        List.of("main.childWork", "main.go:9"), SHIM, log));
    var first = server.nextRequest();
    assertThat(first.method()).isEqualTo("RPCServer.CreateBreakpoint");
    assertThat(first.params().toString()).contains("main.childWork");
    server.reply(first, "createbreakpoint");
    var second = server.nextRequest();
    assertThat(second.params().toString()).contains("main.go").contains("9");
    server.reply(second, "createbreakpoint");
    setting.get();
    assertThat(Files.readString(log.file())).contains("breakpoint 1 at main.childWork"
        + " (/tmp/dx/main.go:9)");
  }

  @Test
  void aBreakpointThatMatchesNoCodeIsClearedAndNamed() {
    var setting = CompletableFuture.runAsync(() -> DaemonSetup.setBreakpoints(client,
        List.of("main.nope"), SHIM, log));
    server.reply(server.nextRequest(), "createbreakpoint-pending");
    var clear = server.nextRequest();
    assertThat(clear.method()).isEqualTo("RPCServer.ClearBreakpoint");
    assertThat(clear.params().toString()).contains("\"Id\":2");
    server.replyResult(clear.id(), "{}");
    assertThatThrownBy(setting::join).hasCauseInstanceOf(SetupException.class)
        .hasMessageContaining("breakpoint 'main.nope' from [debugger] breakpoints matches no"
            + " code in /opt/shim");
  }

  @Test
  void aBreakpointDelveRefusesIsASetupFailureWithDelvesWords() {
    var setting = CompletableFuture.runAsync(() -> DaemonSetup.setBreakpoints(client,
        List.of("x.go:1"), SHIM, log));
    server.replyError(server.nextRequest().id(), "could not find file x.go");
    assertThatThrownBy(setting::join).hasCauseInstanceOf(SetupException.class)
        .hasMessageContaining("cannot set breakpoint 'x.go:1' from [debugger] breakpoints:")
        .hasMessageContaining("could not find file x.go");
  }

  @Test
  void withoutWaitForClientTheDaemonIsContinuedAndRuns() {
    assertThat(DaemonSetup.resumeOrWait(client, false, "127.0.0.1:1", log))
        .isEqualTo(SessionState.RUNNING);
    var cont = server.nextRequest();
    assertThat(cont.method()).isEqualTo("RPCServer.Command");
    assertThat(cont.params().toString()).contains("\"name\":\"continue\"");
  }

  @Test
  void withWaitForClientNothingIsSentAndTheSessionWaits() throws Exception {
    assertThat(DaemonSetup.resumeOrWait(client, true, "127.0.0.1:1", log))
        .isEqualTo(SessionState.WAITING);
    // Nothing went to Delve: the next request is this probe's, not a continue.
    var probe = CompletableFuture.supplyAsync(() -> client.state(true));
    var next = server.nextRequest();
    assertThat(next.method()).isEqualTo("RPCServer.State");
    server.replyError(next.id(), "probe");
    assertThatThrownBy(probe::join).hasMessageContaining("probe");
    assertThat(Files.readString(log.file())).contains("waiting for a client");
  }
}
