package dev.katadbg.session;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One debug session: a shim (identified by namespace and sandbox id) running under one Delve
 * server. Pids are stored with their kernel start times so a reused pid is never mistaken for
 * the original process.
 */
public record Session(
    String id,
    String namespace,
    Path dir,
    Optional<Path> bundle,
    Path shimBinary,
    String listen,
    SessionState state,
    Optional<String> reason,
    ProcessRef debugger,
    Optional<ProcessRef> startProcess,
    Optional<ProcessRef> shim,
    List<String> breakpoints,
    Instant created,
    Origin origin,
    DebuggerKind kind) {

  /** containerd's own rule for ids and namespaces; it also keeps them safe as path elements. */
  public static final Pattern ID = Pattern.compile("[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*");

  public Session {
    requireId("id", id);
    requireId("namespace", namespace);
    Objects.requireNonNull(dir);
    Objects.requireNonNull(listen);
    Objects.requireNonNull(state);
    Objects.requireNonNull(debugger);
    Objects.requireNonNull(created);
    breakpoints = List.copyOf(breakpoints);
    Objects.requireNonNull(origin);
    Objects.requireNonNull(kind);
  }

  /** A session under Delve. */
  public Session(String id, String namespace, Path dir, Optional<Path> bundle, Path shimBinary,
      String listen, SessionState state, Optional<String> reason, ProcessRef debugger,
      Optional<ProcessRef> startProcess, Optional<ProcessRef> shim, List<String> breakpoints,
      Instant created, Origin origin) {
    this(id, namespace, dir, bundle, shimBinary, listen, state, reason, debugger, startProcess,
        shim, breakpoints, created, origin, DebuggerKind.DELVE);
  }

  /** A session the wrapper launched (the shim started under Delve). */
  public Session(String id, String namespace, Path dir, Optional<Path> bundle, Path shimBinary,
      String listen, SessionState state, Optional<String> reason, ProcessRef debugger,
      Optional<ProcessRef> startProcess, Optional<ProcessRef> shim, List<String> breakpoints,
      Instant created) {
    this(id, namespace, dir, bundle, shimBinary, listen, state, reason, debugger, startProcess,
        shim, breakpoints, created, Origin.LAUNCHED, DebuggerKind.DELVE);
  }

  /**
   * Which debugger serves the session. Its {@link #debugger()} process is Delve's server, or for
   * gdb the session's keeper gdb (gdbserver is the keeper's child and dies with it).
   */
  public enum DebuggerKind {
    DELVE,
    GDB
  }

  /**
   * How the debugger got its shim. It decides how the session can end without ending the shim:
   * Delve's Detach kills a process it launched whatever it is asked, but lets an attached one go.
   */
  public enum Origin {
    /** {@code dlv exec}: the wrapper started the shim under Delve. */
    LAUNCHED,
    /** {@code dlv attach}: {@code katadbg attach} took a running shim. */
    ATTACHED,
    /**
     * {@code dlv attach} by the wrapper: the shim's start ran under katadbg's exec watcher and
     * its daemon was handed, stopped before its first instruction, to a Delve of its own.
     */
    HANDED;

    /** Delve attached to the process, so its Detach without kill lets the process go. */
    public boolean attachedByDelve() {
      return this != LAUNCHED;
    }
  }

  /** A process by pid and kernel start time (clock ticks since boot, /proc/PID/stat field 22). */
  public record ProcessRef(int pid, long startTime) {
    public ProcessRef {
      if (pid < 0) {
        throw new IllegalArgumentException("negative pid " + pid);
      }
    }

    public static ProcessRef none() {
      return new ProcessRef(0, 0);
    }

    public boolean isNone() {
      return pid == 0;
    }
  }

  public Session withState(SessionState s, Optional<String> why) {
    return new Session(id, namespace, dir, bundle, shimBinary, listen, s, why, debugger,
        startProcess, shim, breakpoints, created, origin, kind);
  }

  public Session withDebugger(ProcessRef d, String listenAddress) {
    return new Session(id, namespace, dir, bundle, shimBinary, listenAddress, state, reason, d,
        startProcess, shim, breakpoints, created, origin, kind);
  }

  public Session withProcesses(Optional<ProcessRef> start, Optional<ProcessRef> daemon) {
    return new Session(id, namespace, dir, bundle, shimBinary, listen, state, reason, debugger,
        start, daemon, breakpoints, created, origin, kind);
  }

  public Session withBreakpoints(List<String> locations) {
    return new Session(id, namespace, dir, bundle, shimBinary, listen, state, reason, debugger,
        startProcess, shim, locations, created, origin, kind);
  }

  public Session withKind(DebuggerKind k) {
    return new Session(id, namespace, dir, bundle, shimBinary, listen, state, reason, debugger,
        startProcess, shim, breakpoints, created, origin, k);
  }

  /** The session's log of what katadbg did, with Delve's own output beside it. */
  public Path log() {
    return dir.resolve("katadbg.log");
  }

  /** Delve's output, or the session's gdb's (machine interface records). */
  public Path debuggerLog() {
    return dir.resolve(kind == DebuggerKind.GDB ? "gdb.mi" : "dlv.log");
  }

  /**
   * Every log of the session, in the order a reader wants them: katadbg's, the debugger's (for
   * gdb also gdbserver's own output), the shim start's stderr.
   */
  public List<Path> logFiles() {
    return kind == DebuggerKind.GDB
        ? List.of(log(), debuggerLog(), dir.resolve("gdbserver.log"), shimStderr())
        : List.of(log(), debuggerLog(), shimStderr());
  }

  public Path shimStderr() {
    return dir.resolve("shim.stderr");
  }

  /**
   * A {@link PidFile} naming the process that ran the wrapper: the runtime manager (containerd,
   * CRI-O, {@code katadbg run}) that waits for the start's reply and then calls the shim.
   */
  public Path managerPidFile() {
    return dir.resolve("manager.pid");
  }

  static void requireId(String what, String value) {
    if (value == null || !ID.matcher(value).matches()) {
      throw new IllegalArgumentException(what + " '" + value + "' is not a valid containerd "
          + what + " (letters, digits and . _ - between them)");
    }
  }
}
