package dev.katadbg.session;

import dev.katadbg.session.Session.ProcessRef;
import java.io.File;
import java.io.IOException;

/**
 * Ends a session's Delve when its shim daemon exits, and, as a wrapper's guard, the daemon and
 * Delve of a start whose wrapper was killed before it replied. A headless multi-client Delve outlives its
 * target, and nobody else is left to stop it: the wrapper exited when the shim replied, and
 * {@code katadbg attach} when Delve was attached. A shell
 * loop polling five times a second without forks costs nothing beside a JVM per session. It is forked
 * off ({@code setsid --fork}) so the wrapper is not its parent: a JVM waiting for a child in
 * native code takes 300 ms longer to exit.
 */
public final class Reaper {
  /**
   * In a session's directory: the debugger's "PID STARTTIME" (Delve, or gdb's keeper), written
   * by the shell that launched it.
   */
  public static final String DEBUGGER_PID = "debugger.pid";
  /** In a session's directory: the debugger's name for the reaper's words, if not Delve. */
  public static final String DEBUGGER_NAME = "debugger.name";
  /** In a session's directory: the wrapper is done with the start, whatever its outcome. */
  public static final String WRAPPER_DONE = "wrapper.done";
  /** In a session's directory: one line, why its shim or Delve ended, once the reaper saw it. */
  public static final String ENDED_FILE = "ended";

  // Identity is pid + start time (stat field 22), so a reused pid is never killed.
  // Fork-free checks (read and parameter expansion are shell builtins), so polling five times a
  // second costs one sleep per poll. After ")" in /proc/PID/stat come state (field 3) and, as
  // the 20th word, the start time (field 22).
  private static final String ALIVE = """
      alive() {
        read -r line 2>/dev/null </proc/$1/stat || return 1
        set -- $2 ${line##*) }
        [ "$2" != Z ] && [ "${21}" = "$1" ]
      }
      """;
  // Which of the two ended first is the evidence a user needs: Delve ending under a live shim
  // (killed, crashed) is followed within moments by the shim's own death when it was stopped at
  // a breakpoint, since the int3 the dead Delve left in the code is then executed (SIGTRAP).
  private static final String END_DELVE_WITH_SHIM = """
      dn=Delve
      read -r dn 2>/dev/null <"$dir/debugger.name"
      while alive $s $st && alive $d $dt; do sleep 0.2; done
      if alive $d $dt; then
        kill -TERM $d
        n=0; while [ $n -lt 20 ] && alive $d $dt; do sleep 0.1; n=$((n + 1)); done
        alive $d $dt && kill -KILL $d
        ended "the shim (pid $s) exited; katadbg ended its $dn (pid $d)"
      elif alive $s $st; then
        n=0; while [ $n -lt 20 ] && alive $s $st; do sleep 0.1; n=$((n + 1)); done
        if alive $s $st; then
          ended "$dn (pid $d) ended while the shim (pid $s) ran under it; the shim runs on" \
            "without a debugger, and a breakpoint left in its code will kill it (SIGTRAP)" \
            "if reached: katadbg stop --kill ends it"
        else
          ended "$dn (pid $d) ended while the shim (pid $s) ran under it, and the shim died" \
            "right after: a breakpoint the dead $dn left in its code (SIGTRAP), likely"
        fi
      else
        # Within one poll: a shim's own exit leaves its Delve running, so this is Delve's death
        # taking the shim with it, or something that killed both.
        ended "$dn (pid $d) and the shim (pid $s) ended together: a shim stopped at a" \
          "breakpoint dies of it (SIGTRAP) when its Delve is killed, likely what happened"
      fi
      exit 0
      """;
  // One line for `katadbg sessions` (ENDED, read as the session's reason) and the session log.
  private static final String ENDED = """
      ended() {
        echo "$*" >"$dir/ended.tmp" && mv -f "$dir/ended.tmp" "$dir/ended"
        echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) WARN $*" >>"$dir/katadbg.log"
      }
      """;
  private static final String SCRIPT = "s=$1 st=$2 d=$3 dt=$4 dir=$5\n" + ALIVE + ENDED
      + END_DELVE_WITH_SHIM;
  // Until the wrapper writes WRAPPER_DONE (it does on every way out it controls), its death means
  // it was killed mid-start, by a caller that gave up: the held daemon, stopped, and its Delve
  // would stay for good. The daemon goes first, so that Delve's death cannot let it run.
  private static final String GUARD = "w=$1 wt=$2 s=$3 st=$4 dir=$5\n" + ALIVE + ENDED + """
      while [ ! -e "$dir/wrapper.done" ]; do
        if ! alive $w $wt; then
          [ -e "$dir/wrapper.done" ] && break
          alive $s $st && kill -KILL $s
          d= dt=
          read -r d dt 2>/dev/null <"$dir/debugger.pid"
          [ -n "$d" ] && alive $d $dt && kill -KILL $d
          ended "the wrapper was killed before it replied (its caller gave up):" \
            "katadbg's guard ended the daemon and its debugger"
          exit 0
        fi
        sleep 0.05
      done
      d= dt=
      read -r d dt 2>/dev/null <"$dir/debugger.pid" || exit 0
      """ + END_DELVE_WITH_SHIM;

  private Reaper() {}

  /**
   * Starts a reaper that ends {@code debugger} (Delve, or the name in {@link #DEBUGGER_NAME})
   * once {@code shim} has exited, and writes why the
   * session ended into {@code dir}'s {@link #ENDED_FILE} and log.
   */
  public static void start(ProcessRef shim, ProcessRef debugger, java.nio.file.Path dir) {
    spawn(SCRIPT, "katadbg-reaper", Integer.toString(shim.pid()), Long.toString(shim.startTime()),
        Integer.toString(debugger.pid()), Long.toString(debugger.startTime()), dir.toString());
  }

  /**
   * Guards a wrapper's start from the moment it holds a daemon: if {@code wrapper} dies before
   * {@link #WRAPPER_DONE} appears in {@code dir}, the daemon and the debugger named by
   * {@link #DEBUGGER_PID} are killed; after it, the debugger ends with the daemon, as {@link
   * #start}.
   */
  public static void guard(ProcessRef wrapper, ProcessRef daemon, java.nio.file.Path dir) {
    spawn(GUARD, "katadbg-guard", Integer.toString(wrapper.pid()),
        Long.toString(wrapper.startTime()), Integer.toString(daemon.pid()),
        Long.toString(daemon.startTime()), dir.toString());
  }

  /**
   * Where the guard of the session in {@code dir} reads which debugger to end with the daemon:
   * the launching shell writes it, before the launcher returns.
   */
  public static java.nio.file.Path debuggerPidFile(java.nio.file.Path dir) {
    return dir.resolve(DEBUGGER_PID);
  }

  /**
   * How the reaper and guard of the session in {@code dir} name its debugger when it is not
   * Delve ("gdb"); written before it starts, so that it is there whenever they speak of it.
   */
  public static void debuggerNamed(java.nio.file.Path dir, String name) throws IOException {
    java.nio.file.Files.writeString(dir.resolve(DEBUGGER_NAME), name + "\n");
  }

  /** Tells the guard of the session in {@code dir} that the wrapper is done with the start. */
  public static void wrapperDone(java.nio.file.Path dir) throws IOException {
    java.nio.file.Files.writeString(dir.resolve(WRAPPER_DONE), "");
  }

  private static void spawn(String script, String name, String... args) {
    java.util.List<String> command = new java.util.ArrayList<>(
        java.util.List.of("/usr/bin/setsid", "--fork", "/bin/sh", "-c", script, name));
    command.addAll(java.util.List.of(args));
    try {
      new ProcessBuilder(command)
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
