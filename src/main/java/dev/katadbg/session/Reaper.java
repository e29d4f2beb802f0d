package dev.katadbg.session;

import dev.katadbg.session.Session.ProcessRef;
import java.io.File;
import java.io.IOException;

/**
 * Ends a session's Delve when its shim daemon exits. A headless multi-client Delve outlives its
 * target, and nobody else is left to stop it: the wrapper exited when the shim replied, and
 * {@code katadbg attach} when Delve was attached. A shell
 * loop polling once a second costs nothing beside a JVM per session. It is forked
 * off ({@code setsid --fork}) so the wrapper is not its parent: a JVM waiting for a child in
 * native code takes 300 ms longer to exit.
 */
public final class Reaper {
  // Identity is pid + start time (stat field 22), so a reused pid is never killed.
  private static final String SCRIPT = """
      s=$1 st=$2 d=$3 dt=$4
      alive() { [ -r /proc/$1/stat ] && set -- $1 $2 "$(cat /proc/$1/stat 2>/dev/null)" &&
        [ "$(echo "$3" | sed 's/.*) //' | cut -d' ' -f1)" != Z ] &&
        [ "$(echo "$3" | sed 's/.*) //' | cut -d' ' -f20)" = "$2" ]; }
      while alive $s $st && alive $d $dt; do sleep 1; done
      if alive $d $dt; then kill -TERM $d; sleep 2; alive $d $dt && kill -KILL $d; fi
      exit 0
      """;

  private Reaper() {}

  /** Starts a reaper that ends {@code debugger} once {@code shim} has exited. */
  public static void start(ProcessRef shim, ProcessRef debugger) {
    try {
      new ProcessBuilder("/usr/bin/setsid", "--fork", "/bin/sh", "-c", SCRIPT, "katadbg-reaper",
          Integer.toString(shim.pid()), Long.toString(shim.startTime()),
          Integer.toString(debugger.pid()), Long.toString(debugger.startTime()))
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start()
          .waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // Without a reaper the session's Delve stays until `katadbg stop`; the session works.
    }
  }
}
