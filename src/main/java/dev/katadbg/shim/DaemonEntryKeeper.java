package dev.katadbg.shim;

import dev.katadbg.delve.DebuggerState;
import dev.katadbg.delve.DelveAddress;
import dev.katadbg.delve.DelveClient;
import dev.katadbg.delve.DelveException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Lets the shim's daemon run on once it has stopped at its entry breakpoint, after the wrapper
 * has already answered the runtime manager. Delve spends about a second loading the daemon's
 * DWARF after the exec; the runtime manager should not wait for that, but someone must be
 * connected to continue the daemon when it stops, and the wrapper has exited by then.
 *
 * <p>Runs as its own short-lived process: {@code DaemonEntryKeeper LISTEN BREAKPOINT_ID
 * START_PID LOG}. It gives up after {@link #PATIENCE}, or when the stop is somewhere else (a
 * user's breakpoint: that stop is the user's).
 */
public final class DaemonEntryKeeper {
  static final Duration PATIENCE = Duration.ofMinutes(10);
  private static final long POLL_MILLIS = 10;

  private DaemonEntryKeeper() {}

  /** Starts a keeper detached from the wrapper: own session, no inherited pipes. */
  static void spawn(String listen, int entryBreakpoint, int startPid, Path log) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/setsid", java, "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Xshare:auto",
        "-cp", System.getProperty("java.class.path"), DaemonEntryKeeper.class.getName(),
        listen, Integer.toString(entryBreakpoint), Integer.toString(startPid), log.toString()));
    new ProcessBuilder(cmd)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
  }

  public static void main(String[] args) {
    SessionLog log = new SessionLog(Path.of(args[3]));
    int entry = Integer.parseInt(args[1]);
    int startPid = Integer.parseInt(args[2]);
    Instant deadline = Instant.now().plus(PATIENCE);
    try (DelveClient c = DelveClient.connect(DelveAddress.parse(args[0]), Duration.ofSeconds(10))) {
      while (Instant.now().isBefore(deadline)) {
        DebuggerState s = c.state(true);
        if (s.exited()) {
          return;
        }
        if (!s.running()) {
          boolean atEntry = s.currentThread().filter(t -> t.breakpointId().isPresent()
              && t.breakpointId().getAsInt() == entry).isPresent();
          if (!atEntry) {
            log.info("stopped in " + s.pid() + " outside the daemon's entry; left for the user");
            return;
          }
          if (s.pid() != startPid) {
            c.clearBreakpoint(entry);
            c.continueAsync();
            log.info("daemon " + s.pid() + " reached main.main; continued it");
            Thread.sleep(50);
            return;
          }
        }
        Thread.sleep(POLL_MILLIS);
      }
      log.warn("the daemon did not reach main.main within " + PATIENCE.toMinutes() + "m");
    } catch (DelveException e) {
      log.warn("keeper lost the debugger: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
