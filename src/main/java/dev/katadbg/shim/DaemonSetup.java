package dev.katadbg.shim;

import dev.katadbg.delve.Breakpoint;
import dev.katadbg.delve.DelveClient;
import dev.katadbg.delve.DelveException;
import dev.katadbg.session.SessionState;
import java.nio.file.Path;
import java.util.List;

/**
 * The last step of a start, on the Delve that has the daemon (or, for {@code target = "start"},
 * the start process): the configured breakpoints, each checked to match code, then a continue,
 * or nothing for a client to do it ({@code wait_for_client}). No stop of katadbg's own.
 */
final class DaemonSetup {
  private DaemonSetup() {}

  /** Sets {@code breakpoints} in the target; throws SetupException naming the bad one. */
  static void setBreakpoints(DelveClient client, List<String> breakpoints, Path shim,
      SessionLog log) {
    for (String location : breakpoints) {
      Breakpoint bp;
      try {
        bp = client.createBreakpoint(location);
      } catch (DelveException e) {
        throw new SetupException("cannot set breakpoint '" + location
            + "' from [debugger] breakpoints: " + e.getMessage(), e);
      }
      if (bp.pending()) {
        client.clearBreakpoint(bp.id());
        throw new SetupException("breakpoint '" + location + "' from [debugger] breakpoints"
            + " matches no code in " + shim + " (check the package path and name)");
      }
      log.info("breakpoint " + bp.id() + " at " + location + " (" + bp.file() + ":"
          + bp.line() + ")");
    }
  }

  /**
   * Continues the target, or leaves it halted for a client; returns the session state that
   * follows.
   */
  static SessionState resumeOrWait(DelveClient client, boolean waitForClient, String listen,
      SessionLog log) {
    if (waitForClient) {
      log.info("waiting for a client: the daemon is halted before its first instruction;"
          + " dlv connect " + listen);
      return SessionState.WAITING;
    }
    client.continueAsync();
    log.info("daemon continued");
    return SessionState.RUNNING;
  }
}
