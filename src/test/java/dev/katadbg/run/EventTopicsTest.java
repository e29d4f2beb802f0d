package dev.katadbg.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class EventTopicsTest {
  @Test
  void aTopicAlreadyReceivedIsNotWaitedFor() {
    EventTopics t = new EventTopics();
    t.received("/tasks/create");
    t.received("/tasks/delete");
    assertThat(t.timedOut("/tasks/delete", Duration.ZERO)).isFalse();
  }

  @Test
  void aTopicThatTrailsTheReplyIsWaitedFor() throws Exception {
    EventTopics t = new EventTopics();
    Thread later = new Thread(() -> {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        return;
      }
      t.received("/tasks/delete");
    });
    later.start();
    assertThat(t.timedOut("/tasks/delete", Duration.ofSeconds(30))).isFalse();
    later.join();
  }

  @Test
  void aTopicThatNeverComesTimesOut() {
    EventTopics t = new EventTopics();
    t.received("/tasks/exit");
    assertThat(t.timedOut("/tasks/delete", Duration.ofMillis(20))).isTrue();
  }

  @Test
  void anInterruptedWaitIsNoTimeout() {
    EventTopics t = new EventTopics();
    Thread.currentThread().interrupt();
    try {
      assertThat(t.timedOut("/tasks/delete", Duration.ofSeconds(30))).isFalse();
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }
}
