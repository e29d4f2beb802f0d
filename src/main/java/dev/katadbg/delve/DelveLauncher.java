package dev.katadbg.delve;

import dev.katadbg.proc.BackgroundStart;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Objects;

/**
 * DelveLauncher starts headless Delve servers:
 *
 * <pre>
 * setsid dlv exec PROGRAM --headless --accept-multiclient --api-version=2 --listen=ADDR
 *     [--check-go-version=false] [-r stdin:F] [-r stdout:F] [-r stderr:F] [-- ARGS...]
 * setsid dlv attach PID --headless --accept-multiclient --api-version=2 --listen=ADDR
 *     [--check-go-version=false]
 * </pre>
 *
 * <p>Why this shape:
 *
 * <ul>
 *   <li>{@code --accept-multiclient}: clients (katadbg, then an IDE) come and go without ending the
 *       session; without it dlv exits, killing the target, when the first client leaves.
 *   <li>{@code --api-version=2}: Delve 1.20 still defaults to v1, which katadbg does not speak.
 *   <li>{@code setsid}: dlv gets its own session, so it outlives the caller and does not get
 *       signals sent to the caller's process group or terminal. setsid forks only when it is a
 *       process-group leader, which a child started by the JVM never is, so it execs in place and
 *       the pid is dlv's.
 *   <li>stdin from /dev/null and stdout+stderr appended to a log file, never inherited pipes: the
 *       caller is a containerd shim wrapper, and containerd waits for EOF on the shim's stdout
 *       pipe, which a long-lived dlv holding it would never give.
 * </ul>
 */
public final class DelveLauncher {
  /** util-linux setsid. */
  public static final Path SETSID = Path.of("/usr/bin/setsid");

  /**
   * For dlv to bind its listener and print where, in {@link #launch}: it does so before it
   * touches its target (seen with 1.20.2, 1.24.0 and 1.27.1, also when the attach then fails),
   * so this bounds a hang.
   */
  private static final Duration LISTEN_TIMEOUT = Duration.ofSeconds(30);
  private static final File DEV_NULL = new File("/dev/null");

  private final Path setsid;

  public DelveLauncher() {
    this(SETSID);
  }

  /** A launcher using another setsid(1), e.g. for systems with it in /bin. */
  public DelveLauncher(Path setsid) {
    this.setsid = Objects.requireNonNull(setsid, "setsid");
    if (!setsid.isAbsolute()) {
      throw new IllegalArgumentException("setsid must be an absolute path: '" + setsid + "'");
    }
  }

  /**
   * Starts dlv. It returns once the process exists; dlv may still fail (bad program, port in use)
   * and exit, which {@link DelveProcess#connect} reports with dlv's own words from the log.
   *
   * @throws IllegalArgumentException for a TCP port 0 on a non-loopback host
   * @throws DelveException if the process cannot be started
   */
  public DelveProcess launch(LaunchSpec spec) {
    DelveAddress listen = checkPort(spec.listen());
    checkStartable(spec);
    List<String> command = new ArrayList<>();
    command.add(setsid.toString());
    command.add(spec.dlv().toString());
    command.addAll(dlvArguments(spec, listen));

    ProcessBuilder pb = new ProcessBuilder(command);
    pb.directory(spec.workDir().toFile());
    pb.environment().clear();
    pb.environment().putAll(spec.environment());
    pb.redirectInput(ProcessBuilder.Redirect.from(DEV_NULL));
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(spec.logFile().toFile()));
    pb.redirectErrorStream(true);

    // The log may hold earlier runs; remember where this one starts so its tail is only ours.
    long logStart = sizeOrZero(spec.logFile());
    try {
      Process process = pb.start();
      return new DelveProcess(process.toHandle(), Optional.of(process), listen, spec.logFile(),
          logStart, command).listening(LISTEN_TIMEOUT);
    } catch (IOException e) {
      throw new DelveException("start " + spec.dlv() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Like {@link #launch}, but dlv is not this JVM's child: a shell starts it in the background
   * and exits at once, so no JVM thread waits in native code for dlv, which would hold up this
   * JVM's exit by up to 300 ms (HotSpot's VM_Exit waits that long for threads in native). The
   * shim wrapper exits right after the shim replies and must not pay that. dlv's exit status
   * is then unknown; its log still says why it stopped.
   *
   * <p>It does not wait for dlv to listen, so the caller can record dlv's pid first (a wrapper
   * killed in that wait must leave a guard able to end dlv): call {@link DelveProcess#listening}
   * before connecting.
   */
  public DelveProcess launchDetached(LaunchSpec spec) {
    return launchDetached(spec, Optional.empty());
  }

  /**
   * As {@link #launchDetached(LaunchSpec)}, and dlv's pid and start time ({@code /proc/PID/stat}
   * field 22) are written to {@code pidFile} ("PID START", replaced atomically) by the launching
   * shell, before this returns: a caller killed at any moment after dlv exists leaves the file
   * for a guard to end dlv with.
   */
  public DelveProcess launchDetached(LaunchSpec spec, Optional<Path> pidFile) {
    DelveAddress listen = checkPort(spec.listen());
    checkStartable(spec);
    List<String> dlvCommand = new ArrayList<>();
    dlvCommand.add(spec.dlv().toString());
    dlvCommand.addAll(dlvArguments(spec, listen));
    // setsid execs in place here (the background job is no group leader): dlv is in a session
    // of its own, with the pid the shell printed.
    List<String> argv = new ArrayList<>(List.of(setsid.toString()));
    argv.addAll(dlvCommand);
    ProcessBuilder pb = new ProcessBuilder(BackgroundStart.command("katadbg-dlv", spec.logFile(),
        BackgroundStart.Output.LOG, pidFile, argv));
    pb.directory(spec.workDir().toFile());
    pb.environment().clear();
    pb.environment().putAll(spec.environment());
    pb.redirectInput(ProcessBuilder.Redirect.from(DEV_NULL));
    pb.redirectError(ProcessBuilder.Redirect.appendTo(spec.logFile().toFile()));
    long logStart = sizeOrZero(spec.logFile());
    try {
      long pid = BackgroundStart.run(pb);
      ProcessHandle handle = ProcessHandle.of(pid).orElseThrow(() -> new DelveException(
          "start " + spec.dlv() + ": dlv (pid " + pid + ") exited at once: "
              + DelveProcess.logSays(spec.logFile(), logStart)));
      return new DelveProcess(handle, Optional.empty(), listen, spec.logFile(), logStart,
          dlvCommand);
    } catch (IOException e) {
      throw new DelveException("start " + spec.dlv() + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DelveException("start " + spec.dlv() + ": interrupted");
    }
  }

  /**
   * Checked before starting because setsid would start fine and only then fail to exec dlv,
   * leaving a one-line message in the log instead of an error at the caller.
   */
  private static void checkStartable(LaunchSpec spec) {
    if (!Files.isRegularFile(spec.dlv()) || !Files.isExecutable(spec.dlv())) {
      throw new DelveException("start " + spec.dlv() + ": not an executable file");
    }
    if (!Files.isDirectory(spec.workDir())) {
      throw new DelveException(
          "start " + spec.dlv() + ": working directory " + spec.workDir() + " does not exist");
    }
  }

  /**
   * Where {@code dlv} is: {@code configured} itself when it holds a slash, else the first
   * executable of that name in {@code pathEnv} (a PATH value); empty when there is none.
   */
  public static Optional<Path> locate(String configured, String pathEnv) {
    return dev.katadbg.files.Executables.find(configured, pathEnv);
  }

  /** The arguments after {@code dlv}, for {@code spec} listening on {@code listen}. */
  static List<String> dlvArguments(LaunchSpec spec, DelveAddress listen) {
    List<String> args = new ArrayList<>();
    if (spec.debuggee() instanceof LaunchSpec.Exec exec) {
      args.add("exec");
      args.add(exec.program().toString());
    } else if (spec.debuggee() instanceof LaunchSpec.Attach attach) {
      args.add("attach");
      args.add(Long.toString(attach.pid()));
    }
    args.add("--headless");
    args.add("--accept-multiclient");
    args.add("--api-version=2");
    args.add("--listen=" + listen.toListenArg());
    if (!spec.checkGoVersion()) {
      args.add("--check-go-version=false");
    }
    if (spec.debuggee() instanceof LaunchSpec.Exec exec) {
      LaunchSpec.Redirects r = exec.redirects();
      r.stdin().ifPresent(p -> addRedirect(args, "stdin", p));
      r.stdout().ifPresent(p -> addRedirect(args, "stdout", p));
      r.stderr().ifPresent(p -> addRedirect(args, "stderr", p));
      if (!exec.args().isEmpty()) {
        args.add("--");
        args.addAll(exec.args());
      }
    }
    return List.copyOf(args);
  }

  private static void addRedirect(List<String> args, String stream, Path file) {
    args.add("-r");
    args.add(stream + ":" + file);
  }

  /**
   * Port 0 is passed on: dlv binds a free port itself and says which, and the launch reads it
   * ({@link DelveProcess#listening}). A port katadbg picked (bind 0, close, hand the number to
   * dlv) could be taken by another process before dlv bound it: one of twenty concurrent starts
   * in a CI run failed so ("dlv exited at once").
   */
  private static DelveAddress checkPort(DelveAddress listen) {
    if (!listen.isUnix() && listen.port().orElseThrow() == 0 && !listen.isLoopback()) {
      throw new IllegalArgumentException(
          "port 0 is only supported on a loopback host, not " + listen);
    }
    return listen;
  }

  private static long sizeOrZero(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      // No log yet (the usual case), or an unreadable one that starting dlv will report.
      return 0;
    }
  }
}
