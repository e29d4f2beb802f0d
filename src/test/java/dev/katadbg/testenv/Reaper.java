package dev.katadbg.testenv;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Removes from the host everything a private containerd under one base directory left behind,
 * whether it was stopped in order or its JVM died: processes, runc containers, shim sockets,
 * mounts, and finally the directory.
 *
 * <p>Which processes are ours: the base directory has a random name, and every process tied to
 * this containerd names it — containerd in {@code --config}, each shim (and a dlv that wraps a
 * shim) in {@code -address}, ctr in {@code -a}. To those come their descendants (the container
 * processes under a shim), their tracers (a dlv attached to a shim) and shims or dlvs whose
 * working directory is a bundle here. This JVM and its ancestors are never touched.
 */
final class Reaper {

  /** The runc shim keeps runc state under {@code <root>/<namespace>}, shared by all containerds. */
  static final Path RUNC_ROOT = Path.of("/run/containerd/runc");
  /** Shim sockets live here whatever containerd's state dir is (hash of address, ns, id). */
  static final Path SHIM_SOCKETS = Path.of("/run/containerd/s");
  private static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration RUNC_TIMEOUT = Duration.ofSeconds(10);

  private final Path base;
  private final Path runc;

  Reaper(Path base, Path runc) {
    this.base = base;
    this.runc = runc;
  }

  /** Processes tied to this base directory (see the class comment), descendants included. */
  Set<Long> tiedProcesses() {
    List<Procfs.Proc> procs = Procfs.processes();
    Set<Long> tied = new HashSet<>();
    for (Procfs.Proc p : procs) {
      if (names(p) || (isShimOrDebugger(p) && p.cwd().map(cwd -> cwd.startsWith(base)).orElse(false))) {
        tied.add(p.pid());
        if (p.tracerPid() != 0) {
          tied.add(p.tracerPid());
        }
      }
    }
    addDescendants(tied, procs);
    tied.removeAll(Procfs.selfAndAncestors());
    return tied;
  }

  /**
   * Kills only the debuggers among the tied processes: a shim paused at a breakpoint would make
   * every graceful cleanup request through containerd wait for its timeout.
   */
  List<String> killDebuggers() throws InterruptedException {
    Set<Long> tied = tiedProcesses();
    Set<Long> debuggers = new HashSet<>();
    Set<Long> tracees = new HashSet<>();
    for (long pid : tied) {
      Procfs.read(pid).ifPresent(p -> {
        if (p.comm().equals("dlv")) {
          debuggers.add(pid);
        }
        if (p.tracerPid() != 0) {
          debuggers.add(p.tracerPid());
          tracees.add(pid);
        }
      });
    }
    debuggers.removeAll(Procfs.selfAndAncestors());
    Set<Long> survivors = Procfs.killAndWait(debuggers, KILL_TIMEOUT);
    // A tracee whose tracer dies may drop into group-stop (state T) instead of running on: the
    // SIGSTOP of PTRACE_ATTACH is still pending. Seen here in about one of six dlv attaches.
    tracees.removeIf(Procfs::isGone);
    Procfs.signal("CONT", tracees);
    return survivors.isEmpty() ? List.of() : List.of("debuggers survived SIGKILL: " + survivors);
  }

  /** Removes everything; returns what could not be removed (empty when all is clean). */
  List<String> reap(Path stateDir) throws InterruptedException {
    List<String> problems = new ArrayList<>();
    Set<Path> sockets = new HashSet<>(shimSocketsOf(stateDir));
    boolean processesGone = killTiedProcesses(problems, sockets);
    sockets.addAll(shimSocketsOf(stateDir));
    deleteRuncContainers(problems);
    for (Path socket : sockets) {
      deleteQuietly(socket, problems);
    }
    // The directory is how a later run finds leftovers: keep it while anything may still use it.
    if (unmountAll(problems) && processesGone) {
      deleteTree(problems);
    }
    return problems;
  }

  /**
   * Freezes every tied process with SIGSTOP, rescanning until no new child appears (a process
   * that forked between a scan and a SIGKILL would leave an orphan no later scan ties to us),
   * then SIGKILLs them all. Adds the sockets of shims being killed to {@code sockets}: a shim
   * removes its socket only when it exits by itself. True when no tied process is left.
   */
  private boolean killTiedProcesses(List<String> problems, Set<Path> sockets) throws InterruptedException {
    for (int round = 0; round < 5; round++) {
      Set<Long> frozen = new HashSet<>();
      for (int scan = 0; scan < 50; scan++) {
        Set<Long> tied = tiedProcesses();
        tied.removeIf(Procfs::isGone);
        tied.removeAll(frozen);
        if (tied.isEmpty()) {
          break;
        }
        Procfs.signal("STOP", tied);
        frozen.addAll(tied);
      }
      if (frozen.isEmpty()) {
        return true;
      }
      for (long pid : frozen) {
        Procfs.read(pid).flatMap(this::shimSocketOf).ifPresent(sockets::add);
      }
      Set<Long> survivors = Procfs.killAndWait(frozen, KILL_TIMEOUT);
      if (!survivors.isEmpty()) {
        problems.add("processes survived SIGKILL, so " + base + " was kept: " + survivors);
        return false;
      }
    }
    problems.add("processes tied to " + base + " kept appearing, so it was kept");
    return false;
  }

  private boolean names(Procfs.Proc p) {
    String dir = base.toString();
    // The name has a fixed length, so "contains dir/" cannot match a longer sibling's name.
    return p.args().stream().anyMatch(arg -> arg.contains(dir + "/") || arg.endsWith(dir));
  }

  private static boolean isShimOrDebugger(Procfs.Proc p) {
    // comm is cut at 15 characters: "containerd-shim" exactly.
    return p.comm().equals("dlv") || p.comm().startsWith("containerd-shim");
  }

  private static void addDescendants(Set<Long> pids, List<Procfs.Proc> procs) {
    Map<Long, List<Long>> children = new HashMap<>();
    for (Procfs.Proc p : procs) {
      children.computeIfAbsent(p.ppid(), k -> new ArrayList<>()).add(p.pid());
    }
    List<Long> queue = new ArrayList<>(pids);
    while (!queue.isEmpty()) {
      long pid = queue.remove(queue.size() - 1);
      for (long child : children.getOrDefault(pid, List.of())) {
        if (pids.add(child)) {
          queue.add(child);
        }
      }
    }
  }

  /**
   * The socket a shim daemon of this containerd listens on, computed the way containerd's shim
   * library names it: {@code /run/containerd/s/<hex sha256 of filepath.Join(address, ns, id)>}.
   */
  Optional<Path> shimSocketOf(Procfs.Proc p) {
    Map<String, String> flags = new HashMap<>();
    List<String> args = p.args();
    for (int i = 0; i + 1 < args.size(); i++) {
      String arg = args.get(i).replaceFirst("^--", "-");
      if (arg.equals("-address") || arg.equals("-namespace") || arg.equals("-id")) {
        flags.putIfAbsent(arg, args.get(i + 1));
      }
    }
    String address = flags.get("-address");
    if (address == null || !flags.containsKey("-namespace") || !flags.containsKey("-id")
        || !Path.of(address).startsWith(base)) {
      return Optional.empty();
    }
    String joined = Path.of(address, flags.get("-namespace"), flags.get("-id")).normalize().toString();
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(joined.getBytes(StandardCharsets.UTF_8));
      return Optional.of(SHIM_SOCKETS.resolve(HexFormat.of().formatHex(hash)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The sockets shims wrote into their bundles' {@code address} files. */
  private static List<Path> shimSocketsOf(Path stateDir) {
    Path tasks = stateDir.resolve("io.containerd.runtime.v2.task");
    List<Path> sockets = new ArrayList<>();
    if (!Files.isDirectory(tasks)) {
      return sockets;
    }
    try (Stream<Path> files = Files.find(tasks, 3, (path, attrs) -> path.getFileName().toString().equals("address"))) {
      for (Path file : (Iterable<Path>) files::iterator) {
        String address = Files.readString(file).trim();
        Path socket = Path.of(address.startsWith("unix://") ? address.substring("unix://".length()) : address);
        // Only ever delete inside the shared socket directory.
        if (socket.isAbsolute() && socket.normalize().getParent() != null
            && socket.normalize().getParent().equals(SHIM_SOCKETS)) {
          sockets.add(socket.normalize());
        }
      }
    } catch (IOException e) {
      // Bundles vanish while containerd deletes them; what remains is still scanned next time.
    }
    return sockets;
  }

  /**
   * {@code runc delete --force} every container whose bundle is in the base directory: it kills
   * container processes a killed shim left orphaned, and removes their cgroups and runc state.
   */
  private void deleteRuncContainers(List<String> problems) throws InterruptedException {
    if (!Files.isDirectory(RUNC_ROOT)) {
      return;
    }
    try (DirectoryStream<Path> roots = Files.newDirectoryStream(RUNC_ROOT, Files::isDirectory)) {
      for (Path root : roots) {
        for (String id : containersUnderBase(root, problems)) {
          runRunc(problems, "--root", root.toString(), "delete", "--force", id);
        }
      }
    } catch (IOException e) {
      problems.add("list " + RUNC_ROOT + ": " + e);
    }
  }

  private List<String> containersUnderBase(Path root, List<String> problems) throws InterruptedException {
    String json = runRunc(problems, "--root", root.toString(), "list", "--format", "json");
    List<String> ids = new ArrayList<>();
    if (json == null || json.isBlank()) {
      return ids;
    }
    JsonElement parsed;
    try {
      parsed = JsonParser.parseString(json);
    } catch (com.google.gson.JsonParseException e) {
      // The runc root is shared with every containerd on the host (other tests, other users):
      // runc can list a container whose state another runc is writing. Best effort, like the
      // rest of the sweep; what remains is scanned next time.
      System.err.println("[Reaper] skipped unreadable `runc --root " + root + " list`: " + e.getMessage());
      return ids;
    }
    if (!parsed.isJsonArray()) {
      return ids; // runc prints "null" for no containers
    }
    JsonArray containers = parsed.getAsJsonArray();
    for (JsonElement container : containers) {
      String bundle = container.getAsJsonObject().get("bundle").getAsString();
      if (Path.of(bundle).startsWith(base)) {
        ids.add(container.getAsJsonObject().get("id").getAsString());
      }
    }
    return ids;
  }

  /** runc's stdout, or null (with a problem recorded) when it failed. */
  private String runRunc(List<String> problems, String... args) throws InterruptedException {
    List<String> command = new ArrayList<>(List.of(runc.toString()));
    command.addAll(List.of(args));
    try {
      Path out = Files.createTempFile("katadbg-runc", ".out");
      try {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
        if (!p.waitFor(RUNC_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
          p.destroyForcibly();
          problems.add(String.join(" ", command) + ": timed out");
          return null;
        }
        String output = Files.readString(out);
        if (p.exitValue() != 0) {
          problems.add(String.join(" ", command) + ": exit " + p.exitValue() + ": " + output.trim());
          return null;
        }
        return output;
      } finally {
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      problems.add(String.join(" ", command) + ": " + e);
      return null;
    }
  }

  /** Unmounts everything under the base directory; true when nothing is mounted there any more. */
  private boolean unmountAll(List<String> problems) throws InterruptedException {
    for (Path mountPoint : Procfs.mountPointsUnder(base)) {
      if (!umount(mountPoint)) {
        umount(mountPoint, "-l"); // lazy: detach now, even if something still holds it open
      }
    }
    List<Path> left = Procfs.mountPointsUnder(base);
    if (!left.isEmpty()) {
      // Deleting would recurse into whatever is still mounted, e.g. a bind mount of host files.
      problems.add("still mounted, so " + base + " was not deleted: " + left);
      return false;
    }
    return true;
  }

  private static boolean umount(Path mountPoint, String... flags) throws InterruptedException {
    List<String> command = new ArrayList<>(List.of(
        TestEnv.findOnPath(TestEnv.SYSTEM_PATH, "umount").map(Path::toString).orElse("umount")));
    command.addAll(List.of(flags));
    command.add(mountPoint.toString());
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    }
  }

  private void deleteTree(List<String> problems) {
    if (!Files.exists(base)) {
      return;
    }
    try {
      // walkFileTree does not follow symbolic links: a link to / in a rootfs stays a link.
      Files.walkFileTree(base, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
          if (e instanceof NoSuchFileException) {
            return FileVisitResult.CONTINUE;
          }
          throw e;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
          if (e != null && !(e instanceof NoSuchFileException)) {
            throw e;
          }
          Files.deleteIfExists(dir);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      problems.add("delete " + base + ": " + e);
    }
  }

  private static void deleteQuietly(Path file, List<String> problems) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      problems.add("delete " + file + ": " + e);
    }
  }
}
