package dev.katadbg.handoff;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WatchEventTest {
  @Test
  void eachLineTheWatcherWritesIsAnEvent() {
    assertThat(WatchEvent.parse("started 12")).contains(new WatchEvent.Started(12));
    assertThat(WatchEvent.parse("daemon 13")).contains(new WatchEvent.Daemon(13));
    assertThat(WatchEvent.parse("lost 13")).contains(new WatchEvent.Lost(13));
    assertThat(WatchEvent.parse("exited 0")).contains(new WatchEvent.Exited(0));
    assertThat(WatchEvent.parse("killed 9")).contains(new WatchEvent.Killed(9));
    assertThat(WatchEvent.parse("handed 13")).contains(new WatchEvent.Handed(13));
    assertThat(WatchEvent.parse("nodaemon")).contains(new WatchEvent.NoDaemon());
    assertThat(WatchEvent.parse("timeout 30000")).contains(new WatchEvent.Timeout(30000));
    assertThat(WatchEvent.parse("error cannot execute /x: No such file or directory"))
        .contains(new WatchEvent.Error("cannot execute /x: No such file or directory"));
  }

  @Test
  void anythingElseIsNoEvent() {
    assertThat(WatchEvent.parse("")).isEmpty();
    assertThat(WatchEvent.parse("started")).isEmpty();
    assertThat(WatchEvent.parse("started twelve")).isEmpty();
    assertThat(WatchEvent.parse("nodaemon 3")).isEmpty();
    assertThat(WatchEvent.parse("error")).isEmpty();
    assertThat(WatchEvent.parse("Started 12")).isEmpty();
  }
}
