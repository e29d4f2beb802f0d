package dev.katadbg.shim;

import dev.katadbg.config.ConfigException;
import dev.katadbg.config.KatadbgConfig;
import dev.katadbg.handoff.ExecWatcher;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session;
import dev.katadbg.session.SessionRegistry;
import dev.katadbg.shimargs.ShimInvocation;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code containerd-shim-katadbg-v2}: stands where the runtime manager expects a shim v2 binary.
 * A {@code start} of a new sandbox runs the real shim under Delve; every other call (delete,
 * version, info, features, daemon mode, a pod container's start) goes straight to the real shim
 * with the caller's stdio, so its bytes and exit status are the real shim's own.
 */
public final class ShimWrapper {
  /**
   * Where the wrapper runs: in the process the runtime manager ran ({@link #LOCAL}), or in a
   * resident katadbg serving that process, katadbg's native front ({@link ServedStart}). The
   * real shim and the exec watcher are always the front's children, with its stdio.
   */
  interface Front {
    /** Runs the real shim as the caller's own call, with the caller's stdio; its status. */
    int passThrough(Path shim, List<String> args, Path cwd);

    Caller caller(Processes processes);

    ExecWatcher.Spawner spawner();
  }

  /** The wrapper is this JVM, run by the runtime manager. */
  static final Front LOCAL = new Front() {
    @Override
    public int passThrough(Path shim, List<String> args, Path cwd) {
      try {
        return new ProcessBuilder(command(shim, args)).directory(cwd.toFile()).inheritIO()
            .start().waitFor();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }

    @Override
    public Caller caller(Processes processes) {
      return Caller.self(processes);
    }

    @Override
    public ExecWatcher.Spawner spawner() {
      return ExecWatcher.LOCAL;
    }
  };

  /** The real shim's command line for {@code args}. */
  static List<String> command(Path shim, List<String> args) {
    List<String> cmd = new ArrayList<>(args.size() + 1);
    cmd.add(shim.toString());
    cmd.addAll(args);
    return cmd;
  }

  private final Map<String, String> env;
  private final Path cwd;
  private final OutputStream stdout;
  private final PrintStream stderr;
  private final Front front;

  /**
   * The wrapper never reads its stdin: the runtime options on it (containerd pipes them to every
   * start of a runtime with options, and from 2.3 a bootstrap message to every start) go to the
   * real shim as the very same file description, whatever it is.
   */
  public ShimWrapper(Map<String, String> env, Path cwd, OutputStream stdout,
      PrintStream stderr) {
    this(env, cwd, stdout, stderr, LOCAL);
  }

  ShimWrapper(Map<String, String> env, Path cwd, OutputStream stdout, PrintStream stderr,
      Front front) {
    this.env = Map.copyOf(env);
    this.cwd = cwd;
    this.stdout = stdout;
    this.stderr = stderr;
    this.front = java.util.Objects.requireNonNull(front, "front");
  }

  /** Runs one call; returns the exit status the wrapper must exit with. */
  public int run(List<String> args) {
    ShimInvocation inv = ShimInvocation.parse(args);
    KatadbgConfig config;
    Path shim;
    try {
      config = KatadbgConfig.load(env);
      shim = config.requireShimBinary();
    } catch (ConfigException e) {
      return fail("katadbg: " + e.getMessage());
    }
    if (!inv.isStart() || !Session.ID.matcher(inv.id()).matches()
        || !Session.ID.matcher(inv.namespace()).matches()) {
      return passThrough(shim, args);
    }
    if (BundleAnnotations.otherSandbox(cwd, inv.id()).isPresent()) {
      return passThrough(shim, args);
    }
    Processes processes = Processes.linux();
    Caller caller = front.caller(processes);
    SessionRegistry registry;
    SessionRegistry.Claim claim;
    try {
      // A session recorded by this very wrapper is a served start whose server ended before
      // the start ran (the front then runs this JVM in its place): it is ours to take again.
      registry = SessionRegistry.open(config.stateDir(),
          r -> !r.equals(caller.wrapper()) && processes.isAlive(r.pid(), r.startTime()));
      claim = registry.claim(inv.namespace(), inv.id());
    } catch (RuntimeException e) {
      // Nothing has started yet: one line for the runtime manager, never a stack trace.
      return fail("katadbg: " + e.getMessage());
    }
    if (!(claim instanceof SessionRegistry.Claim.Claimed claimed)) {
      return passThrough(shim, args);
    }
    StartOutcome outcome = new DebugStart(config, registry, processes, env, cwd,
        Optional.ofNullable(System.getProperty("katadbg.home")), caller, front.spawner())
        .run(inv, claimed.dir(), shim, ProcessBuilder.Redirect.INHERIT);
    if (outcome.withoutDebugger()) {
      return passThrough(shim, args);
    }
    if (outcome.error().isPresent()) {
      return fail("katadbg: " + outcome.error().get(), outcome.exitCode());
    }
    try {
      stdout.write(outcome.reply());
      stdout.flush();
      stderr.write(outcome.stderr());
      stderr.flush();
    } catch (IOException e) {
      return fail("katadbg: cannot write the shim's reply: " + e.getMessage());
    }
    return outcome.exitCode();
  }

  /**
   * Runs the real shim with this process's own stdin, stdout and stderr, so what the runtime
   * manager reads is exactly what the shim wrote.
   */
  private int passThrough(Path shim, List<String> args) {
    try {
      return front.passThrough(shim, args, cwd);
    } catch (UncheckedIOException e) {
      return fail("katadbg: cannot run the real shim " + shim + ": " + e.getCause().getMessage()
          + " (fix [shim] binary)");
    } catch (IllegalStateException e) {
      return fail("katadbg: " + e.getMessage());
    }
  }

  private int fail(String line) {
    return fail(line, 1);
  }

  private int fail(String line, int code) {
    stderr.print(line.replace('\n', ' ') + "\n");
    stderr.flush();
    return code == 0 ? 1 : code;
  }

  /** The wrapper's process entry; only this exits the JVM. */
  public static void main(String[] args) {
    PrintStream err = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err),
        true, StandardCharsets.UTF_8);
    int code = new ShimWrapper(System.getenv(), Path.of("").toAbsolutePath(),
        new java.io.FileOutputStream(java.io.FileDescriptor.out), err).run(List.of(args));
    System.exit(code);
  }
}
