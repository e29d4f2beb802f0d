package dev.katadbg.delve;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * DelveProcess is a dlv server started by {@link DelveLauncher}: its process, where it listens and
 * its log. dlv reports start-up failures only in its log before exiting ({@code could not launch
 * process: ...}, {@code couldn't start listener: listen tcp ...: bind: address already in use}), so
 * {@link #connect} quotes the log when dlv is gone.
 */
public final class DelveProcess {
  /** Only the end of the log matters for error messages; a long log is not read whole. */
  private static final int MAX_TAIL_BYTES = 64 * 1024;

  /** What dlv prints once its listener is bound, before it touches its target. */
  static final String LISTENING = "API server listening at: ";

  /** Log lines quoted when dlv exited early. */
  private static final int REPORTED_LOG_LINES = 5;

  /** Time for a dying dlv to finish exiting before its death is reported as the cause. */
  private static final Duration EXIT_GRACE = Duration.ofMillis(500);

  private final ProcessHandle handle;
  private final Optional<Process> child;
  private final DelveAddress listenAddress;
  private final Path logFile;
  private final long logStart;
  private final List<String> command;

  DelveProcess(
      ProcessHandle handle,
      Optional<Process> child,
      DelveAddress listenAddress,
      Path logFile,
      long logStart,
      List<String> command) {
    this.handle = handle;
    this.child = child;
    this.listenAddress = listenAddress;
    this.logFile = logFile;
    this.logStart = logStart;
    this.command = List.copyOf(command);
  }

  /** dlv's pid (setsid exec'd it in place). */
  public long pid() {
    return handle.pid();
  }

  /** dlv's process handle, e.g. to find its debuggees among its descendants. */
  public ProcessHandle handle() {
    return handle;
  }

  /** Where dlv listens; for a port 0 in the spec, the port dlv bound and printed. */
  public DelveAddress listenAddress() {
    return listenAddress;
  }

  public Path logFile() {
    return logFile;
  }

  /** The full command line started, setsid first. */
  public List<String> command() {
    return command;
  }

  /** True while dlv runs; a zombie waiting for a slow init to reap it counts as exited. */
  public boolean isAlive() {
    if (child.isPresent()) {
      return child.get().isAlive();
    }
    if (!handle.isAlive()) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(handle.pid()), "stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Waits up to {@code timeout} for dlv to exit; true if it did. */
  public boolean awaitExit(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      if (child.isPresent()) {
        return child.get().waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
      }
      // Polled rather than ProcessHandle.onExit(): that parks a thread in native code, and
      // the JVM's exit then waits up to 300 ms for it.
      while (isAlive()) {
        if (System.nanoTime() > deadline) {
          return false;
        }
        Thread.sleep(10);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !isAlive();
    }
  }

  /** dlv's exit status, known when it was started as this JVM's child and has exited. */
  public OptionalInt exitStatus() {
    return child.filter(p -> !p.isAlive()).map(p -> OptionalInt.of(p.exitValue()))
        .orElse(OptionalInt.empty());
  }

  /**
   * Kills dlv with SIGKILL and reaps it. Its targets are not killed: the kernel detaches them when
   * their tracer dies and they run on, even one stopped at its entry point (seen with Delve 1.24.0,
   * which does not set PTRACE_O_EXITKILL). {@link DelveClient#detach} with kill ends them too.
   */
  public void kill() {
    handle.destroyForcibly();
    awaitExit(Duration.ofSeconds(10));
  }

  /**
   * The last {@code n} lines this dlv wrote to its log (lines from earlier runs sharing the file
   * excluded); empty if there is no log yet.
   */
  public List<String> logTail(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("line count must not be negative: " + n);
    }
    return lastLines(logText(logFile, logStart), n);
  }

  /** The text of {@code log} from byte {@code start} on (its last 64 KiB at most); "" if none. */
  private static String logText(Path log, long start) {
    if (!Files.exists(log)) {
      return "";
    }
    try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
      long end = file.length();
      long from = Math.max(start, end - MAX_TAIL_BYTES);
      if (from >= end) {
        return "";
      }
      byte[] bytes = new byte[(int) (end - from)];
      file.seek(from);
      file.readFully(bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("read delve log " + log + ": " + e.getMessage(), e);
    }
  }

  private static List<String> lastLines(String text, int n) {
    List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
    if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
      lines.remove(lines.size() - 1);
    }
    return List.copyOf(lines.subList(Math.max(0, lines.size() - n), lines.size()));
  }

  /**
   * This dlv, with the address it printed when it was started on TCP port 0; itself otherwise.
   *
   * @throws DelveException when dlv exits first (with its last log lines), or says nothing
   *     within {@code timeout} (dlv is then killed)
   */
  public DelveProcess listening(Duration timeout) {
    if (listenAddress.isUnix() || listenAddress.port().orElseThrow() != 0) {
      return this;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<DelveAddress> said = saidListening();
      if (said.isPresent()) {
        return new DelveProcess(handle, child, said.get(), logFile, logStart, command);
      }
      Optional<String> exited = exitReport();
      if (exited.isPresent()) {
        throw new DelveException("start dlv on " + listenAddress + ": " + exited.get());
      }
      if (System.nanoTime() - deadline > 0) {
        kill();
        throw new DelveException("start dlv on " + listenAddress + ": dlv (pid " + pid()
            + ") did not say where it listens within " + DurationText.of(timeout) + "; see "
            + logFile);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new DelveException("start dlv on " + listenAddress + ": interrupted");
      }
    }
  }

  /** The address in a whole "API server listening at:" line of this run's log, if one is there. */
  private Optional<DelveAddress> saidListening() {
    String text = logText(logFile, logStart);
    // Only whole lines: the last one may still be being written.
    for (String line : text.substring(0, text.lastIndexOf('\n') + 1).split("\n")) {
      if (line.startsWith(LISTENING)) {
        try {
          return Optional.of(DelveAddress.parse(line.substring(LISTENING.length()).strip()));
        } catch (IllegalArgumentException e) {
          throw new DelveException("dlv said it listens at an address katadbg cannot read: '"
              + line + "'", e);
        }
      }
    }
    return Optional.empty();
  }

  /** The last lines of {@code log} from byte {@code start} on, joined for an error message. */
  static String logSays(Path log, long start) {
    try {
      List<String> tail = lastLines(logText(log, start), REPORTED_LOG_LINES).stream()
          .filter(l -> !l.isBlank()).toList();
      return tail.isEmpty() ? "(nothing in " + log + ")" : String.join(" / ", tail);
    } catch (UncheckedIOException e) {
      return "(" + e.getMessage() + ")";
    }
  }

  /**
   * Connects to this dlv with the default call timeout; see {@link #connect(Duration, Duration)}.
   */
  public DelveClient connect(Duration connectTimeout) {
    return connect(connectTimeout, DelveClient.DEFAULT_CALL_TIMEOUT);
  }

  /**
   * Connects to this dlv like {@link DelveClient#connect}, but gives up as soon as dlv exits and
   * then reports its exit status and last log lines instead of a bare "connection refused".
   */
  public DelveClient connect(Duration connectTimeout, Duration callTimeout) {
    try {
      return JsonRpcDelveClient.connect(
          listenAddress, connectTimeout, callTimeout, this::exitReport);
    } catch (DelveException e) {
      // dlv may be dying (it closes its listener before exiting): prefer its own explanation.
      if (awaitExit(EXIT_GRACE) && !e.getMessage().contains("dlv exited")) {
        throw new DelveException(
            "connect to delve at " + listenAddress + ": " + exitReport().orElseThrow(), e);
      }
      throw e;
    }
  }

  /** "dlv exited with status 1: last log lines", once dlv has exited. */
  private Optional<String> exitReport() {
    if (isAlive()) {
      return Optional.empty();
    }
    OptionalInt status = exitStatus();
    return Optional.of("dlv exited" + (status.isPresent() ? " with status " + status.getAsInt()
        : "") + ": " + logSays(logFile, logStart));
  }

  @Override
  public String toString() {
    return "dlv pid " + pid() + " listening at " + listenAddress;
  }
}
