package dev.katadbg.testenv;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/** Polling for a condition in end-to-end tests, with what was seen in the failure. */
public final class Await {
  private Await() {}

  /**
   * Polls {@code probe} every 50 ms until it has a value, for {@code wait} at most.
   *
   * @param context appended to the failure message (e.g. a log tail); evaluated only then
   * @throws AssertionError naming {@code what} when the time is up
   */
  public static <T> T until(String what, Duration wait, Supplier<Optional<T>> probe,
      Supplier<String> context) {
    Instant deadline = Instant.now().plus(wait);
    while (Instant.now().isBefore(deadline)) {
      Optional<T> v = probe.get();
      if (v.isPresent()) {
        return v.get();
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what);
      }
    }
    throw new AssertionError("timed out waiting for " + what + context.get());
  }
}
