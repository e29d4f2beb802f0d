package dev.katadbg.session;

import dev.katadbg.session.Session.ProcessRef;
import java.io.File;
import java.io.IOException;

/**
 * Ends a session's Delve when its shim daemon exits. A headless multi-client Delve outlives its
 * target, and nobody else is left to stop it: the wrapper exited when the shim replied, and
 * {@code katadbg attach} when Delve was attached. A shell
 * loop polling five times a second without forks costs nothing beside a JVM per session. It is forked
 * off ({@code setsid --fork}) so the wrapper is not its parent: a JVM waiting for a child in
 * native code takes 300 ms longer to exit.
 */
public final class Reaper {
  // Identity is pid + start time (stat field 22), so a reused pid is never killed.
  // Fork-free checks (read and parameter expansion are shell builtins), so polling five times a
  // second costs one sleep per poll. After ")" in /proc/PID/stat come state (field 3) and, as
  // the 20th word, the start time (field 22).
  private static final String SCRIPT = """
      s=$1 st=$2 d=$3 dt=$4
      alive() {
        read -r line 2>/dev/null </proc/$1/stat || return 1
        set -- $2 ${line##*) }
        [ "$2" != Z ] && [ "${21}" = "$1" ]
      }
      while alive $s $st && alive $d $dt; do sleep 0.2; done
      if alive $d $dt; then
        kill -TERM $d
        n=0; while [ $n -lt 20 ] && alive $d $dt; do sleep 0.1; n=$((n + 1)); done
        alive $d $dt && kill -KILL $d
      fi
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
