package dev.katadbg.handoff;

import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A running exec watcher as {@link ExecWatcher.Watched} needs it: its pid, the start's stdout
 * (the reply), the watcher's own events, its exit and a way to end it. The watcher is a child of
 * this JVM ({@link #of(Process)}), or of katadbg's native front when a resident katadbg serves
 * the start: then these streams come over the front's socket, and the start stays the child of
 * the process the runtime manager ran.
 */
public interface WatcherProcess {
  long pid();

  /** The start process's stdout: the bytes of its reply. */
  InputStream stdout();

  /** The watcher's event lines (its stderr). */
  InputStream events();

  /** Waits up to {@code timeout} for the watcher to exit; whether it did. */
  boolean waitFor(Duration timeout) throws InterruptedException;

  /** The watcher's exit status, once {@link #waitFor} said it exited. */
  int exitValue();

  boolean isAlive();

  /**
   * Ends the watcher (and by PTRACE_O_EXITKILL what it traces); its streams end too, so their
   * readers return.
   */
  void kill();

  /** A watcher this JVM started itself. */
  static WatcherProcess of(Process p) {
    return new WatcherProcess() {
      @Override
      public long pid() {
        return p.pid();
      }

      @Override
      public InputStream stdout() {
        return p.getInputStream();
      }

      @Override
      public InputStream events() {
        return p.getErrorStream();
      }

      @Override
      public boolean waitFor(Duration timeout) throws InterruptedException {
        return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      }

      @Override
      public int exitValue() {
        return p.exitValue();
      }

      @Override
      public boolean isAlive() {
        return p.isAlive();
      }

      @Override
      public void kill() {
        p.destroyForcibly();
      }
    };
  }
}
