package dev.katadbg.proc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * ProcFs implements {@link Processes} by reading procfs (proc(5)). Reads of one process's files
 * race with its exit: any failure to read them means "gone" (or hidden by {@code hidepid}), and
 * the process is left out. Only a procfs root that cannot be listed is an error.
 */
final class ProcFs implements Processes {
  private final Path root;

  ProcFs(Path root) {
    this.root = Objects.requireNonNull(root, "root");
  }

  @Override
  public Optional<ProcessInfo> get(int pid) {
    requirePid(pid);
    Path dir = root.resolve(Integer.toString(pid));
    Optional<ProcStat> stat = readStat(pid);
    if (stat.isEmpty()) {
      return Optional.empty();
    }
    Optional<List<String>> status = readLines(dir.resolve("status"));
    Optional<byte[]> cmdline = readBytes(dir.resolve("cmdline"));
    if (status.isEmpty() || cmdline.isEmpty()) {
      return Optional.empty();
    }
    Integer tracer = null;
    Integer uid = null;
    for (String line : status.get()) {
      if (line.startsWith("TracerPid:")) {
        tracer = statusNumber(line, dir);
      } else if (line.startsWith("Uid:")) {
        uid = statusNumber(line, dir);
      }
    }
    if (tracer == null || uid == null) {
      throw new IllegalStateException(dir.resolve("status") + ": no TracerPid or Uid line");
    }
    ProcStat s = stat.get();
    return Optional.of(new ProcessInfo(pid, s.ppid(), s.state(), s.startTime(), s.comm(),
        splitCmdline(cmdline.get()), readExe(dir), tracer, uid));
  }

  @Override
  public List<ProcessInfo> all() {
    List<ProcessInfo> out = new ArrayList<>();
    for (int pid : pids()) {
      get(pid).ifPresent(out::add);
    }
    return out;
  }

  @Override
  public List<ProcessInfo> withComm(Predicate<String> comm) {
    Objects.requireNonNull(comm, "comm");
    List<ProcessInfo> out = new ArrayList<>();
    for (int pid : pids()) {
      if (readStat(pid).filter(s -> comm.test(s.comm())).isPresent()) {
        get(pid).ifPresent(out::add);
      }
    }
    return out;
  }

  @Override
  public Optional<Path> cwd(int pid) {
    requirePid(pid);
    try {
      Path link = root.resolve(Integer.toString(pid)).resolve("cwd");
      return Optional.of(Files.readSymbolicLink(link));
    } catch (IOException | UnsupportedOperationException e) {
      return Optional.empty(); // exited, or EACCES for another user's process
    }
  }

  @Override
  public boolean isAlive(int pid, long startTime) {
    requirePid(pid);
    return readStat(pid)
        .filter(s -> s.startTime() == startTime && s.state() != 'Z' && s.state() != 'X')
        .isPresent();
  }

  @Override
  public List<Integer> traceesOf(int tracerPid) {
    requirePid(tracerPid);
    Set<Integer> tracerThreads = threadsOf(tracerPid);
    if (tracerThreads.isEmpty()) {
      return List.of();
    }
    List<Integer> out = new ArrayList<>();
    for (int pid : pids()) {
      if (!tracerThreads.contains(pid)
          && readTracerPid(pid).filter(tracerThreads::contains).isPresent()) {
        out.add(pid);
      }
    }
    return out;
  }

  @Override
  public List<Integer> descendantsOf(int pid) {
    requirePid(pid);
    List<Integer> out = new ArrayList<>();
    for (ProcStat s : subtree(pid, snapshot())) {
      out.add(s.pid());
    }
    return out;
  }

  @Override
  public void kill(int pid, long startTime) {
    requirePid(pid);
    if (pid == ProcessHandle.current().pid()) {
      throw new IllegalArgumentException("refusing to kill this JVM (pid " + pid + ")");
    }
    // Take the JDK's handle first: it records the process's start time itself and
    // destroyForcibly() signals only if that still matches. Checking our identity after taking
    // it leaves no moment in which a reused pid could be signalled.
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    if (handle.isEmpty() || !isAlive(pid, startTime)) {
      return;
    }
    if (!handle.get().destroyForcibly() && isAlive(pid, startTime)) {
      throw new IllegalStateException("could not send SIGKILL to process " + pid
          + " (not permitted?)");
    }
  }

  @Override
  public void stopOrContinue(int pid, long startTime, boolean resume) {
    requirePid(pid);
    if (!isAlive(pid, startTime)) {
      return;
    }
    // The JDK sends only SIGTERM and SIGKILL; kill(1) does the rest. The identity check above
    // leaves a window of a fork's duration in which the pid could be reused, as kill(1) would.
    String sig = resume ? "-CONT" : "-STOP";
    try {
      Process p = new ProcessBuilder("kill", sig, Integer.toString(pid))
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      if (p.waitFor() != 0 && isAlive(pid, startTime)) {
        throw new IllegalStateException("could not send SIG" + sig.substring(1) + " to process "
            + pid + " (not permitted?)");
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot run kill " + sig + " " + pid + ": "
          + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted signalling process " + pid, e);
    }
  }

  @Override
  public void killTree(int pid) {
    requirePid(pid);
    Map<Integer, ProcStat> snapshot = snapshot();
    ProcStat top = snapshot.get(pid);
    if (top == null) {
      return;
    }
    List<ProcStat> tree = new ArrayList<>();
    tree.add(top);
    tree.addAll(subtree(pid, snapshot));
    long self = ProcessHandle.current().pid();
    for (ProcStat s : tree) {
      if (s.pid() == self) {
        throw new IllegalArgumentException(
            "refusing to kill the tree of process " + pid + ": it contains this JVM");
      }
    }
    for (ProcStat s : tree) {
      kill(s.pid(), s.startTime());
    }
  }

  /** The stat of every process, by pid. */
  private Map<Integer, ProcStat> snapshot() {
    Map<Integer, ProcStat> out = new HashMap<>();
    for (int pid : pids()) {
      readStat(pid).ifPresent(s -> out.put(pid, s));
    }
    return out;
  }

  /** Descendants of {@code pid} in breadth-first order, from one snapshot. */
  private static List<ProcStat> subtree(int pid, Map<Integer, ProcStat> snapshot) {
    Map<Integer, List<ProcStat>> children = new HashMap<>();
    for (ProcStat s : snapshot.values()) {
      children.computeIfAbsent(s.ppid(), k -> new ArrayList<>()).add(s);
    }
    children.values().forEach(list -> list.sort((a, b) -> Integer.compare(a.pid(), b.pid())));
    List<ProcStat> out = new ArrayList<>();
    Set<Integer> seen = new HashSet<>(Set.of(pid));
    Deque<Integer> queue = new ArrayDeque<>(List.of(pid));
    while (!queue.isEmpty()) {
      for (ProcStat child : children.getOrDefault(queue.poll(), List.of())) {
        // A pid 0 parent or a corrupt fake root could close a cycle; never loop.
        if (seen.add(child.pid())) {
          out.add(child);
          queue.add(child.pid());
        }
      }
    }
    return out;
  }

  /** Pids of all processes (thread group leaders), ascending. */
  private List<Integer> pids() {
    List<Integer> pids = new ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(root)) {
      for (Path p : dir) {
        int pid = parsePid(p.getFileName().toString());
        if (pid > 0) {
          pids.add(pid);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("list processes in " + root + ": " + e.getMessage(), e);
    }
    pids.sort(null);
    return pids;
  }

  /** The thread ids of a process; just the pid when it has no task directory (a fake root). */
  private Set<Integer> threadsOf(int pid) {
    Path dir = root.resolve(Integer.toString(pid));
    if (!Files.isDirectory(dir)) {
      return Set.of();
    }
    Set<Integer> tids = new HashSet<>();
    tids.add(pid);
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(dir.resolve("task"))) {
      for (Path t : tasks) {
        int tid = parsePid(t.getFileName().toString());
        if (tid > 0) {
          tids.add(tid);
        }
      }
    } catch (IOException e) {
      // The process exited meanwhile, or a fake root without task/: its pid alone.
    }
    return tids;
  }

  private Optional<ProcStat> readStat(int pid) {
    Path file = root.resolve(Integer.toString(pid)).resolve("stat");
    return readBytes(file).map(bytes -> {
      try {
        ProcStat stat = ProcStat.parse(bytes);
        if (stat.pid() != pid) {
          throw new IllegalArgumentException("pid " + stat.pid() + " in the file");
        }
        return stat;
      } catch (IllegalArgumentException e) {
        // A kernel writes this file; garbage means a broken fake root or an unknown format.
        throw new IllegalStateException(file + ": " + e.getMessage(), e);
      }
    });
  }

  /** TracerPid of a process, reading {@code status} only up to that line (it is near the top). */
  private Optional<Integer> readTracerPid(int pid) {
    Path file = root.resolve(Integer.toString(pid)).resolve("status");
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String line; (line = r.readLine()) != null; ) {
        if (line.startsWith("TracerPid:")) {
          return Optional.of(statusNumber(line, file.getParent()));
        }
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.empty(); // exited meanwhile
    }
  }

  private static int statusNumber(String line, Path dir) {
    String[] fields = line.substring(line.indexOf(':') + 1).strip().split("\\s+");
    try {
      return Integer.parseInt(fields[0]);
    } catch (NumberFormatException e) {
      throw new IllegalStateException(dir.resolve("status") + ": bad line \"" + line + "\"", e);
    }
  }

  private static Optional<byte[]> readBytes(Path file) {
    try {
      return Optional.of(Files.readAllBytes(file));
    } catch (IOException e) {
      // NoSuchFileException before the read, ESRCH ("No such process") during it.
      return Optional.empty();
    }
  }

  private static Optional<List<String>> readLines(Path file) {
    // procfs text is ASCII except escaped names; decoding as Latin-1 can never fail.
    return readBytes(file).map(b -> new String(b, StandardCharsets.ISO_8859_1).lines().toList());
  }

  private static Optional<Path> readExe(Path dir) {
    try {
      return Optional.of(Files.readSymbolicLink(dir.resolve("exe")));
    } catch (IOException | UnsupportedOperationException e) {
      return Optional.empty(); // EACCES for other users' processes, ENOENT for kernel threads
    }
  }

  /**
   * Splits {@code /proc/PID/cmdline}: arguments each end in a NUL. A process that rewrote its
   * argv may drop the final NUL; empty arguments in between are kept.
   */
  static List<String> splitCmdline(byte[] bytes) {
    List<String> args = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == 0) {
        args.add(new String(bytes, start, i - start, StandardCharsets.UTF_8));
        start = i + 1;
      }
    }
    if (start < bytes.length) {
      args.add(new String(bytes, start, bytes.length - start, StandardCharsets.UTF_8));
    }
    return args;
  }

  private static int parsePid(String name) {
    if (name.isEmpty() || name.length() > 10) {
      return -1;
    }
    for (int i = 0; i < name.length(); i++) {
      if (name.charAt(i) < '0' || name.charAt(i) > '9') {
        return -1;
      }
    }
    long v = Long.parseLong(name);
    return v > Integer.MAX_VALUE ? -1 : (int) v;
  }

  private static void requirePid(int pid) {
    if (pid <= 0) {
      throw new IllegalArgumentException("pid must be positive, got " + pid);
    }
  }
}
