package dev.katadbg.run;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The topics of the events a shim published to us, in order, so the run can wait for one:
 * shims publish asynchronously, and the last events may trail the reply to the call that
 * caused them.
 */
final class EventTopics {
  /** Guarded by itself; waited on for new topics. */
  private final List<String> topics = new ArrayList<>();

  void received(String topic) {
    synchronized (topics) {
      topics.add(topic);
      topics.notifyAll();
    }
  }

  /**
   * Waits for {@code topic}; true only if {@code grace} passed without it. Interrupted, it
   * stops waiting without saying the event is missing: the waiter is being stopped.
   */
  boolean timedOut(String topic, Duration grace) {
    long end = System.nanoTime() + grace.toNanos();
    synchronized (topics) {
      while (!topics.contains(topic)) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          return true;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(topics, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return false;
    }
  }
}
