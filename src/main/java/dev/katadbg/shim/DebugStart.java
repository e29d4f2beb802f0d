package dev.katadbg.shim;

import dev.katadbg.config.KatadbgConfig;
import dev.katadbg.config.KatadbgConfig.DebuggerSettings;
import dev.katadbg.config.ListenPolicy;
import dev.katadbg.delve.Breakpoint;
import dev.katadbg.delve.DebuggerState;
import dev.katadbg.delve.DelveAddress;
import dev.katadbg.delve.DelveClient;
import dev.katadbg.delve.DelveException;
import dev.katadbg.delve.DelveLauncher;
import dev.katadbg.delve.DelveProcess;
import dev.katadbg.delve.LaunchSpec;
import dev.katadbg.delve.DelveVersion;
import dev.katadbg.delve.Target;
import dev.katadbg.elf.ElfBinary;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.Reaper;
import dev.katadbg.session.Session;
import dev.katadbg.session.Session.ProcessRef;
import dev.katadbg.session.SessionRegistry;
import dev.katadbg.session.SessionState;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A shim's {@code start} run under a headless Delve, as Kata's guide describes, with the steps a
 * user used to type done here: follow-exec so the debugger stays with the daemon the shim
 * re-executes, the configured breakpoints, and then either a continue or a wait for the user.
 *
 * <p>The shim's stdout goes through a FIFO, so its reply is relayed the moment the start process
 * exits (Kata's script polled a file once a second) and byte for byte; its stderr and Delve's
 * output go to the session's files, never to the runtime manager.
 */
final class DebugStart {
  /** Delve's follow-exec (API FollowExec, terminal {@code target follow-exec}) arrived in 1.21. */
  static final String FOLLOW_EXEC_SINCE = "1.21.0";
  private static final int MAX_REPLY = 1 << 20;
  /** Where every Go process ends, os.Exit or a return from main.main alike. */
  private static final String START_EXIT_FUNCTION = "runtime.exit";
  private static final String START_EXIT_BREAKPOINT = "katadbgStartExit";

  private final KatadbgConfig config;
  private final SessionRegistry registry;
  private final Processes processes;
  private final Map<String, String> env;
  private final Path bundle;

  DebugStart(KatadbgConfig config, SessionRegistry registry, Processes processes,
      Map<String, String> env, Path bundle) {
    this.config = config;
    this.registry = registry;
    this.processes = processes;
    this.env = env;
    this.bundle = bundle;
  }

  /** Runs the start in {@code dir} (already claimed for this sandbox). */
  StartOutcome run(ShimInvocation inv, Path dir, Path shim, byte[] stdin) {
    SessionLog log = new SessionLog(dir.resolve("katadbg.log"));
    DebuggerSettings dbg = config.debugger();
    Session session = new Session(inv.id(), inv.namespace(), dir, Optional.of(bundle), shim, "",
        SessionState.STARTING, Optional.empty(), self(), Optional.empty(), Optional.empty(),
        dbg.breakpoints(), Instant.now());
    registry.save(session);
    log.info("start " + inv.namespace() + "/" + inv.id() + " shim " + shim + " args "
        + inv.args());

    DelveProcess delve = null;
    DelveClient client = null;
    try {
      Path dlv = resolveDlv(dbg.path());
      Path realShim = checkShim(shim);
      String listen = listenAddress(dbg.listen(), dir);
      if (dbg.listen().isRemote()) {
        log.warn("the debugger listens on " + listen + ", reachable from other hosts: anyone"
            + " who can connect controls a root process (set [debugger] listen to loopback)");
      }
      Path stdinFile = dir.resolve("shim.stdin");
      Files.write(stdinFile, stdin);
      Path fifo = dir.resolve("shim.stdout");
      mkfifo(fifo);

      delve = new DelveLauncher().launchDetached(new LaunchSpec(dlv,
          new LaunchSpec.Exec(realShim, inv.args(),
              LaunchSpec.Redirects.of(stdinFile, fifo, session.shimStderr())),
          DelveAddress.parse(listen), bundle, env, session.debuggerLog(),
          dbg.checkGoVersion()));
      session = session.withDebugger(ref(pid(delve)), listen);
      registry.save(session);
      log.info("delve " + dlv + " pid " + pid(delve) + " listening on " + listen);

      // Opened before anything runs: the reader must exist before the start process can exit.
      CompletableFuture<byte[]> reply = readFifo(fifo);
      client = connect(delve, listen, dbg.startTimeout());
      DelveVersion version = client.version();
      if (!version.supportsFollowExec()) {
        throw new SetupException("Delve " + version.delveVersion() + " at " + dlv
            + " is too old: following the shim's daemon needs follow-exec, Delve "
            + FOLLOW_EXEC_SINCE + " or newer (set [debugger] path to a newer dlv)");
      }
      String regex = dbg.followExecRegex().orElse(FollowExecRegex.forDaemonOf(realShim));
      client.followExec(true, regex);
      log.info("follow-exec on, regex " + regex);
      Set<Integer> configuredIds = new HashSet<>();
      for (String location : dbg.breakpoints()) {
        try {
          Breakpoint bp = client.createBreakpoint(location);
          configuredIds.add(bp.id());
          if (bp.pending()) {
            client.clearBreakpoint(bp.id());
            throw new SetupException("breakpoint '" + location + "' from [debugger] breakpoints"
                + " matches no code in " + realShim + " (check the package path and name)");
          }
          log.info("breakpoint " + bp.id() + " at " + location + " (" + bp.file() + ":"
              + bp.line() + ")");
        } catch (DelveException e) {
          throw new SetupException("cannot set breakpoint '" + location
              + "' from [debugger] breakpoints: " + e.getMessage(), e);
        }
      }
      Optional<ProcessRef> startRef = startProcessOf(pid(delve));
      session = session.withProcesses(startRef, Optional.empty());

      Breakpoint exit = client.createBreakpoint(START_EXIT_FUNCTION, START_EXIT_BREAKPOINT);
      if (dbg.waitForClient()) {
        session = session.withState(SessionState.WAITING, Optional.empty());
        registry.save(session);
        log.info("waiting for a client: dlv connect " + listen);
        watchStartExit(client, exit, startRef, configuredIds, log);
      } else {
        runPastStartExit(client, exit, startRef, log);
      }

      byte[] out = awaitReply(reply, delve);
      log.info("shim closed its stdout: " + out.length + " bytes");
      if (out.length == 0 && delve.awaitExit(Duration.ofSeconds(1))) {
        throw new SetupException("Delve exited before the shim replied: "
            + tail(delve, "no output"));
      }
      if (out.length == 0) {
        String why = lastLine(session.shimStderr()).orElse("it printed no address");
        // The shim's own failure, not the debugger's: passthrough would only fail again.
        cleanup(client, delve);
        client = null;
        delve = null;
        registry.save(session.withState(SessionState.FAILED, Optional.of("shim start failed: "
            + why)));
        log.error("shim start failed: " + why);
        return StartOutcome.failed(1, why);
      }
      Optional<ProcessRef> daemon = daemonOf(pid(delve), startRef);
      session = session.withProcesses(startRef, daemon)
          .withState(SessionState.RUNNING, Optional.empty());
      registry.save(session);
      ProcessRef debugger = session.debugger();
      daemon.ifPresent(d -> Reaper.start(d, debugger));
      log.info("shim replied " + out.length + " bytes; daemon "
          + daemon.map(d -> Integer.toString(d.pid())).orElse("unknown"));
      if (client != null) {
        client.close();
      }
      return StartOutcome.replied(out);
    } catch (SetupException | DelveException | IOException e) {
      String reason = e instanceof IOException ? "katadbg: " + e.getMessage() : e.getMessage();
      if (delve != null && !(e instanceof SetupException) && !delve.isAlive()) {
        reason = "Delve exited: " + tail(delve, reason);
      }
      cleanup(client, delve);
      log.error(reason);
      if (dbg.onFailure() == KatadbgConfig.OnFailure.PASSTHROUGH) {
        registry.save(session.withState(SessionState.PASSTHROUGH, Optional.of(reason)));
        log.warn("starting the shim without the debugger (on_failure = \"passthrough\")");
        return StartOutcome.runWithoutDebugger();
      }
      registry.save(session.withState(SessionState.FAILED, Optional.of(reason)));
      return StartOutcome.failed(1, reason);
    }
  }

  /**
   * Runs the start process to its exit with the daemon safely in Delve's hands. If the start
   * process exits while Delve is still handling the daemon's exec, Delve 1.24 ends up with no
   * live target and the daemon stuck in a ptrace stop, and the container never starts (seen
   * here in about one start in seven). So the start process is stopped at {@code runtime.exit}
   * (every Go exit path reaches it, after the reply is written) and let go only once Delve
   * lists the daemon as a target.
   */
  private void runPastStartExit(DelveClient client, Breakpoint exit,
      Optional<ProcessRef> startRef, SessionLog log) {
    int startPid = startRef.map(ProcessRef::pid).orElse(-1);
    try {
      for (int stops = 0; stops < 16; stops++) {
        DebuggerState s = client.continueAsync().get();
        if (s.exited()) {
          log.info("start process exited before its exit breakpoint (status " + s.exitStatus()
              + ")");
          return;
        }
        boolean atExit = s.currentThread().filter(t -> t.breakpointId().isPresent()
            && t.breakpointId().getAsInt() == exit.id()).isPresent();
        if (!atExit) {
          log.info("stopped in " + s.pid() + " at " + s.currentThread().map(t -> t.function())
              .orElse("?") + " before the start process exited: left for the user");
          return;
        }
        if (s.pid() != startPid) {
          continue;
        }
        List<Integer> targets = client.targets().stream().map(t -> t.pid()).toList();
        client.clearBreakpoint(exit.id());
        log.info("start process " + startPid + " at runtime.exit; Delve's targets " + targets);
        stepStartToItsExit(client, startPid, log);
        selectDaemon(client, targets, startPid, log);
        client.continueAsync();
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SetupException("interrupted while the shim started");
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r
          : new SetupException("continue failed: " + e.getCause());
    }
  }

  /**
   * Lets the start process, stopped in {@code runtime.exit}, run its last instructions alone,
   * one at a time, so that it exits while every other process stays stopped. When it exited
   * during a continue instead, Delve 1.24 now and then lost the daemon it was already tracing
   * (the daemon gone within milliseconds; 1 start in 15 under load here), presumably handling
   * the exit together with the daemon's own events.
   */
  private static void stepStartToItsExit(DelveClient client, int startPid, SessionLog log) {
    for (int i = 0; i < 16; i++) {
      DebuggerState st;
      try {
        st = client.command("stepInstruction");
      } catch (DelveException e) {
        String why = String.valueOf(e.getMessage());
        // Delve answers the step of exit_group with "step failed: no such process" (ESRCH).
        if (why.contains("has exited") || why.contains("no such process")) {
          log.info("start process " + startPid + " exited, stepped alone (" + e.getMessage()
              + ")");
          return;
        }
        throw e;
      }
      if (st.exited() || st.pid() != startPid) {
        log.info("start process " + startPid + " exited, stepped alone");
        return;
      }
    }
    log.warn("start process " + startPid + " did not exit within 16 instructions; continuing");
  }

  /**
   * Makes the daemon Delve's selected process. Otherwise the exited start process stays
   * selected, and State, halt and every command without a pid answer "Process N has exited".
   */
  private static void selectDaemon(DelveClient client, List<Integer> targets, int startPid,
      SessionLog log) {
    Optional<Integer> daemon = targets.stream().filter(p -> p != startPid).findFirst();
    if (daemon.isEmpty()) {
      return;
    }
    try {
      DebuggerState st = client.switchThread(daemon.get());
      log.info("selected the daemon " + st.pid() + " in Delve");
    } catch (DelveException e) {
      log.warn("could not select the daemon " + daemon.get() + " in Delve: " + e.getMessage());
    }
  }

  /**
   * With {@code wait_for_client} the user drives the start process; this watcher, on its own
   * connection, does what the user cannot see to do. Breakpoints typed in Delve's terminal before
   * the daemon exists are bound by address to the start process (see {@link
   * DelveClient#recreateByLine}); at the first stop with the daemon among Delve's targets (at the
   * latest the start process's stop at its exit) each one is re-created by line, which makes
   * Delve set it in the daemon too. At that exit stop the exit breakpoint is cleared and the
   * watch ends. While the shim runs, the watcher waits for the next stop with a request queued
   * in Delve ahead of whatever a client sends after seeing that stop.
   */
  private static void watchStartExit(DelveClient client, Breakpoint exit,
      Optional<ProcessRef> startRef, Set<Integer> configured, SessionLog log) {
    int startPid = startRef.map(ProcessRef::pid).orElse(-1);
    Thread t = new Thread(() -> {
      Set<Integer> followed = new HashSet<>(configured);
      followed.add(exit.id());
      try {
        while (true) {
          DebuggerState s = client.state(true);
          s = s.running() ? client.awaitStop() : client.state(false);
          if (s.exited()) {
            return;
          }
          followUserBreakpoints(client, followed, log);
          boolean atExit = s.pid() == startPid && s.currentThread()
              .filter(th -> th.breakpointId().isPresent()
                  && th.breakpointId().getAsInt() == exit.id()).isPresent();
          if (atExit) {
            List<Integer> targets = client.targets().stream().map(Target::pid).toList();
            client.clearBreakpoint(exit.id());
            log.info("start process " + startPid + " stopped at runtime.exit: its reply is"
                + " written; Delve's targets " + targets);
            // Left to the user's continue, unlike without wait_for_client (runToStartExit):
            // stepping the start process out here would take the stop from under the client
            // that is showing it.
            log.info("the next continue runs the daemon");
            return;
          }
          Thread.sleep(20);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        // Usually the connection closing as the wrapper exits; a failed start is reported by
        // awaitReply.
        log.info("start watch ended: " + e.getMessage());
      }
    }, "start-exit-watch");
    t.setDaemon(true);
    t.start();
  }

  /**
   * Re-creates by line each user breakpoint that Delve bound to the start process only. That can
   * be told once the daemon is a target: a breakpoint Delve would carry to new processes (set by
   * function, file and line, or expression, as katadbg, the DAP server and Delve's API do) was
   * set in the daemon when Delve added it; one that was not is bound by address.
   */
  private static void followUserBreakpoints(DelveClient client, Set<Integer> followed,
      SessionLog log) {
    List<Integer> live = client.targets().stream().map(Target::pid).toList();
    if (live.size() < 2) {
      return;
    }
    for (Breakpoint bp : client.breakpoints()) {
      if (bp.id() <= 0 || followed.contains(bp.id()) || bp.pending()
          || bp.addrPids().containsAll(live)) {
        continue;
      }
      followed.add(bp.id());
      try {
        Breakpoint again = client.recreateByLine(bp.id());
        log.info("breakpoint " + bp.id() + " (" + bp.file() + ":" + bp.line() + ") was bound"
            + " to processes " + bp.addrPids() + " only; re-created by line so that it reaches"
            + " the daemon: now in " + again.addrPids());
      } catch (DelveException e) {
        log.warn("breakpoint " + bp.id() + " may not reach the daemon: " + e.getMessage());
      }
    }
  }

  private byte[] awaitReply(CompletableFuture<byte[]> reply, DelveProcess delve)
      throws IOException {
    while (true) {
      try {
        return reply.get(50, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        if (!delve.isAlive()) {
          throw new SetupException("Delve exited before the shim replied: "
              + tail(delve, "no output"));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted waiting for the shim's reply");
      } catch (ExecutionException e) {
        throw new IOException("reading the shim's reply: " + e.getCause().getMessage());
      }
    }
  }

  private static CompletableFuture<byte[]> readFifo(Path fifo) {
    CompletableFuture<byte[]> f = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try (InputStream in = Files.newInputStream(fifo)) {
        f.complete(in.readNBytes(MAX_REPLY));
      } catch (IOException | RuntimeException e) {
        f.completeExceptionally(e);
      }
    }, "shim-stdout");
    t.setDaemon(true);
    t.start();
    return f;
  }

  private DelveClient connect(DelveProcess delve, String listen, Duration timeout) {
    try {
      DelveClient c = delve.connect(timeout);
      c.version();
      return c;
    } catch (DelveException e) {
      // Delve may accept the connection and then exit (e.g. it refuses the binary's Go
      // version): give it a moment to be gone so its own words can be quoted.
      if (delve.awaitExit(Duration.ofSeconds(2))) {
        throw new SetupException("Delve exited: " + tail(delve, e.getMessage()), e);
      }
      throw new SetupException("Delve did not answer on " + listen + " within "
          + timeout.toSeconds() + "s (raise [debugger] start_timeout): " + e.getMessage(), e);
    }
  }

  private Path resolveDlv(String configured) {
    String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    return DelveLauncher.locate(configured, path).orElseThrow(() ->
        configured.contains("/")
            ? new SetupException("dlv not found at " + Path.of(configured)
                + ": install Delve " + FOLLOW_EXEC_SINCE + "+ or fix [debugger] path")
            : new SetupException("dlv not found on the runtime manager's PATH (" + path
                + "): install Delve " + FOLLOW_EXEC_SINCE + "+ or set [debugger] path"));
  }

  private static Path checkShim(Path shim) throws IOException {
    if (!Files.isRegularFile(shim) || !Files.isExecutable(shim)) {
      throw new SetupException("shim binary " + shim + " does not exist or is not executable:"
          + " fix [shim] binary");
    }
    Path real = shim.toRealPath();
    boolean dwarf;
    try {
      dwarf = ElfBinary.read(real).hasDwarf();
    } catch (IOException | RuntimeException e) {
      throw new SetupException("cannot read shim binary " + real + " as ELF: " + e.getMessage());
    }
    if (!dwarf) {
      throw new SetupException("shim binary " + real + " has no DWARF debug info: rebuild it"
          + " with -gcflags=all=-N -l and without -ldflags '-s -w'");
    }
    return real;
  }

  private static String listenAddress(ListenPolicy policy, Path dir) {
    if (policy instanceof ListenPolicy.Tcp tcp) {
      if (tcp.picksFreePort()) {
        return policy.resolve(dir, DelveAddress.freeLoopbackPort(tcp.host()));
      }
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(tcp.host(), tcp.port()));
      } catch (IOException e) {
        throw new SetupException("cannot listen on " + tcp.text() + " (" + e.getMessage()
            + "): another debugger may hold it; set [debugger] listen to 127.0.0.1:0 for a"
            + " free port per session");
      }
    }
    return policy.resolve(dir, 0);
  }

  private static void mkfifo(Path fifo) throws IOException {
    try {
      Process p = new ProcessBuilder("mkfifo", "-m", "0600", fifo.toString())
          .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
              new java.io.File("/dev/null")))
          .start();
      String out = new String(p.getInputStream().readAllBytes()).strip();
      if (p.waitFor() != 0) {
        throw new IOException("mkfifo " + fifo + ": " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted creating " + fifo);
    }
  }

  /** The start process Delve launched is its only tracee until the shim re-executes. */
  private Optional<ProcessRef> startProcessOf(int delvePid) {
    List<Integer> tracees = processes.traceesOf(delvePid);
    return tracees.stream().findFirst().flatMap(p -> processes.get(p))
        .map(i -> new ProcessRef(i.pid(), i.startTime()));
  }

  private Optional<ProcessRef> daemonOf(int delvePid, Optional<ProcessRef> start) {
    int startPid = start.map(ProcessRef::pid).orElse(-1);
    return processes.traceesOf(delvePid).stream().filter(p -> p != startPid).findFirst()
        .flatMap(processes::get).map(i -> new ProcessRef(i.pid(), i.startTime()));
  }

  private ProcessRef self() {
    long pid = ProcessHandle.current().pid();
    return processes.get((int) pid).map(i -> new ProcessRef(i.pid(), i.startTime()))
        .orElse(new ProcessRef((int) pid, 0));
  }

  private ProcessRef ref(int pid) {
    return processes.get(pid).map(i -> new ProcessRef(pid, i.startTime()))
        .orElse(new ProcessRef(pid, 0));
  }

  /** Leaves nothing running: Delve kills what it launched, or we kill Delve's whole tree. */
  private void cleanup(DelveClient client, DelveProcess delve) {
    List<Integer> tracees = delve == null ? List.of() : processes.traceesOf(pid(delve));
    if (client != null) {
      try {
        client.detach(true);
      } catch (RuntimeException e) {
        // Delve may already be gone; the kill below covers it.
      }
      client.close();
    }
    if (delve != null) {
      processes.killTree(pid(delve));
      delve.kill();
      for (int t : tracees) {
        processes.killTree(t);
      }
    }
  }

  private static int pid(DelveProcess delve) {
    return (int) delve.pid();
  }

  /** Delve's last words, e.g. "could not launch process: ..." or a bind error. */
  private static String tail(DelveProcess delve, String otherwise) {
    List<String> lines = delve.logTail(3).stream().filter(l -> !l.isBlank()).toList();
    return lines.isEmpty() ? otherwise : String.join("; ", lines);
  }

  private static Optional<String> lastLine(Path file) {
    try {
      List<String> lines = Files.readAllLines(file);
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (!lines.get(i).isBlank()) {
          return Optional.of(lines.get(i).strip());
        }
      }
    } catch (IOException e) {
      // No stderr file: nothing to quote.
    }
    return Optional.empty();
  }
}
