package dev.katadbg.delve;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What a Delve binary is and which Go releases it debugs, learned without launching a target.
 * {@code dlv version} prints only the release; the Go window Delve enforces lives in its
 * {@code pkg/goversion/compat.go} ({@code Min/MaxSupportedVersionOfGoMinor}) and is only
 * reported by the {@code GetVersion} RPC of a running server. Launching one needs a target, so
 * the window is kept here as a table by Delve minor release, checked against the real servers
 * of Delve 1.20.2 and 1.24.0 by DelveGoSupportIT.
 */
public final class DelveGoSupport {
  /**
   * Delve minor release → {oldest, newest} supported Go minor (Go 1.x). From compat.go of each
   * release line; a Delve newer than the table is assumed to follow the pattern (newest Go =
   * its own minor, oldest as in the last known line).
   */
  private static final Map<Integer, int[]> WINDOWS = Map.of(
      20, new int[] {18, 20},
      21, new int[] {19, 21},
      22, new int[] {20, 22},
      23, new int[] {21, 23},
      24, new int[] {21, 24},
      25, new int[] {21, 25});
  private static final int LAST_KNOWN = 25;

  private DelveGoSupport() {}

  /**
   * The Go versions a Delve release debugs without {@code --check-go-version=false}.
   *
   * @param minGoMinor oldest supported Go 1.x minor
   * @param maxGoMinor newest supported Go 1.x minor
   * @param exact false when the window was inferred for a Delve newer or older than the table
   */
  public record GoWindow(int minGoMinor, int maxGoMinor, boolean exact) {
    public GoWindow {
      if (minGoMinor < 0 || maxGoMinor < minGoMinor) {
        throw new IllegalArgumentException("bad Go window 1." + minGoMinor + "-1." + maxGoMinor);
      }
    }

    /** Whether a binary built by Go 1.{@code goMinor} is inside the window. */
    public boolean contains(int goMinor) {
      return goMinor >= minGoMinor && goMinor <= maxGoMinor;
    }

    @Override
    public String toString() {
      return "Go 1." + minGoMinor + "-1." + maxGoMinor;
    }
  }

  /** The Go window of a Delve release (major 1). */
  public static GoWindow window(Semver delve) {
    if (delve.major() != 1) {
      throw new IllegalArgumentException("unknown Delve major version " + delve);
    }
    int[] w = WINDOWS.get(delve.minor());
    if (w != null) {
      return new GoWindow(w[0], w[1], true);
    }
    if (delve.minor() > LAST_KNOWN) {
      return new GoWindow(WINDOWS.get(LAST_KNOWN)[0], delve.minor(), false);
    }
    // Before 1.20 each release line supported about three Go minors ending two below its own.
    int max = Math.max(0, delve.minor() - 3);
    return new GoWindow(Math.max(0, max - 2), max, false);
  }

  /**
   * Runs {@code dlv version} and parses its {@code Version: X.Y.Z} line.
   *
   * @throws IOException if dlv cannot be run, times out, fails or prints no version
   */
  public static Semver version(Path dlv, Duration timeout) throws IOException {
    Process p = new ProcessBuilder(dlv.toString(), "version")
        .redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IOException(dlv + " version did not finish within " + timeout.toSeconds() + "s");
      }
      Optional<Semver> v = DelveVersion.parseVersionText(out);
      if (p.exitValue() != 0 || v.isEmpty()) {
        throw new IOException(dlv + " version exited " + p.exitValue() + " without a version: "
            + out.strip());
      }
      return v.get();
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running " + dlv + " version", e);
    }
  }
}
