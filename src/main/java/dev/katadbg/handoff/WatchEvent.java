package dev.katadbg.handoff;

import java.util.Optional;

/** One line the exec watcher writes on its event pipe (see src/main/c/execwatch.c). */
public sealed interface WatchEvent {
  /** The shim's start process exec'd: it is running. */
  record Started(int pid) implements WatchEvent {}

  /** The daemon exec'd and is held before its first instruction. */
  record Daemon(int pid) implements WatchEvent {}

  /** The held daemon exited before the hand-off (its own start killed it). */
  record Lost(int pid) implements WatchEvent {}

  /** The start process exited with {@code status}. */
  record Exited(int status) implements WatchEvent {}

  /** The start process was killed by {@code signal}. */
  record Killed(int signal) implements WatchEvent {}

  /** The daemon is stopped, untraced, waiting for a debugger. */
  record Handed(int pid) implements WatchEvent {}

  /** The start process exited without executing a daemon. */
  record NoDaemon() implements WatchEvent {}

  /** The start process ran longer than the limit: it and the daemon were killed. */
  record Timeout(long millis) implements WatchEvent {}

  /** The watcher itself failed. */
  record Error(String text) implements WatchEvent {}

  /** The event on {@code line}; empty for a line the watcher does not write. */
  static Optional<WatchEvent> parse(String line) {
    int sp = line.indexOf(' ');
    String word = sp < 0 ? line : line.substring(0, sp);
    String rest = sp < 0 ? "" : line.substring(sp + 1);
    try {
      return Optional.ofNullable(switch (word) {
        case "started" -> new Started(Integer.parseInt(rest));
        case "daemon" -> new Daemon(Integer.parseInt(rest));
        case "lost" -> new Lost(Integer.parseInt(rest));
        case "exited" -> new Exited(Integer.parseInt(rest));
        case "killed" -> new Killed(Integer.parseInt(rest));
        case "handed" -> new Handed(Integer.parseInt(rest));
        case "nodaemon" -> rest.isEmpty() ? new NoDaemon() : null;
        case "timeout" -> new Timeout(Long.parseLong(rest));
        case "error" -> rest.isEmpty() ? null : new Error(rest);
        default -> null;
      });
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
