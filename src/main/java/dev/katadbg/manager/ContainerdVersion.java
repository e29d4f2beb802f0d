package dev.katadbg.manager;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Which config version a new containerd config.toml should have: 3 for containerd 2.x, else 2. */
public final class ContainerdVersion {
  private static final Pattern VERSION = Pattern.compile("\\sv?(\\d+)\\.(\\d+)\\.\\d+");

  private ContainerdVersion() {}

  /** The config version for {@code containerd --version}'s output; 2 when it cannot be told. */
  public static int configVersionFor(String versionOutput) {
    Matcher m = VERSION.matcher(versionOutput);
    return m.find() && Integer.parseInt(m.group(1)) >= 2 ? 3 : 2;
  }

  /** Runs {@code containerd --version}; 2 when containerd is not installed. */
  public static int detectConfigVersion(String containerd) {
    try {
      Process p = new ProcessBuilder(containerd, "--version").redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return 2;
      }
      return configVersionFor(out);
    } catch (IOException e) {
      return 2;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 2;
    }
  }
}
