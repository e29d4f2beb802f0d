package dev.katadbg.manager;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Restarts (or reloads) a runtime manager's systemd unit after its config changed. */
public final class ServiceRestart {
  private ServiceRestart() {}

  /** Runs {@code systemctl ACTION UNIT}; a failure says what to run by hand. */
  public static void run(String action, String unit) {
    List<String> cmd = List.of("systemctl", action, unit);
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new ManagerException(ManagerException.Kind.IO, String.join(" ", cmd) + " did not finish in 120 s");
      }
      if (p.exitValue() != 0) {
        throw new ManagerException(ManagerException.Kind.IO, String.join(" ", cmd) + " failed (" + p.exitValue()
            + (out.isEmpty() ? "" : ": " + out.lines().reduce((a, b) -> b).orElse("")) + "): the config is"
            + " written; " + action + " " + unit + " yourself");
      }
    } catch (IOException e) {
      throw new ManagerException(ManagerException.Kind.IO, "cannot run " + String.join(" ", cmd) + ": " + e.getMessage()
          + "; the config is written: " + action + " " + unit + " yourself");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ManagerException(ManagerException.Kind.IO, "interrupted while running " + String.join(" ", cmd));
    }
  }
}
