package dev.katadbg.run;

import static dev.katadbg.run.RunState.Phase.CONNECTED;
import static dev.katadbg.run.RunState.Phase.CREATED;
import static dev.katadbg.run.RunState.Phase.DELETED;
import static dev.katadbg.run.RunState.Phase.ENDED;
import static dev.katadbg.run.RunState.Phase.EXITED;
import static dev.katadbg.run.RunState.Phase.NEW;
import static dev.katadbg.run.RunState.Phase.PREPARED;
import static dev.katadbg.run.RunState.Phase.RUNNING;
import static dev.katadbg.run.RunState.Phase.SHUT_DOWN;
import static dev.katadbg.run.RunState.Phase.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katadbg.run.RunState.Phase;
import dev.katadbg.task.TaskClient;
import dev.katadbg.ttrpc.CallOptions;
import dev.katadbg.ttrpc.TtrpcClient;
import dev.katadbg.ttrpc.TtrpcServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunStateTest {
  @TempDir Path dir;
  TtrpcServer server;
  TaskClient task;
  Bundle bundle;

  @BeforeEach
  void parts() throws IOException {
    server = TtrpcServer.builder().serve(dir.resolve("s.sock"));
    task = new TaskClient(TtrpcClient.connect(server.socket()), CallOptions.none());
    bundle = new Bundle(dir.resolve("work"), dir.resolve("work/id"), Optional.empty());
  }

  @AfterEach
  void close() {
    task.close();
    server.close();
  }

  @Test
  void eachPhaseGoesOnlyWhereContainerdsOrderOrTheCleanupLeads() {
    Map<Phase, Set<Phase>> allowed = Map.of(
        NEW, EnumSet.of(PREPARED, ENDED),
        PREPARED, EnumSet.of(STARTED, ENDED),
        STARTED, EnumSet.of(CONNECTED, ENDED),
        CONNECTED, EnumSet.of(CREATED, SHUT_DOWN),
        CREATED, EnumSet.of(RUNNING, DELETED),
        RUNNING, EnumSet.of(EXITED, DELETED),
        EXITED, EnumSet.of(DELETED),
        DELETED, EnumSet.of(SHUT_DOWN),
        SHUT_DOWN, EnumSet.of(ENDED),
        ENDED, EnumSet.noneOf(Phase.class));
    assertThat(allowed).containsOnlyKeys(Phase.values());
    for (Phase from : Phase.values()) {
      for (Phase to : Phase.values()) {
        assertThat(from.canGoTo(to)).as(from + " -> " + to)
            .isEqualTo(allowed.get(from).contains(to));
      }
    }
  }

  @Test
  void aWholeRunKeepsWhatItMadeAndCreatedOutlivesTheTask() {
    RunState s = RunState.NEW.withBundle(bundle).withEvents(server).to(PREPARED)
        .withSessionDir(Optional.of(dir)).withAddress("unix:///x").to(STARTED)
        .withTask(task).to(CONNECTED).withShimPid(42);
    assertThat(s.created()).isFalse();
    s = s.to(CREATED).to(RUNNING).to(EXITED).to(DELETED).to(SHUT_DOWN);
    assertThat(s.created()).isTrue();
    assertThat(s.ended()).isFalse();
    s = s.to(ENDED);
    assertThat(s.ended()).isTrue();
    assertThat(s.created()).isTrue();
    assertThat(s.bundle()).contains(bundle);
    assertThat(s.address()).contains("unix:///x");
    assertThat(s.sessionDir()).contains(dir);
    assertThat(s.shimPid()).isEqualTo(42);
  }

  @Test
  void aFailedRunEndsFromWhereItStoppedWithWhatItHad() {
    RunState s = RunState.NEW.withBundle(bundle).to(ENDED);
    assertThat(s.bundle()).contains(bundle);
    assertThat(s.events()).isEmpty();
    assertThat(s.created()).isFalse();
  }

  @Test
  void aPhaseNeedsWhatItNames() {
    assertThatThrownBy(() -> RunState.NEW.withBundle(bundle).to(PREPARED))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("events socket");
    RunState prepared = RunState.NEW.withBundle(bundle).withEvents(server).to(PREPARED);
    assertThatThrownBy(() -> prepared.to(STARTED))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("address");
    RunState started = prepared.withAddress("unix:///x").to(STARTED);
    assertThatThrownBy(() -> started.to(CONNECTED))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("connection");
  }

  @Test
  void anOrderContainerdWouldNotFollowIsRefused() {
    assertThatThrownBy(() -> RunState.NEW.to(CREATED))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("a run cannot go from NEW to CREATED");
    assertThatThrownBy(() -> RunState.NEW.to(ENDED).to(ENDED))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> RunState.NEW.withShimPid(-1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void ctrlCIsAMarkThatLeavesThePhaseAsItIs() {
    RunState s = RunState.NEW.withBundle(bundle).withEvents(server).to(PREPARED).interrupt();
    assertThat(s.interrupted()).isTrue();
    assertThat(s.phase()).isEqualTo(PREPARED);
    assertThat(s.withAddress("unix:///x").to(STARTED).interrupted()).isTrue();
  }
}
