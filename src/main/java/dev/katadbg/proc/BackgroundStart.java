package dev.katadbg.proc;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A debugger started in the background by a shell that exits at once, so that it is not the
 * starting JVM's child (a JVM waiting for a child in native code exits up to 300 ms later) and
 * holds nothing of the JVM's. The shell, not the JVM, can also name the process in a pid file
 * the moment it exists: a JVM killed right after the start (a caller that gave up) then still
 * leaves a guard able to end it.
 */
public final class BackgroundStart {
  /** Where the started command's standard output goes; its standard error goes to the log. */
  public enum Output {
    /** Into the log, with its standard error. */
    LOG,
    /** Away. */
    DISCARD
  }

  // The pid file is "PID STARTTIME" (stat field 22: the 20th word after the comm's ")"),
  // replaced by rename so that a reader sees it whole or not at all.
  private static final String RECORD_AND_PRINT = """
      if [ -n "$pf" ] && read -r l </proc/$p/stat; then
        set -- ${l##*) }; printf '%s %s\\n' $p "${20}" >"$pf.tmp" && mv -f "$pf.tmp" "$pf"
      fi
      echo $p
      """;

  private BackgroundStart() {}

  /**
   * The command line of a shell that starts {@code argv} in the background with its standard
   * input on /dev/null and its output as {@code output} says, writes its pid and start time to
   * {@code pidFile} if given, prints its pid and exits. Run it with {@link #run}.
   *
   * @param name the shell's {@code $0}, which {@code ps} shows while it runs
   */
  public static List<String> command(String name, Path log, Output output,
      Optional<Path> pidFile, List<String> argv) {
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("nothing to start");
    }
    String redirect = switch (output) {
      case LOG -> ">>\"$log\" 2>&1";
      case DISCARD -> ">/dev/null 2>>\"$log\"";
    };
    List<String> command = new ArrayList<>(List.of("/bin/sh", "-c",
        "log=$1 pf=$2; shift 2; \"$@\" </dev/null " + redirect + " & p=$!\n" + RECORD_AND_PRINT,
        name, log.toString(), pidFile.map(Path::toString).orElse("")));
    command.addAll(argv);
    return command;
  }

  /**
   * Starts the shell of {@link #command} and returns the pid it printed, once it has exited.
   *
   * @throws IOException if it cannot start, or printed no pid
   */
  public static long run(ProcessBuilder shell) throws IOException, InterruptedException {
    Process p = shell.start();
    String out;
    // The shell prints the pid itself before it exits: a writer it forked could lose it, as
    // Java drains and closes the pipe once its direct child has exited.
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip();
    }
    p.waitFor();
    try {
      return Long.parseLong(out);
    } catch (NumberFormatException e) {
      throw new IOException("no pid from the launching shell (got '" + out + "')");
    }
  }
}
