package dev.katadbg.discovery;

import dev.katadbg.elf.ElfBinary;
import dev.katadbg.proc.ProcessInfo;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session;
import dev.katadbg.shimargs.ShimInvocation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Finds the shim v2 daemons running on this host by reading procfs: every process whose binary
 * is named {@code containerd-shim-*} and that runs in daemon mode (no action word: {@code start}
 * and {@code delete} calls are short-lived helpers, not servers).
 *
 * <p>The bundle comes from the daemon's working directory, not from a fixed state path: the
 * runtime manager starts the shim in the bundle and the shim library re-executes its daemon
 * there, wherever that containerd (a private one, CRI-O) keeps its state.
 */
public final class ShimFinder {
  private static final String PREFIX = "containerd-shim-";
  /** comm is the binary's name cut to 15 bytes (TASK_COMM_LEN - 1): "containerd-shim". */
  private static final String COMM = PREFIX.substring(0, 15);
  private static final String DELETED = " (deleted)";

  private final Processes processes;
  private final Path procRoot;

  public ShimFinder(Processes processes, Path procRoot) {
    this.processes = Objects.requireNonNull(processes, "processes");
    this.procRoot = Objects.requireNonNull(procRoot, "procRoot");
  }

  /** The finder of this host's {@code /proc}. */
  public static ShimFinder linux() {
    return new ShimFinder(Processes.linux(), Path.of("/proc"));
  }

  /**
   * The running shim daemons, ordered by pid, each joined to the live session in {@code
   * sessions} whose recorded shim is that very process (same pid and start time).
   */
  public List<Shim> find(List<Session> sessions) {
    Map<Path, Optional<Boolean>> dwarfByBinary = new HashMap<>();
    List<Shim> out = new ArrayList<>();
    for (ProcessInfo p : processes.withComm(c -> c.startsWith(COMM))) {
      if (p.isZombie() || p.cmdline().isEmpty()) {
        continue;
      }
      Optional<Path> exe = p.exe().map(ShimFinder::undeleted);
      // The executable's name first; else argv[0], which keeps the name the binary was called
      // by when exe resolved a link (containerd-shim-x-v2 -> a build with another name).
      Optional<String> runtime = exe.flatMap(e -> runtimeOf(fileName(e)))
          .or(() -> runtimeOf(fileName(Path.of(p.cmdline().get(0)))));
      if (runtime.isEmpty()) {
        continue;
      }
      ShimInvocation inv = ShimInvocation.parse(p.cmdline().subList(1, p.cmdline().size()));
      if (inv.action().isPresent() || inv.flag("id").isEmpty()) {
        continue;
      }
      Optional<Path> bundle = processes.cwd(p.pid())
          .filter(c -> !c.toString().endsWith(DELETED));
      Optional<String> socket = bundle.flatMap(b -> readAddress(b.resolve("address")));
      Path binary = exe.orElse(Path.of(p.cmdline().get(0)));
      Optional<Boolean> dwarf = dwarfByBinary.computeIfAbsent(binary, b -> dwarfOf(p.pid()));
      Optional<Session> session = sessions.stream()
          .filter(s -> s.shim().filter(r -> r.pid() == p.pid()
              && r.startTime() == p.startTime()).isPresent())
          .findFirst();
      out.add(new Shim(p.pid(), p.startTime(), runtime.get(), inv.namespace(), inv.id(),
          inv.flag("address").orElse(""), socket, bundle,
          containersOf(inv.id(), bundle, socket), binary, dwarf, p.tracerPid(), session));
    }
    return out;
  }

  /**
   * The runtime type a shim binary's name stands for, by containerd's rule read backwards:
   * {@code io.containerd.NAME.VERSION} runs {@code containerd-shim-NAME-VERSION}, NAME possibly
   * holding dashes ({@code kata-qemu}).
   */
  static Optional<String> runtimeOf(String binaryName) {
    if (!binaryName.startsWith(PREFIX)) {
      return Optional.empty();
    }
    String rest = binaryName.substring(PREFIX.length());
    int dash = rest.lastIndexOf('-');
    if (dash <= 0 || dash == rest.length() - 1) {
      return Optional.empty();
    }
    return Optional.of("io.containerd." + rest.substring(0, dash) + "." + rest.substring(dash + 1));
  }

  /**
   * The containers a shim serves: its own id, then every bundle beside its own (the runtime
   * manager keeps one directory per container and namespace) whose {@code address} file names
   * the same socket — a runc group or a Kata pod writes its socket into each member's bundle.
   */
  private static List<String> containersOf(String id, Optional<Path> bundle,
      Optional<String> socket) {
    List<String> out = new ArrayList<>();
    out.add(id);
    if (bundle.isEmpty() || socket.isEmpty() || bundle.get().getParent() == null) {
      return out;
    }
    List<String> others = new ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(bundle.get().getParent())) {
      for (Path sibling : dir) {
        String name = sibling.getFileName().toString();
        if (!name.equals(id) && readAddress(sibling.resolve("address")).equals(socket)) {
          others.add(name);
        }
      }
    } catch (IOException e) {
      // The namespace directory vanished or is unreadable: the shim's own id is all we know.
    }
    others.sort(null);
    out.addAll(others);
    return out;
  }

  private static Optional<String> readAddress(Path file) {
    try {
      String s = Files.readString(file, StandardCharsets.UTF_8).strip();
      return s.isEmpty() ? Optional.empty() : Optional.of(s);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Reads the ELF through {@code /proc/PID/exe}, which opens even a replaced binary. */
  private Optional<Boolean> dwarfOf(int pid) {
    try {
      return Optional.of(ElfBinary.read(procRoot.resolve(Integer.toString(pid)).resolve("exe"))
          .hasDwarf());
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static String fileName(Path p) {
    Path f = p.getFileName();
    return f == null ? "" : f.toString();
  }

  private static Path undeleted(Path exe) {
    String s = exe.toString();
    return s.endsWith(DELETED) ? Path.of(s.substring(0, s.length() - DELETED.length())) : exe;
  }
}
