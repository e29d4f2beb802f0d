package dev.katadbg.handoff;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How a watched start ended: the start process's own reply and exit, and the daemon waiting for
 * a debugger, or why there is none.
 *
 * @param startPid the start process, once it ran
 * @param exitStatus the start process's exit status; empty when it did not exit normally
 * @param reply what the start process wrote on its stdout, byte for byte
 * @param daemon the daemon, stopped and untraced, when the hand-off succeeded
 * @param problem why the watch failed (the watcher's words), when it did; nothing it started is
 *     left running then
 * @param events what the watcher reported, in order, for the session log
 */
public record Handoff(OptionalInt startPid, OptionalInt exitStatus, byte[] reply,
    OptionalInt daemon, Optional<String> problem, List<WatchEvent> events) {

  public Handoff {
    Objects.requireNonNull(reply, "reply");
    events = List.copyOf(events);
    if (daemon.isPresent() && problem.isPresent()) {
      throw new IllegalArgumentException("a handed daemon and a problem");
    }
  }

  /** The start process exited 0: its reply is a reply, not an error text. */
  public boolean startSucceeded() {
    return exitStatus.isPresent() && exitStatus.getAsInt() == 0;
  }

  /**
   * Reads the watcher's events (in order) and the start's stdout into the outcome. A daemon
   * counts as handed only with the watcher's {@code handed} for it; a start that exited 0
   * without a daemon is no problem (a shim that reuses a running daemon does that), a watcher
   * that ended without saying how the start ended is.
   */
  public static Handoff of(List<WatchEvent> events, byte[] reply, int watcherExit) {
    OptionalInt start = OptionalInt.empty();
    OptionalInt exit = OptionalInt.empty();
    OptionalInt held = OptionalInt.empty();
    OptionalInt handed = OptionalInt.empty();
    List<String> problems = new ArrayList<>();
    boolean ended = false;
    for (WatchEvent e : events) {
      if (e instanceof WatchEvent.Started s) {
        start = OptionalInt.of(s.pid());
      } else if (e instanceof WatchEvent.Daemon d) {
        held = OptionalInt.of(d.pid());
      } else if (e instanceof WatchEvent.Lost l) {
        if (held.isPresent() && held.getAsInt() == l.pid()) {
          held = OptionalInt.empty();
        }
      } else if (e instanceof WatchEvent.Exited x) {
        exit = OptionalInt.of(x.status());
        ended = true;
      } else if (e instanceof WatchEvent.Killed k) {
        problems.add("the shim's start was killed by signal " + k.signal());
        ended = true;
      } else if (e instanceof WatchEvent.Handed h) {
        if (held.isPresent() && held.getAsInt() == h.pid()) {
          handed = OptionalInt.of(h.pid());
        }
      } else if (e instanceof WatchEvent.Timeout t) {
        problems.add("the shim's start did not exit within " + t.millis() + " ms; it was"
            + " killed" + (held.isPresent() ? " with pid " + held.getAsInt() + ", held as its"
            + " daemon (if the start waits for that process, it is not the daemon: set"
            + " [debugger] follow_exec_regex to match only the daemon's command line)"
            : " (raise [debugger] start_timeout if it needs longer)"));
        ended = true;
      } else if (e instanceof WatchEvent.Error err) {
        problems.add(err.text());
      }
    }
    if (!ended && problems.isEmpty()) {
      problems.add("the exec watcher ended (status " + watcherExit + ") before the shim's"
          + " start did");
    }
    if (held.isPresent() && handed.isEmpty() && problems.isEmpty() && exit.isPresent()) {
      problems.add("the daemon " + held.getAsInt() + " was never handed over");
    }
    Optional<String> problem = problems.isEmpty() ? Optional.empty()
        : Optional.of(String.join("; ", problems));
    return new Handoff(start, exit, reply, problem.isPresent() ? OptionalInt.empty() : handed,
        problem, events);
  }
}
