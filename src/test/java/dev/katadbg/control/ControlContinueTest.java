package dev.katadbg.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katadbg.delve.DelveClient;
import dev.katadbg.delve.FakeDelveServer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * `katadbg continue` on a shim that exits at once: the session's reaper ends Delve with the
 * shim, so the connection may close before Delve answers. Delve's replies are recorded ones
 * (a stopped target); the close is the fake server's, as the reaper's kill would be.
 */
class ControlContinueTest {
  static final int DAEMON = 4242;

  CompletableFuture<Object> continueWhileTheServerClosesAtTheContinue(boolean daemonGone)
      throws Exception {
    FakeDelveServer server = new FakeDelveServer();
    DelveClient client = server.connect("getversion-1.24.0", Duration.ofSeconds(5));
    DelveControl control = new DelveControl(client, DAEMON, 0, () -> daemonGone);
    CompletableFuture<Object> result = CompletableFuture.supplyAsync(() -> {
      try {
        return control.continueTarget();
      } catch (ControlException e) {
        return e;
      }
    });
    // state(): non-blocking, then blocking (the target is stopped), the breakpoints, then the
    // continue
    var nonBlocking = server.nextRequest();
    assertThat(nonBlocking.method()).isEqualTo("RPCServer.State");
    server.reply(nonBlocking, "command-continue-child");
    var blocking = server.nextRequest();
    assertThat(blocking.method()).isEqualTo("RPCServer.State");
    server.reply(blocking, "command-continue-child");
    var breakpoints = server.nextRequest(); // to name the breakpoint it stopped at
    assertThat(breakpoints.method()).isEqualTo("RPCServer.ListBreakpoints");
    server.reply(breakpoints, "listbreakpoints");
    assertThat(server.nextRequest().method()).isEqualTo("RPCServer.Command");
    server.close();
    result.get(5, TimeUnit.SECONDS);
    return result;
  }

  @Test
  void aShimThatExitedWithItsDelveIsReportedExitedNotFailed() throws Exception {
    Object r = continueWhileTheServerClosesAtTheContinue(true).get();

    assertThat(r).isEqualTo(new Control.Continued(Control.Continued.Outcome.EXITED, DAEMON,
        TargetState.UNKNOWN_STATUS));
    assertThat(((Control.Continued) r).describe())
        .isEqualTo("continued; process 4242 exited (its debugger ended with it)");
  }

  @Test
  void aDelveThatDiesWhileTheShimLivesIsAFailure() throws Exception {
    Object r = continueWhileTheServerClosesAtTheContinue(false).get();

    assertThat(r).isInstanceOf(ControlException.class);
    assertThat(((ControlException) r).getMessage()).startsWith("continue failed: ");
  }
}
