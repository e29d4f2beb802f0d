package dev.katadbg.testenv;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Polling for a value in end-to-end tests (Awaitility), with what was seen in the failure.
 */
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
    AtomicReference<T> seen = new AtomicReference<>();
    try {
      Awaitility.await(what).atMost(wait).pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(50)).pollInSameThread()
          .until(() -> probe.get().map(v -> {
            seen.set(v);
            return true;
          }).orElse(false));
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("timed out waiting for " + what + context.get());
    }
    return seen.get();
  }
}
