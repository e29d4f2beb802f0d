package dev.katadbg.delve;

import java.time.Duration;

/** DurationText formats durations for error messages the way Go does: 5s, 250ms, 90s. */
final class DurationText {
  private DurationText() {}

  static String of(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
  }
}
