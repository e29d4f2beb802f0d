package dev.katadbg.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katadbg.ttrpc.CallOptions;
import dev.katadbg.ttrpc.TtrpcException;
import dev.katadbg.ttrpc.TtrpcServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lifecycle against a ttrpc server that serves no Task API: every call is refused. */
class TaskLifecycleTest {
  @TempDir Path dir;

  @Test
  void ctrlCIsTakenOnceAndTheEndIsWhatAnAbortWaitsFor() throws Exception {
    TaskLifecycle l = new TaskLifecycle("id");
    assertThat(l.interrupt()).isTrue();
    assertThat(l.interrupt()).isFalse();
    assertThat(l.awaitEnd(Duration.ZERO)).isFalse();
    l.end();
    assertThat(l.awaitEnd(Duration.ZERO)).isTrue();
    assertThat(l.state().interrupted()).isTrue();
    assertThatThrownBy(l::end).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void withoutAConnectionThereIsNothingToDeleteOrClose() {
    TaskLifecycle l = new TaskLifecycle("id");
    assertThat(l.hasTask()).isFalse();
    l.closeStdin();
    l.disconnect();
    assertThat(l.state().phase()).isEqualTo(RunState.Phase.NEW);
  }

  @Test
  void aRefusedConnectStillLeavesAConnectionToShutDown() throws IOException {
    try (TtrpcServer server = TtrpcServer.builder().serve(dir.resolve("s.sock"))) {
      TaskLifecycle l = new TaskLifecycle("id");
      l.madeBundle(new Bundle(dir, dir.resolve("id"), Optional.empty()));
      l.prepared(server);
      l.debugSession(Optional.empty());
      l.started("unix://" + server.socket());
      assertThatThrownBy(() -> l.connect(CallOptions.none()))
          .isInstanceOf(TtrpcException.class);
      assertThat(l.state().phase()).isEqualTo(RunState.Phase.CONNECTED);
      assertThat(l.state().task()).isPresent();
      assertThat(l.state().shimPid()).isZero();
      assertThat(l.hasTask()).as("Create never returned").isFalse();
      assertThatThrownBy(l::shutdown).isInstanceOf(TtrpcException.class);
      assertThat(l.state().phase()).as("sent, answered or not")
          .isEqualTo(RunState.Phase.SHUT_DOWN);
      l.disconnect();
      l.end();
      assertThat(l.state().ended()).isTrue();
    }
  }
}
