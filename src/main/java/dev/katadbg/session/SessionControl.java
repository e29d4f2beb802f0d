package dev.katadbg.session;

import dev.katadbg.delve.DebuggerState;
import dev.katadbg.delve.DelveAddress;
import dev.katadbg.delve.DelveClient;
import dev.katadbg.delve.DelveException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Operations on a live session's debugger. */
public final class SessionControl {
  private static final Duration CONNECT = Duration.ofSeconds(5);
  private static final Duration HALT = Duration.ofSeconds(5);

  private SessionControl() {}

  /**
   * Detaches (Delve removes its breakpoints, so the shim runs on unharmed) or, with
   * {@code kill}, has Delve kill the shim. Delve only detaches a stopped target, so a running
   * one is halted first.
   */
  public static void stop(Session s, boolean kill) {
    try (DelveClient c = DelveClient.connect(DelveAddress.parse(s.listen()), CONNECT)) {
      DebuggerState st = c.state(true);
      if (st.running()) {
        CompletableFuture<DebuggerState> halted = CompletableFuture.supplyAsync(c::halt);
        try {
          halted.get(HALT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          throw new IllegalStateException("the shim of " + s.id() + " did not halt within "
              + HALT.toSeconds() + "s (Delve halts only a process that has stopped once); set a"
              + " breakpoint it will hit, or stop with --kill");
        } catch (Exception e) {
          throw new IllegalStateException("halt failed: " + e.getMessage(), e);
        }
      }
      c.detach(kill);
    } catch (DelveException e) {
      throw new IllegalStateException("cannot reach the debugger of " + s.id() + " at "
          + s.listen() + ": " + e.getMessage(), e);
    }
  }
}
