package dev.katadbg.testenv;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * The real programs the end-to-end tests drive (Delve, the shims, containerd, ctr, runc,
 * busybox), and the checks that they are present.
 *
 * <p>Project-local parts come from the directory named by the system property {@code
 * katadbg.deps} (failsafe sets it; default {@code <project>/.deps}), filled by {@code
 * scripts/setup-env.sh}. Debian's parts are looked up in {@link #SYSTEM_PATH}, the same PATH
 * a private containerd gets, so the tests and containerd agree on which runc and shim run.
 *
 * <p>{@link #require} never lets a test pass without its prerequisites: it fails the test when
 * {@code CI=true} (a CI machine that lost a part must go red) and skips it otherwise (a
 * developer without the setup sees why and how to fix it).
 */
public final class TestEnv {

  /** Where setup-env.sh unpacks trixie's containerd 1.7.24 and its ctr, under .deps. */
  private static final String CONTAINERD_1_7_BIN = "containerd-1.7/usr/bin";

  /** The PATH of a systemd service on Debian; containerd and ctr run with exactly this. */
  public static final String SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  static final String SETUP_SCRIPT = "scripts/setup-env.sh";

  /** One real program a test may need. */
  public enum Part {
    DLV("Delve 1.24", deps -> deps.resolve("trixie/usr/bin/dlv")),
    OLD_DLV("Delve 1.20.2 (too old to follow exec)", deps -> deps.resolve("bookworm/usr/bin/dlv")),
    DEBUG_SHIM("DWARF debug build of containerd-shim-runc-v2",
        deps -> deps.resolve("shim/containerd-shim-runc-v2")),
    /** Stripped of DWARF: the binary a user would have installed. */
    DEBIAN_SHIM("Debian's containerd-shim-runc-v2", deps -> Path.of("/usr/bin/containerd-shim-runc-v2")),
    /** The {@link #DEBUG_SHIM} built {@code -buildmode=pie}, as Kata's Makefile builds its shim. */
    PIE_SHIM("DWARF debug build of containerd-shim-runc-v2, position-independent (-buildmode=pie)",
        deps -> deps.resolve("shim-pie/containerd-shim-runc-v2")),
    /**
     * FAKE shim (src/test/go/garbageshim): a Go program with DWARF whose {@code start} writes
     * bytes that are not an address and exits 0 without a daemon; no real shim fails on cue.
     */
    FAKE_GARBAGE_SHIM("FAKE garbage-printing test shim (src/test/go/garbageshim)",
        deps -> deps.resolve("fake-garbage-shim/containerd-shim-garbage-v2")),
    /**
     * A shim v2-style Rust program (src/test/rust/rustshim) with DWARF, built by setup-env from
     * Debian's Rust and packaged crates: Kata's runtime-rs daemonizes the same way.
     */
    RUST_SHIM("Rust test shim (src/test/rust/rustshim)",
        deps -> deps.resolve("rustshim/containerd-shim-rustproto-v2")),
    /** Delve from Debian sid: the newest packaged Delve (Go 1.25 to 1.27). */
    DLV_1_27("Delve 1.27.1 (Debian sid)", deps -> deps.resolve("dlv-1.27/usr/bin/dlv")),
    GO("Go 1.24", deps -> deps.resolve("trixie/usr/lib/go-1.24/bin/go")),
    /** Go 1.27 from Debian sid: what {@link #SHIM_2_1} is built with (inside Delve 1.27's window). */
    GO_1_27("Go 1.27 (Debian sid)", deps -> deps.resolve("go-1.27/usr/lib/go-1.27/bin/go")),
    /**
     * containerd 2.1.9's own runc shim (the v2 module: task API v3, a JSON {@code start} reply),
     * built like {@link #DEBUG_SHIM} with {@link #GO_1_27} from sid's containerd 2.1 source.
     */
    SHIM_2_1("DWARF debug build of containerd 2.1's containerd-shim-runc-v2 (Go 1.27)",
        deps -> deps.resolve("shim-2.1/containerd-shim-runc-v2")),
    CONTAINERD("containerd", deps -> onSystemPath("containerd")),
    /**
     * The client of the machine's containerd: trixie's ctr 1.7.24, not bookworm's 1.6.20, which
     * closes its end of a container's stdout FIFO before it has read it all (containerd#8643,
     * fixed in 1.6.22 and 1.7.3) and so now and then loses a quick container's output: 1 of 600
     * {@code ctr run ... echo} of the runc shim alone, no katadbg, at load 4-5 (2026-12-07).
     */
    CTR("ctr 1.7.24 (Debian trixie)", deps -> deps.resolve(CONTAINERD_1_7_BIN).resolve("ctr")),
    /**
     * containerd 1.7.24 from Debian trixie, unpacked with its own ctr beside it: hand {@link
     * #binDir} of it to {@link PrivateContainerd#containerd(Path)}.
     */
    CONTAINERD_1_7("containerd 1.7.24 (Debian trixie)", deps -> deps.resolve(CONTAINERD_1_7_BIN).resolve("containerd")),
    /** containerd 2.1.9 from Debian sid (config version 3, task API v3), its own ctr beside it. */
    CONTAINERD_2_1("containerd 2.1.9 (Debian sid)", deps -> deps.resolve("containerd-2.1/usr/bin/containerd")),
    RUNC("runc", deps -> onSystemPath("runc")),
    /** gdb and gdbserver from Debian (bookworm: 13.1), for shims that are not Go. */
    GDB("gdb", deps -> onSystemPath("gdb")),
    GDBSERVER("gdbserver", deps -> onSystemPath("gdbserver")),
    /** Must be busybox-static: it is copied alone into a rootfs without any libraries. */
    BUSYBOX("busybox (busybox-static)", deps -> onSystemPath("busybox"));

    private final String description;
    private final Function<Path, Path> locate;

    Part(String description, Function<Path, Path> locate) {
      this.description = description;
      this.locate = locate;
    }

    public String description() {
      return description;
    }
  }

  private static volatile TestEnv instance;

  private final Path deps;

  TestEnv(Path deps) {
    this.deps = deps.toAbsolutePath().normalize();
  }

  /** The environment described by this JVM's system properties. Checks nothing. */
  public static TestEnv get() {
    TestEnv env = instance;
    if (env == null) {
      synchronized (TestEnv.class) {
        if (instance == null) {
          instance = new TestEnv(depsFromProperties());
        }
        env = instance;
      }
    }
    return env;
  }

  /**
   * Checks that the test runs as root and that every part exists and is executable; fails the
   * test when {@code CI=true}, skips it otherwise. Returns the environment for chaining.
   */
  public static TestEnv require(Part... parts) {
    TestEnv env = get();
    env.verdict(env.missing(parts), System.getenv("CI"));
    return env;
  }

  /** The directory holding the project-local parts (system property {@code katadbg.deps}). */
  public Path deps() {
    return deps;
  }

  /** Where a part is expected; it may not exist ({@link #require} checks that). */
  public Path path(Part part) {
    return part.locate.apply(deps);
  }

  /** The directory holding a part, e.g. a containerd's {@code bin} directory with its ctr. */
  public Path binDir(Part part) {
    return path(part).getParent();
  }

  public Path dlv() {
    return path(Part.DLV);
  }

  public Path oldDlv() {
    return path(Part.OLD_DLV);
  }

  public Path debugShim() {
    return path(Part.DEBUG_SHIM);
  }

  public Path debianShim() {
    return path(Part.DEBIAN_SHIM);
  }

  public Path go() {
    return path(Part.GO);
  }

  public Path containerd() {
    return path(Part.CONTAINERD);
  }

  public Path ctr() {
    return path(Part.CTR);
  }

  public Path runc() {
    return path(Part.RUNC);
  }

  public Path busybox() {
    return path(Part.BUSYBOX);
  }

  /** The katadbg distribution (bin/, lib/) the build laid out: system property {@code katadbg.dist}. */
  public Path dist() {
    String dist = System.getProperty("katadbg.dist");
    return dist != null ? Path.of(dist) : projectDir().resolve("target/katadbg");
  }

  /** One line per missing prerequisite, empty when everything is there. */
  List<String> missing(Part... parts) {
    List<String> missing = new ArrayList<>();
    int uid = Procfs.effectiveUid();
    if (uid != 0) {
      missing.add("root (running as uid " + uid + "; containerd, runc and ptrace need root)");
    }
    for (Part part : parts) {
      Path path = path(part);
      if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
        missing.add(part.description + " at " + path);
      }
    }
    return missing;
  }

  /** Turns missing prerequisites into a failure (CI) or a skip (elsewhere); never a pass. */
  void verdict(List<String> missing, String ciVariable) {
    if (missing.isEmpty()) {
      return;
    }
    String message = "end-to-end prerequisites missing: " + String.join("; ", missing)
        + ". Run " + SETUP_SCRIPT + " as root to install them (parts are looked up in "
        + deps + ", set by -Dkatadbg.deps).";
    if ("true".equalsIgnoreCase(ciVariable)) {
      throw new AssertionFailedError(message + " Failing, not skipping, because CI=true.");
    }
    throw new TestAbortedException(message + " Skipped because CI is not \"true\".");
  }

  private static Path depsFromProperties() {
    String deps = System.getProperty("katadbg.deps");
    return deps != null && !deps.isBlank() ? Path.of(deps) : projectDir().resolve(".deps");
  }

  /** The nearest directory at or above the working directory holding pom.xml. */
  static Path projectDir() {
    Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("pom.xml"))) {
        return dir;
      }
    }
    return start;
  }

  /** First hit on {@link #SYSTEM_PATH}, or where Debian would install it (to name in messages). */
  static Path onSystemPath(String name) {
    return findOnPath(SYSTEM_PATH, name).orElse(Path.of("/usr/bin", name));
  }

  static Optional<Path> findOnPath(String path, String name) {
    for (String dir : path.split(":")) {
      Path candidate = Path.of(dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
