package dev.katadbg.proc;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Processes finds and stops Linux processes through procfs. katadbg uses it to find the shim
 * daemon a debugger follows, to check whether a debugger is still attached, and to clean up the
 * process trees it started without ever signalling an unrelated process that reused a pid.
 *
 * <p>Processes come and go while we read; a process that vanishes mid-read is simply absent
 * from a result, never an exception.
 */
public interface Processes {

  /** Processes of this host's (this pid namespace's) {@code /proc}. */
  static Processes linux() {
    return at(Path.of("/proc"));
  }

  /**
   * Processes as seen under {@code procRoot}: another procfs mount, or a directory laid out
   * like one (for tests). {@link #kill} and {@link #killTree} signal the real process with that
   * pid of this host after checking its identity against {@code procRoot}, so only point them
   * at a procfs of this pid namespace.
   */
  static Processes at(Path procRoot) {
    return new ProcFs(procRoot);
  }

  /** The process with this pid, if it exists and can be read. */
  Optional<ProcessInfo> get(int pid);

  /** All processes, ordered by pid. */
  List<ProcessInfo> all();

  /**
   * The processes whose command name ({@code comm}, at most 15 bytes) passes {@code comm},
   * ordered by pid. Only {@code /proc/PID/stat} is read for the others, which makes finding a
   * few processes by name among thousands several times cheaper than {@link #all()}.
   */
  List<ProcessInfo> withComm(Predicate<String> comm);

  /**
   * The working directory of a process ({@code /proc/PID/cwd}); absent when it has exited or
   * the link cannot be read (another user's process without CAP_SYS_PTRACE). A removed
   * directory ends in " (deleted)", as procfs shows it.
   */
  Optional<Path> cwd(int pid);

  /**
   * Whether the process {@code (pid, startTime)} is still running: it exists, has that start
   * time (so the pid was not reused) and is not a zombie.
   */
  boolean isAlive(int pid, long startTime);

  /**
   * The processes a tracer (a debugger, strace) is attached to, ordered by pid. procfs reports
   * the tracer as the thread that attached, which for a multi-threaded debugger such as Delve
   * need not be its main thread, so every thread of {@code tracerPid} counts.
   */
  List<Integer> traceesOf(int tracerPid);

  /** Children, grandchildren and so on of {@code pid}, nearest first; not {@code pid} itself. */
  List<Integer> descendantsOf(int pid);

  /**
   * Sends SIGKILL to {@code pid} if it is still the process that started at {@code startTime};
   * does nothing if it has exited or the pid now belongs to another process.
   *
   * @throws IllegalArgumentException if {@code pid} is this JVM
   * @throws IllegalStateException if the process is there but could not be signalled
   */
  void kill(int pid, long startTime);

  /**
   * Sends SIGSTOP ({@code resume} false) or SIGCONT ({@code resume} true) to {@code pid} if it is
   * still the process that started at {@code startTime}; does nothing otherwise.
   *
   * @throws IllegalStateException if the process is there but could not be signalled
   */
  void stopOrContinue(int pid, long startTime, boolean resume);

  /**
   * Kills {@code pid} and all its descendants: the tree is collected first, with each
   * process's start time, then every member is killed by identity, the root first so it cannot
   * replace children we kill. A process forked after the collection is not killed.
   *
   * @throws IllegalArgumentException if the tree contains this JVM
   * @throws IllegalStateException if a member is there but could not be signalled
   */
  void killTree(int pid);
}
