package dev.katadbg.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses durations the way containerd and Kata users write them ("30s", "1m30s", "500ms"), so a
 * value copied from a containerd config means the same thing here. A bare integer is seconds.
 */
public final class GoDuration {
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");

  private GoDuration() {}

  public static Duration parse(String text) {
    String s = text.strip();
    if (s.matches("\\d+")) {
      return Duration.ofSeconds(Long.parseLong(s));
    }
    Matcher m = PART.matcher(s);
    int pos = 0;
    double nanos = 0;
    while (m.find() && m.start() == pos) {
      double n = Double.parseDouble(m.group(1));
      nanos += n * switch (m.group(2)) {
        case "ns" -> 1d;
        case "us", "µs" -> 1e3;
        case "ms" -> 1e6;
        case "s" -> 1e9;
        case "m" -> 60e9;
        default -> 3600e9;
      };
      pos = m.end();
    }
    if (s.isEmpty() || pos != s.length()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a duration (write it like 30s, 1m30s or 500ms)");
    }
    return Duration.ofNanos((long) nanos);
  }

  /** Formats the way {@link #parse} reads, e.g. "1m30s", for messages and config dumps. */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    if (d.toMillis() < 1000 || d.toMillisPart() != 0 && d.toSeconds() < 60) {
      return d.toMillis() + "ms";
    }
    StringBuilder b = new StringBuilder();
    if (d.toHours() > 0) b.append(d.toHours()).append('h');
    if (d.toMinutesPart() > 0) b.append(d.toMinutesPart()).append('m');
    if (d.toSecondsPart() > 0) b.append(d.toSecondsPart()).append('s');
    return b.toString();
  }
}
