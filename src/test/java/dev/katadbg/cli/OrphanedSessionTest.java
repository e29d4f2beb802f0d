package dev.katadbg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katadbg.proc.Processes;
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
 * A live session whose bundle is gone (containerd restarted while the shim was halted and
 * cleaned up after it): listed as orphaned with the way out, and not continued. The session's
 * processes are this test's own JVM, so the real registry sees them alive; nothing listens at
 * its address.
 */
class OrphanedSessionTest {
  @TempDir Path dir;
  CliRun cli;
  Path bundle;

  @BeforeEach
  void liveSession() throws Exception {
    cli = new CliRun(dir);
    int me = (int) ProcessHandle.current().pid();
    ProcessRef self = new ProcessRef(me, Processes.linux().get(me).orElseThrow().startTime());
    SessionRegistry registry = SessionRegistry.open(dir.resolve("state"), r -> true);
    Path sdir = ((SessionRegistry.Claim.Claimed) registry.claim("k8s.io", "pod1")).dir();
    bundle = Files.createDirectories(dir.resolve("bundle"));
    registry.save(new Session("pod1", "k8s.io", sdir, Optional.of(bundle), Path.of("/shim"),
        "127.0.0.1:1", SessionState.RUNNING, Optional.empty(), self, Optional.empty(),
        Optional.of(self), List.of(), Instant.now()));
  }

  @Test
  void withItsBundleGoneASessionIsOrphanedAndNotContinued() throws Exception {
    assertThat(cli.katadbg("sessions").out()).doesNotContain("orphaned");
    Files.delete(bundle);

    CliRun.Result listed = cli.katadbg("sessions");
    CliRun.Result json = cli.katadbg("sessions", "--json");
    CliRun.Result cont = cli.katadbg("continue", "pod1");

    assertThat(listed.out()).contains("orphaned")
        .contains("katadbg stop --kill k8s.io/pod1 ends the shim and its Delve");
    assertThat(json.out()).contains("\"orphaned\": \"its runtime manager dropped it");
    assertThat(cont.exit()).isEqualTo(ExitCode.FAILURE);
    assertThat(cont.err()).startsWith("katadbg: not continuing k8s.io/pod1: its runtime manager"
        + " dropped it (the bundle " + bundle + " is gone)");
  }

  @Test
  void withItsBundleInPlaceTheDebuggerIsAskedAndItsSilenceShown() {
    CliRun.Result listed = cli.katadbg("sessions");

    assertThat(listed.out()).contains("running")
        .contains("its debugger does not answer at 127.0.0.1:1");
  }
}
