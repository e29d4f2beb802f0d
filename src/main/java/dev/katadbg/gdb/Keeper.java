package dev.katadbg.gdb;

import dev.katadbg.proc.BackgroundStart;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A session's own gdb: it holds the connection to the session's gdbserver, and with it the
 * breakpoints, for as long as the session lives. Any katadbg process talks to it through two
 * files in the session's directory: {@value #COMMANDS} (a FIFO, gdb's stdin) and {@value
 * #OUTPUT} (gdb's MI output, appended). A command goes in with a random token and its answer is
 * the result record carrying that token, so concurrent callers do not mix answers.
 */
public final class Keeper {
  /** In the session directory: the FIFO gdb reads MI commands from. */
  public static final String COMMANDS = "gdb.in";
  /** In the session directory: gdb's MI output. */
  public static final String OUTPUT = "gdb.mi";
  /** In the session directory: gdbserver's own output. */
  public static final String SERVER_LOG = "gdbserver.log";
  /**
   * In the session directory while the keeper has let go of gdbserver for another gdb: the pid
   * of the katadbg that borrowed it, so other commands can say who has it.
   */
  public static final String LENT = "lent";
  /** katadbg's helper that serves a session's unix socket (src/main/c/gdbrelay.c). */
  public static final String RELAY = "katadbg-gdbrelay";

  // Run by gdb before it reads a command. sysroot "/" reads the shared libraries from this
  // machine instead of through the remote protocol (it is the same machine): 1.5 s instead of
  // 2.5 s for a connect here. SIGCONT is what katadbg sends to end the hand-off's group-stop;
  // SIGPIPE and the like are the program's own business. SIGURG is Go's asynchronous
  // preemption, and is not passed on: its handler rewrites the interrupted thread's PC, which
  // can strand gdb stepping a thread over a breakpoint (all other threads stay stopped); Delve
  // turns async preemption off in the programs it debugs for the same reason. Go then preempts
  // cooperatively; Rust ignores SIGURG anyway.
  /** Signals gdb passes on to the shim without stopping or printing. */
  public static final List<String> PASSED_SIGNALS =
      List.of("SIGCONT", "SIGPIPE", "SIGWINCH", "SIGCHLD");
  /** Every gdb katadbg starts or configures gets these (the keeper, connect's, an IDE's). */
  public static final List<String> SIGNAL_SETTINGS = java.util.stream.Stream.concat(
      PASSED_SIGNALS.stream().map(s -> "handle " + s + " nostop noprint pass"),
      java.util.stream.Stream.of("handle SIGURG nostop noprint nopass")).toList();
  private static final List<String> SETUP = java.util.stream.Stream.concat(java.util.stream.Stream.of(
      "set mi-async on", "set pagination off", "set confirm off", "set sysroot /",
      "set auto-load safe-path /"), SIGNAL_SETTINGS.stream()).toList();

  // gdbserver is gdb's child, so it can die with it (PR_SET_PDEATHSIG through setpriv): the
  // session's reaper and `stop --kill` end one process, and no gdbserver is left holding the
  // shim. The outer shell prints the keeper's pid and exits, so katadbg is nobody's parent.
  // With a unix socket, all of it runs in a network namespace of its own (see gdbrelay.c),
  // the relay's loopback brought up first so gdbserver can listen on it.
  private static final String KEEPER = """
      gs=$1 addr=$2 pid=$3 gdb=$4 bin=$5 fifo=$6 mi=$7 slog=$8 relay=$9 sock=${10}; shift 10
      if [ -n "$sock" ]; then
        "$relay" lo-up </dev/null >>"$slog" 2>&1 || exit 1
        setpriv --pdeathsig KILL "$relay" "$sock" "${addr##*:}" </dev/null >>"$slog" 2>&1 &
      fi
      setpriv --pdeathsig KILL "$gs" --attach "$addr" "$pid" </dev/null >>"$slog" 2>&1 &
      exec "$gdb" -q -nx --interpreter=mi3 "$@" "$bin" <>"$fifo" >>"$mi" 2>&1
      """;

  private static final Duration POLL = Duration.ofMillis(3);

  /** What gdbserver prints once it listens; the port it bound for port 0. */
  private static final java.util.regex.Pattern LISTENING = java.util.regex.Pattern.compile(
      "^Listening on port (\\d+)$", java.util.regex.Pattern.MULTILINE);

  /**
   * What a breakpoint location is for gdb, for error messages: gdb 13 does not resolve a Rust
   * method by its bare name, and Go functions only by their full name.
   */
  public static final String LOCATIONS = "a function by its full path, e.g."
      + " crate::module::Type::method or a Go function's full name, or FILE:LINE";

  private final Path commands;
  private final Path output;

  /** The keeper's pid when this process launched it: a keeper gone before its prompt fails fast. */
  private final java.util.OptionalLong pid;

  /** Bytes in gdbserver's log before this keeper's gdbserver wrote to it. */
  private final long serverLogStart;

  private Keeper(Path dir, java.util.OptionalLong pid, long serverLogStart) {
    this.commands = dir.resolve(COMMANDS);
    this.output = dir.resolve(OUTPUT);
    this.pid = pid;
    this.serverLogStart = serverLogStart;
  }

  /**
   * Where gdbserver listens when the session's address is a unix socket: in the keeper's own
   * network namespace, so no one outside it can reach this port.
   */
  public static final String NAMESPACED_ADDRESS = "127.0.0.1:2345";

  /** Prefix of a session address that is a unix socket ({@code unix:/path}). */
  private static final String UNIX = "unix:";

  /**
   * What a keeper needs.
   *
   * @param listen the session's address: gdbserver's {@code HOST:PORT}, or {@code unix:/path}
   *     for a 0600 unix socket that {@code relay} serves
   * @param relay katadbg's {@code katadbg-gdbrelay}, needed for a unix socket
   * @param pid the stopped process gdbserver attaches to
   * @param binary its executable, for gdb's symbols
   * @param dir the session directory, for the keeper's files
   */
  public record Spec(Path gdb, Path gdbserver, Path binary, String listen, int pid, Path dir,
      Map<String, String> environment, Optional<Path> relay) {
    public Spec {
      Objects.requireNonNull(relay, "relay");
      Objects.requireNonNull(gdb, "gdb");
      Objects.requireNonNull(gdbserver, "gdbserver");
      Objects.requireNonNull(binary, "binary");
      Objects.requireNonNull(listen, "listen");
      Objects.requireNonNull(dir, "dir");
      environment = Map.copyOf(environment);
      if (pid <= 0) {
        throw new IllegalArgumentException("pid must be positive: " + pid);
      }
      if (listen.startsWith(UNIX)) {
        if (!listen.startsWith(UNIX + "/")) {
          throw new IllegalArgumentException("a unix socket's path must be absolute: " + listen);
        }
        if (relay.isEmpty()) {
          throw new IllegalArgumentException("a unix socket (" + listen + ") needs the relay");
        }
      } else if (!listen.matches("[^:\\s]+:\\d+")) {
        throw new IllegalArgumentException("gdbserver listens on HOST:PORT or unix:/path, not '"
            + listen + "'");
      }
    }
  }

  /** A started keeper: its pid, and the client on it. */
  public record Started(long pid, Keeper keeper) {}

  /**
   * Starts gdbserver on the stopped process and a keeper gdb beside it; returns at once. The
   * keeper is not connected yet: {@link #connect}.
   */
  public static Started launch(Spec spec) {
    return launch(spec, Optional.empty());
  }

  /**
   * As {@link #launch(Spec)}, and the keeper's pid and start time ({@code /proc/PID/stat} field
   * 22) are written to {@code pidFile} ("PID START", replaced atomically) by the launching shell
   * before this returns: a caller killed at any moment after the keeper exists leaves the file
   * for a guard to end it with, and gdbserver dies with the keeper (its parent death signal).
   */
  public static Started launch(Spec spec, Optional<Path> pidFile) {
    Path fifo = spec.dir().resolve(COMMANDS);
    try {
      Files.deleteIfExists(fifo);
      mkfifo(fifo);
      // Emptied: the first prompt in it must be this gdb's (see awaitReady).
      Files.write(spec.dir().resolve(OUTPUT), new byte[0], StandardOpenOption.CREATE,
          StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new GdbException("cannot create the keeper's files in " + spec.dir() + ": "
          + e.getMessage(), e);
    }
    Optional<Path> socket = unixSocket(spec.listen());
    // What setsid or unshare say when they fail (unshare --net needs CAP_SYS_ADMIN) goes to
    // gdbserver's log, which the errors quote. Both exec in place: the keeper's pid is the one
    // the shell printed.
    Path serverLog = spec.dir().resolve(SERVER_LOG);
    long serverLogStart = serverLog.toFile().length();
    List<String> argv = new ArrayList<>(List.of("/usr/bin/setsid"));
    if (socket.isPresent()) {
      argv.addAll(List.of("/usr/bin/unshare", "--net"));
    }
    argv.addAll(List.of("/bin/sh", "-c", KEEPER, "katadbg-gdb-keeper",
        spec.gdbserver().toString(), keeperAddress(spec.listen()), Integer.toString(spec.pid()),
        spec.gdb().toString(), spec.binary().toString(), fifo.toString(),
        spec.dir().resolve(OUTPUT).toString(), serverLog.toString(),
        spec.relay().map(Path::toString).orElse(""),
        socket.map(Path::toString).orElse("")));
    for (String s : SETUP) {
      argv.add("-ex");
      argv.add(s);
    }
    ProcessBuilder pb = new ProcessBuilder(BackgroundStart.command("katadbg-gdb", serverLog,
        BackgroundStart.Output.DISCARD, pidFile, argv)).directory(spec.dir().toFile());
    pb.environment().clear();
    pb.environment().putAll(spec.environment());
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    try {
      long keeper = BackgroundStart.run(pb);
      return new Started(keeper,
          new Keeper(spec.dir(), java.util.OptionalLong.of(keeper), serverLogStart));
    } catch (IOException e) {
      throw new GdbException("cannot start gdb: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GdbException("interrupted starting gdb");
    }
  }

  /** The socket of a {@code unix:/path} session address. */
  public static Optional<Path> unixSocket(String listen) {
    return listen.startsWith(UNIX) ? Optional.of(Path.of(listen.substring(UNIX.length())))
        : Optional.empty();
  }

  /** Where the keeper reaches gdbserver: from inside its namespace for a unix socket. */
  static String keeperAddress(String listen) {
    return listen.startsWith(UNIX) ? NAMESPACED_ADDRESS : listen;
  }

  /** What another gdb's {@code target extended-remote} takes: HOST:PORT, or the socket's path. */
  public static String clientAddress(String listen) {
    return unixSocket(listen).map(Path::toString).orElse(listen);
  }

  /** The live katadbg that has borrowed the gdbserver of the session in {@code dir}, if any. */
  public static java.util.OptionalLong lentTo(Path dir) {
    try {
      long pid = Long.parseLong(Files.readString(dir.resolve(LENT)).strip());
      return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
          ? java.util.OptionalLong.of(pid) : java.util.OptionalLong.empty();
    } catch (IOException | NumberFormatException e) {
      return java.util.OptionalLong.empty();
    }
  }

  /** The keeper of the session in {@code dir}, started earlier by {@link #launch}. */
  public static Keeper in(Path dir) {
    return new Keeper(dir, java.util.OptionalLong.empty(), 0);
  }

  /**
   * Connects the keeper to gdbserver, retrying while gdbserver is not listening yet (it listens
   * once attached). Returns the session's address: for a TCP port 0, with the port gdbserver
   * bound and printed (a port picked here and handed over could be taken in between).
   */
  public String connect(String listen, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    awaitReady(deadline);
    String bound = boundAddress(listen, deadline);
    while (true) {
      try {
        call("-target-select extended-remote " + keeperAddress(bound), timeout);
        awaitSocket(bound, deadline);
        return bound;
      } catch (GdbException e) {
        boolean refused = String.valueOf(e.getMessage()).contains("Connection refused");
        if (!refused || System.nanoTime() > deadline) {
          throw new GdbException("gdb cannot connect to gdbserver at " + listen + ": "
              + e.getMessage() + serverSaid(), e);
        }
        sleep(Duration.ofMillis(20));
      }
    }
  }

  /** {@code listen}, or for a TCP port 0 the address with the port gdbserver said it bound. */
  String boundAddress(String listen, long deadline) {
    if (listen.startsWith(UNIX) || !listen.endsWith(":0")) {
      return listen;
    }
    while (true) {
      java.util.OptionalInt port = portSaid();
      if (port.isPresent()) {
        return listen.substring(0, listen.length() - 1) + port.getAsInt();
      }
      if (System.nanoTime() > deadline) {
        throw new GdbException("gdbserver did not say which port it listens on (asked for "
            + listen + ")" + serverSaid());
      }
      if (pid.isPresent() && !running(pid.getAsLong())) {
        throw new GdbException("gdb exited before gdbserver listened" + serverSaid());
      }
      sleep(POLL);
    }
  }

  /** The port in a whole "Listening on port N" line this keeper's gdbserver wrote. */
  private java.util.OptionalInt portSaid() {
    byte[] all;
    try {
      all = Files.readAllBytes(commands.resolveSibling(SERVER_LOG));
    } catch (IOException e) {
      return java.util.OptionalInt.empty();
    }
    int from = (int) Math.min(serverLogStart, all.length);
    String text = new String(all, from, all.length - from, StandardCharsets.UTF_8);
    java.util.regex.Matcher m = LISTENING.matcher(text.substring(0, text.lastIndexOf('\n') + 1));
    return m.find() ? java.util.OptionalInt.of(Integer.parseInt(m.group(1)))
        : java.util.OptionalInt.empty();
  }

  /** Waits for the relay's socket, so that a session recorded as ready can be connected to. */
  private void awaitSocket(String listen, long deadline) {
    Optional<Path> socket = unixSocket(listen);
    while (socket.isPresent() && !Files.exists(socket.get())) {
      if (System.nanoTime() > deadline) {
        throw new GdbException("no unix socket " + socket.get() + " for gdbserver" + serverSaid());
      }
      sleep(POLL);
    }
  }

  /**
   * Waits for gdb's first prompt. Until gdb has the FIFO open, a command written into it is lost
   * when the writer closes it (a FIFO keeps data only while one of its ends is open): seen as
   * "gdb did not answer -target-select" once in a CI run, with gdbserver listening.
   */
  private void awaitReady(long deadline) {
    long at = 0;
    StringBuilder seen = new StringBuilder();
    while (true) {
      Tail t = read(at);
      at = t.end();
      seen.append(t.text());
      if (seen.indexOf("(gdb)") >= 0) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new GdbException("gdb did not start: no prompt in " + output + serverSaid());
      }
      if (pid.isPresent() && !running(pid.getAsLong())) {
        throw new GdbException("gdb exited before its first prompt" + serverSaid());
      }
      sleep(POLL);
    }
  }

  /** Alive and not a zombie (a zombie still answers kill(pid, 0), which isAlive asks). */
  static boolean running(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // The state follows the command name, which is in parentheses and may hold any byte.
      int close = stat.lastIndexOf(')');
      return close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) != 'Z';
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Sends one MI command and returns its result record ({@code ^done}, {@code ^running},
   * {@code ^connected}).
   *
   * @throws GdbException on {@code ^error}, or when no answer comes within {@code timeout}
   */
  public MiRecord call(String command, Duration timeout) {
    if (command.indexOf('\n') >= 0 || !command.startsWith("-")) {
      throw new IllegalArgumentException("one MI command: " + command);
    }
    long token = 1 + ThreadLocalRandom.current().nextLong(999_999_999_999L);
    long from = size();
    byte[] line = (token + command + "\n").getBytes(StandardCharsets.UTF_8);
    // Opened read-write: a FIFO opened write-only blocks until a reader exists, and a dead
    // keeper must give an error, not a hang.
    try (FileChannel ch = FileChannel.open(commands, StandardOpenOption.READ,
        StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(line));
    } catch (IOException e) {
      throw new GdbException("cannot reach the session's gdb (" + commands + "): "
          + e.getMessage(), e);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    long at = from;
    while (true) {
      Tail t = read(at);
      at = t.end();
      for (String l : t.text().split("\n")) {
        Optional<MiRecord> r = parseQuietly(l);
        if (r.isPresent() && r.get().answers(token)) {
          if (r.get().name().equals("error")) {
            throw new GdbException(r.get().errorMessage());
          }
          return r.get();
        }
      }
      if (System.nanoTime() > deadline) {
        throw new GdbException("gdb did not answer " + command + " within "
            + timeout.toMillis() + " ms");
      }
      sleep(POLL);
    }
  }

  /**
   * The target's threads and gdb's current one.
   *
   * @param threads empty when there is no process (it exited, or gdb is not connected)
   * @param current gdb's current thread number, 0 if none
   */
  public record Threads(List<GdbThread> threads, int current) {
    public Threads {
      threads = List.copyOf(threads);
    }

    /** The current thread, else the first stopped one. */
    public Optional<GdbThread> currentOrStopped() {
      return threads.stream().filter(t -> t.id() == current).findFirst()
          .or(() -> threads.stream().filter(GdbThread::stopped).findFirst());
    }

    public boolean anyStopped() {
      return threads.stream().anyMatch(GdbThread::stopped);
    }
  }

  public Threads threads(Duration timeout) {
    MiRecord r = call("-thread-info", timeout);
    return new Threads(r.fields().items("threads").stream()
        .filter(MiValue.Tuple.class::isInstance).map(v -> GdbThread.of((MiValue.Tuple) v))
        .toList(), r.fields().text("current-thread-id").map(Integer::parseInt).orElse(0));
  }

  /** Up to {@code depth} frames of thread {@code id} (gdb's number), innermost first. */
  public List<GdbFrame> frames(int id, int depth, Duration timeout) {
    MiRecord r = call("-stack-list-frames --thread " + id + " 0 " + (depth - 1), timeout);
    return r.fields().items("stack").stream().filter(MiValue.Tuple.class::isInstance)
        .map(v -> GdbFrame.of((MiValue.Tuple) v)).toList();
  }

  /**
   * The threads, or empty while the target runs: in all-stop mode gdb refuses to list threads
   * then ("Cannot execute this command while the target is running").
   */
  public Optional<Threads> threadsUnlessRunning(Duration timeout) {
    try {
      return Optional.of(threads(timeout));
    } catch (GdbException e) {
      if (String.valueOf(e.getMessage()).contains("while the target is running")) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /**
   * Stops a running target and returns once gdb reports it stopped; returns false at once if it
   * was not running.
   *
   * @throws GdbException if it does not stop within {@code haltTimeout}
   */
  public boolean halt(Duration timeout, Duration haltTimeout) {
    if (threadsUnlessRunning(timeout).isPresent()) {
      return false;
    }
    call("-exec-interrupt", timeout);
    long deadline = System.nanoTime() + haltTimeout.toNanos();
    while (threadsUnlessRunning(timeout).isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new GdbException("the target did not halt within " + haltTimeout.toSeconds()
            + "s");
      }
      sleep(Duration.ofMillis(10));
    }
    return true;
  }

  /**
   * A breakpoint at a gdb location: {@code function}, {@code file:line}, a Rust path or a Go
   * full name.
   *
   * @throws GdbException when gdb cannot resolve it
   */
  public GdbBreakpoint breakAt(String location, Duration timeout) {
    MiRecord r = call("-break-insert " + quote(location), timeout);
    return r.fields().tuple("bkpt").map(GdbBreakpoint::of)
        .orElseThrow(() -> new GdbException("gdb made no breakpoint at " + location));
  }

  /** The breakpoints gdb holds. */
  public List<GdbBreakpoint> breakpoints(Duration timeout) {
    MiRecord r = call("-break-list", timeout);
    return r.fields().tuple("BreakpointTable").map(t -> t.items("body")).orElse(List.of())
        .stream().filter(MiValue.Tuple.class::isInstance)
        .map(v -> GdbBreakpoint.of((MiValue.Tuple) v)).toList();
  }

  /**
   * The last time the target stopped or ran, as the keeper's output recorded it: the newest
   * {@code *stopped} or {@code *running} record.
   */
  public Optional<MiRecord> lastExecRecord() {
    long size = size();
    long from = Math.max(0, size - 256 * 1024);
    String text = read(from).text();
    List<String> lines = text.lines().toList();
    for (int i = lines.size() - 1; i >= 0; i--) {
      String l = lines.get(i);
      if (l.startsWith("*") || l.matches("\\d+\\*.*")) {
        Optional<MiRecord> r = parseQuietly(l);
        if (r.isPresent() && r.get().kind() == MiRecord.Kind.EXEC) {
          return r;
        }
      }
    }
    return Optional.empty();
  }

  /** gdbserver's last words, for an error message. */
  private String serverSaid() {
    try {
      List<String> l = Files.readAllLines(commands.resolveSibling(SERVER_LOG),
          StandardCharsets.UTF_8).stream().filter(s -> !s.isBlank()).toList();
      return l.isEmpty() ? "" : " (gdbserver: " + l.get(l.size() - 1).strip() + ")";
    } catch (IOException e) {
      return "";
    }
  }

  /** MI's quoting of a parameter: a C string. */
  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        default -> b.append(c);
      }
    }
    return b.append('"').toString();
  }

  private static Optional<MiRecord> parseQuietly(String line) {
    try {
      return Optional.of(MiParser.parse(line));
    } catch (IllegalArgumentException e) {
      // Not MI: gdb's own stderr shares the file (a warning before a command ran, say).
      return Optional.empty();
    }
  }

  private record Tail(String text, long end) {}

  /** The complete lines after {@code from}: gdb may be writing the last one still. */
  private Tail read(long from) {
    try (RandomAccessFile f = new RandomAccessFile(output.toFile(), "r")) {
      long len = f.length();
      if (len <= from) {
        return new Tail("", from);
      }
      byte[] b = new byte[(int) Math.min(len - from, 4 * 1024 * 1024)];
      f.seek(from);
      f.readFully(b);
      // Cut at the last newline so a UTF-8 sequence is never split between two reads.
      int cut = b.length;
      while (cut > 0 && b[cut - 1] != '\n') {
        cut--;
      }
      return new Tail(new String(b, 0, cut, StandardCharsets.UTF_8), from + cut);
    } catch (IOException e) {
      throw new GdbException("cannot read the session's gdb output " + output + ": "
          + e.getMessage(), e);
    }
  }

  private long size() {
    try {
      return Files.size(output);
    } catch (IOException e) {
      throw new GdbException("the session's gdb output " + output + " is missing: "
          + e.getMessage(), e);
    }
  }

  private static void mkfifo(Path fifo) throws IOException {
    try {
      Process p = new ProcessBuilder("mkfifo", "-m", "0600", fifo.toString())
          .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
              new File("/dev/null"))).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (p.waitFor() != 0) {
        throw new IOException("mkfifo " + fifo + ": " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted creating " + fifo);
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GdbException("interrupted");
    }
  }
}
