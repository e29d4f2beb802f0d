package dev.katadbg.testenv;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Reads Linux's /proc: processes (to find what a private containerd left behind) and mounts.
 * Linux-only on purpose; everything the tests run is Linux-only.
 */
final class Procfs {

  private static final Path PROC = Path.of("/proc");

  /** One process as /proc showed it at one moment; any field may be stale a moment later. */
  record Proc(long pid, long ppid, char state, String comm, List<String> args, Optional<Path> cwd,
      long tracerPid) {

    /** Zombies and dead tasks hold no resources: for cleanup they are gone already. */
    boolean exited() {
      return state == 'Z' || state == 'X' || state == 'x';
    }

    boolean argsContain(String text) {
      return args.stream().anyMatch(arg -> arg.contains(text));
    }

    /** True for a shim invocation of the containerd at {@code address} ({@code -address A} or {@code -address=A}). */
    boolean isShimOf(String address) {
      for (int i = 0; i < args.size(); i++) {
        String arg = args.get(i);
        if ((arg.equals("-address") || arg.equals("--address")) && i + 1 < args.size()
            && args.get(i + 1).equals(address)) {
          return true;
        }
        if (arg.equals("-address=" + address) || arg.equals("--address=" + address)) {
          return true;
        }
      }
      return false;
    }
  }

  private Procfs() {}

  /** Every process readable now. Processes that exit while being read are left out. */
  static List<Proc> processes() {
    List<Proc> procs = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC, p -> isNumeric(p.getFileName().toString()))) {
      for (Path dir : dirs) {
        read(Long.parseLong(dir.getFileName().toString())).ifPresent(procs::add);
      }
    } catch (IOException e) {
      throw new IllegalStateException("list /proc: " + e, e);
    }
    return procs;
  }

  static Optional<Proc> read(long pid) {
    Path dir = PROC.resolve(Long.toString(pid));
    try {
      Stat stat = parseStat(Files.readString(dir.resolve("stat"), StandardCharsets.ISO_8859_1));
      List<String> args = splitCmdline(Files.readAllBytes(dir.resolve("cmdline")));
      Optional<Path> cwd;
      try {
        cwd = Optional.of(Files.readSymbolicLink(dir.resolve("cwd")));
      } catch (IOException e) {
        cwd = Optional.empty(); // zombies and kernel threads have none
      }
      return Optional.of(new Proc(pid, stat.ppid, stat.state, stat.comm, args, cwd,
          tracerPid(Files.readAllLines(dir.resolve("status"), StandardCharsets.ISO_8859_1))));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // exited meanwhile
    }
  }

  static boolean isGone(long pid) {
    return read(pid).map(Proc::exited).orElse(true);
  }

  /** SIGKILLs each process and waits until all are gone; returns the ones that did not go. */
  static Set<Long> killAndWait(Collection<Long> pids, Duration timeout) throws InterruptedException {
    for (long pid : pids) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    Set<Long> alive = new HashSet<>(pids);
    try {
      Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(20)).pollInSameThread()
          .until(() -> {
            alive.removeIf(Procfs::isGone);
            return alive.isEmpty();
          });
    } catch (ConditionTimeoutException e) {
      // The ones still alive are the answer.
    }
    return alive;
  }

  /** Sends a signal by name (e.g. "STOP", which Java cannot send) to processes still there. */
  static void signal(String name, Collection<Long> pids) throws InterruptedException {
    if (pids.isEmpty()) {
      return;
    }
    List<String> command = new ArrayList<>(List.of(
        TestEnv.findOnPath(TestEnv.SYSTEM_PATH, "kill").map(Path::toString).orElse("kill"), "-" + name));
    pids.forEach(pid -> command.add(Long.toString(pid)));
    try {
      // Exits non-zero when one of the processes has gone meanwhile, which is fine here.
      new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start().waitFor();
    } catch (IOException e) {
      throw new IllegalStateException("run " + command + ": " + e, e);
    }
  }

  /** This JVM and its ancestors: never to be killed, whatever their command lines say. */
  static Set<Long> selfAndAncestors() {
    Set<Long> pids = new HashSet<>();
    for (Optional<ProcessHandle> p = Optional.of(ProcessHandle.current()); p.isPresent();
        p = p.get().parent()) {
      pids.add(p.get().pid());
    }
    return pids;
  }

  static int effectiveUid() {
    try {
      for (String line : Files.readAllLines(PROC.resolve("self/status"))) {
        if (line.startsWith("Uid:")) {
          return Integer.parseInt(line.substring(4).trim().split("\\s+")[1]);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("read /proc/self/status: " + e, e);
    }
    throw new IllegalStateException("no Uid line in /proc/self/status");
  }

  /** Mount points at or below {@code dir}, deepest first (the order they can be unmounted in). */
  static List<Path> mountPointsUnder(Path dir) {
    try {
      return mountPointsUnder(dir, Files.readAllLines(PROC.resolve("self/mountinfo"), StandardCharsets.ISO_8859_1));
    } catch (IOException e) {
      throw new IllegalStateException("read /proc/self/mountinfo: " + e, e);
    }
  }

  static List<Path> mountPointsUnder(Path dir, List<String> mountinfo) {
    List<Path> under = new ArrayList<>();
    for (String line : mountinfo) {
      String[] fields = line.split(" ");
      if (fields.length > 4) {
        Path mountPoint = Path.of(unescapeOctal(fields[4]));
        if (mountPoint.startsWith(dir)) {
          under.add(mountPoint);
        }
      }
    }
    // Later lines are stacked on earlier ones; reverse order unmounts children before parents.
    List<Path> ordered = new ArrayList<>();
    for (int i = under.size() - 1; i >= 0; i--) {
      ordered.add(under.get(i));
    }
    ordered.sort(Comparator.comparingInt(Path::getNameCount).reversed());
    return ordered;
  }

  /** The kernel writes space, tab, newline and backslash in mount paths as {@code \ooo}. */
  static String unescapeOctal(String field) {
    StringBuilder out = new StringBuilder(field.length());
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && isOctal(field, i + 1)) {
        out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  record Stat(char state, long ppid, String comm) {}

  /** {@code pid (comm) state ppid ...}; comm may itself hold spaces and parentheses. */
  static Stat parseStat(String stat) {
    int open = stat.indexOf('(');
    int close = stat.lastIndexOf(')');
    String[] rest = stat.substring(close + 2).split(" ");
    return new Stat(rest[0].charAt(0), Long.parseLong(rest[1]), stat.substring(open + 1, close));
  }

  static List<String> splitCmdline(byte[] cmdline) {
    List<String> args = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < cmdline.length; i++) {
      if (cmdline[i] == 0) {
        args.add(new String(cmdline, start, i - start, StandardCharsets.UTF_8));
        start = i + 1;
      }
    }
    if (start < cmdline.length) {
      args.add(new String(cmdline, start, cmdline.length - start, StandardCharsets.UTF_8));
    }
    return args;
  }

  private static long tracerPid(List<String> status) {
    for (String line : status) {
      if (line.startsWith("TracerPid:")) {
        return Long.parseLong(line.substring("TracerPid:".length()).trim());
      }
    }
    return 0;
  }

  private static boolean isOctal(String s, int from) {
    if (from + 3 > s.length()) {
      return false;
    }
    for (int i = from; i < from + 3; i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '7') {
        return false;
      }
    }
    return true;
  }

  private static boolean isNumeric(String s) {
    return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
  }
}
