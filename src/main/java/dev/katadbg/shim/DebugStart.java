package dev.katadbg.shim;

import dev.katadbg.config.KatadbgConfig.DebuggerSettings;
import dev.katadbg.config.KatadbgConfig;
import dev.katadbg.config.ListenPolicy;
import dev.katadbg.delve.DebuggerState;
import dev.katadbg.delve.DelveAddress;
import dev.katadbg.delve.DelveClient;
import dev.katadbg.delve.DelveException;
import dev.katadbg.delve.DelveLauncher;
import dev.katadbg.delve.DelveProcess;
import dev.katadbg.delve.GoWindow;
import dev.katadbg.delve.LaunchSpec;
import dev.katadbg.elf.ElfBinary;
import dev.katadbg.errors.ErrorLine;
import dev.katadbg.files.Libexec;
import dev.katadbg.gdb.GdbBreakpoint;
import dev.katadbg.gdb.GdbException;
import dev.katadbg.gdb.Keeper;
import dev.katadbg.handoff.ExecWatcher;
import dev.katadbg.handoff.Handoff;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.PidFile;
import dev.katadbg.session.Reaper;
import dev.katadbg.session.Session.ProcessRef;
import dev.katadbg.session.Session;
import dev.katadbg.session.SessionRegistry;
import dev.katadbg.session.SessionState;
import dev.katadbg.shimargs.ShimInvocation;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A shim's {@code start} with its daemon handed to a debugger of its own, read top to bottom:
 *
 * <ol>
 *   <li>{@link #preflight}: everything that can be checked before the shim runs (Delve, the
 *       shim's DWARF, the listen address, the exec watcher); a failure here may still pass the
 *       call through to the real shim untouched;
 *   <li>{@link #startUnderWatcher}: the shim's start runs at native speed under katadbg's exec
 *       watcher, with the caller's stdin as it is;
 *   <li>{@link #handOff}: the start process exits on its own (its reply and exit status are its
 *       own) and the daemon it re-executed waits, stopped before its first instruction;
 *   <li>{@link #guard}: a process that ends the daemon and its Delve if this wrapper is killed
 *       before it replies (a caller that gave up);
 *   <li>{@link #attach}: {@code dlv attach} to the daemon alone, or for a shim that is not Go
 *       (or {@code kind = "gdb"}) {@link #attachGdb}: {@code gdbserver --attach} and the
 *       session's keeper gdb;
 *   <li>{@link #setBreakpoints}: the configured ones, then {@link #resumeOrWait};
 *   <li>the reply goes to the runtime manager.
 * </ol>
 *
 * <p>With the daemon as Delve's only target, nothing of follow-exec's two-target limits applies:
 * halt, new breakpoints and every client work at any moment. Any failure after the shim ran ends
 * what was started (Delve, the held daemon) or, with {@code on_failure = "passthrough"}, lets the
 * daemon run without the debugger; the session records why.
 */
final class DebugStart {
  /** Delve's answer once its only process has exited. */
  private static final Pattern EXITED = Pattern.compile("has exited with status (-?\\d+)");
  private final KatadbgConfig config;
  private final SessionRegistry registry;
  private final Processes processes;
  private final Map<String, String> env;
  private final Path bundle;
  private final Optional<String> home;
  private final Caller caller;
  private final ExecWatcher.Spawner spawner;

  DebugStart(KatadbgConfig config, SessionRegistry registry, Processes processes,
      Map<String, String> env, Path bundle, Optional<String> home, Caller caller,
      ExecWatcher.Spawner spawner) {
    this.config = config;
    this.registry = registry;
    this.processes = processes;
    this.env = env;
    this.bundle = bundle;
    this.home = home;
    this.caller = caller;
    this.spawner = spawner;
  }

  /** What preflight found: all a start needs, checked. */
  record Prepared(Tools tools, Path shim, String listen, ExecWatcher watcher,
      Optional<Path> relay) {
    Path dlv() {
      return ((Tools.Delve) tools).dlv();
    }
  }

  /** The debugger the daemon goes to, found on the runtime manager's PATH or as configured. */
  sealed interface Tools {
    record Delve(Path dlv) implements Tools {}

    record Gdb(Path gdb, Path gdbserver) implements Tools {}
  }

  /**
   * Runs the start in {@code dir} (already claimed for this sandbox) with {@code stdin} as the
   * start process's stdin.
   */
  StartOutcome run(ShimInvocation inv, Path dir, Path shim, ProcessBuilder.Redirect stdin) {
    SessionLog log = new SessionLog(dir.resolve("katadbg.log"));
    DebuggerSettings dbg = config.debugger();
    Attempt a = new Attempt(new Session(inv.id(), inv.namespace(), dir, Optional.of(bundle),
        shim, "", SessionState.STARTING, Optional.empty(), caller.wrapper(), Optional.empty(),
        Optional.empty(), dbg.breakpoints(), Instant.now(), Session.Origin.HANDED), log);
    try {
      a.save(a.session);
      caller.manager().ifPresent(m -> PidFile.write(a.session.managerPidFile(), m));
      log.info("start " + inv.namespace() + "/" + inv.id() + " shim " + shim + " args "
          + inv.args());
      long me = ProcessHandle.current().pid();
      if (caller.wrapper().pid() != me) {
        log.info("served by the resident katadbg (pid " + me + ") for the wrapper (pid "
            + caller.wrapper().pid() + ")");
      }
      Prepared p = preflight(shim, dir, log);
      if (dbg.target() == KatadbgConfig.Target.START) {
        return debugTheStart(p, inv, stdin, a);
      }
      ExecWatcher.Watched watched = startUnderWatcher(p, inv, stdin, a);
      Handoff h = handOff(watched, a);
      a.handoff = h;
      if (h.daemon().isEmpty()) {
        return shimsOwnAnswer(h, a);
      }
      a.daemon = processes.get(h.daemon().getAsInt())
          .map(i -> new ProcessRef(i.pid(), i.startTime()))
          .orElseThrow(() -> new SetupException("the daemon " + h.daemon().getAsInt()
              + " exited before Delve could attach"));
      a.session = a.session.withProcesses(startRef(h), Optional.of(a.daemon));
      guard(a);
      if (p.tools() instanceof Tools.Gdb g) {
        Keeper keeper = attachGdb(p, g, a);
        setBreakpoints(keeper, a);
        resumeOrWait(keeper, a);
        log.info("shim replied " + h.reply().length + " bytes; daemon " + a.daemon.pid()
            + " under gdbserver, kept by gdb " + a.keeper.pid());
        return StartOutcome.replied(h.reply());
      }
      DelveClient client = attach(p, a);
      setBreakpoints(client, p, a);
      resumeOrWait(client, a);
      log.info("shim replied " + h.reply().length + " bytes; daemon " + a.daemon.pid()
          + " under Delve " + a.delve.pid());
      return StartOutcome.replied(h.reply());
    } catch (Exception | LinkageError | AssertionError e) {
      return a.failed(e, dbg.onFailure());
    } finally {
      a.done();
    }
  }

  /** Checks what can be checked before the shim runs; nothing has been started yet. */
  private Prepared preflight(Path shim, Path dir, SessionLog log) throws IOException {
    DebuggerSettings dbg = config.debugger();
    Path realShim = checkShim(shim);
    Tools tools = tools(realShim, log);
    Path watcher = ExecWatcher.locate(home).orElseThrow(() -> new SetupException(
        "katadbg's exec watcher (libexec/" + ExecWatcher.NAME + ") is missing next to"
            + " katadbg's lib: reinstall katadbg (mvn package builds it)"));
    Optional<Path> relay = Optional.empty();
    if (tools instanceof Tools.Gdb && dbg.listen() instanceof ListenPolicy.Unix) {
      relay = Optional.of(Libexec.find(home, Keeper.RELAY).orElseThrow(() -> new SetupException(
          "katadbg's gdbserver relay (libexec/" + Keeper.RELAY + ") is missing next to katadbg's lib:"
              + " reinstall katadbg (mvn package builds it)")));
    }
    if (tools instanceof Tools.Gdb && dbg.target() == KatadbgConfig.Target.START) {
      throw new SetupException("[debugger] target = \"start\" runs the start under Delve:"
          + " set kind = \"delve\" (a Go shim), or target = \"daemon\" for gdb");
    }
    String listen = listenAddress(dbg.listen(), dir, tools instanceof Tools.Gdb);
    if (dbg.listen().isRemote()) {
      log.warn("the debugger listens on " + listen + ", reachable from other hosts: anyone"
          + " who can connect controls a root process (set [debugger] listen to loopback)");
    }
    return new Prepared(tools, realShim, listen, new ExecWatcher(watcher, spawner), relay);
  }

  /** The debugger [debugger] kind names for this shim, and where its executables are. */
  private Tools tools(Path shim, SessionLog log) {
    DebuggerSettings dbg = config.debugger();
    KatadbgConfig.Kind kind = dbg.kind().resolve(() -> {
      boolean go;
      try {
        go = ElfBinary.read(shim).goBuildInfo().isPresent();
      } catch (IOException e) {
        throw new SetupException("cannot read the shim " + shim + " as ELF to choose its"
            + " debugger: " + e.getMessage() + "; or set [debugger] kind");
      }
      log.info("the shim is " + (go ? "a Go binary: Delve" : "not a Go binary: gdb")
          + " (kind = \"auto\")");
      return go;
    });
    if (kind == KatadbgConfig.Kind.DELVE) {
      return new Tools.Delve(resolveDlv(dbg.path()));
    }
    return new Tools.Gdb(resolveTool(dbg.gdb(), "gdb", "[debugger] gdb", "install gdb"),
        resolveTool(dbg.gdbserver(), "gdbserver", "[debugger] gdbserver", "install gdbserver"));
  }

  /**
   * gdbserver attaches to the stopped daemon and a gdb of the session's own, the keeper,
   * connects to it and stays: it holds the breakpoints, which gdbserver alone would not keep.
   */
  private Keeper attachGdb(Prepared p, Tools.Gdb g, Attempt a) throws IOException {
    DebuggerSettings dbg = config.debugger();
    Reaper.debuggerNamed(a.session.dir(), "gdb");
    // As for Delve, the launching shell tells the guard which gdb it started.
    Keeper.Started k = Keeper.launch(new Keeper.Spec(g.gdb(), g.gdbserver(), p.shim(),
        p.listen(), a.daemon.pid(), a.session.dir(), env, p.relay()),
        Optional.of(Reaper.debuggerPidFile(a.session.dir())));
    a.keeper = ref((int) k.pid());
    // As for Delve, the listen address is empty until gdbserver says where it listens.
    a.session = a.session.withKind(Session.DebuggerKind.GDB).withDebugger(a.keeper, "");
    a.save(a.session);
    a.log.info("gdbserver " + g.gdbserver() + " attaching to the daemon " + a.daemon.pid()
        + ", kept by gdb " + g.gdb() + " pid " + k.pid() + "; launched " + sinceExec()
        + " after the wrapper's exec");
    String listen;
    try {
      listen = k.keeper().connect(p.listen(), dbg.startTimeout());
    } catch (GdbException e) {
      throw new SetupException(e.getMessage(), e);
    }
    a.save(a.session.withDebugger(a.keeper, listen));
    a.log.info("gdb connected to gdbserver, which listens on " + listen);
    // As for Delve: SIGCONT ends the hand-off's group-stop now that gdbserver holds the daemon
    // in a ptrace stop; gdb passes the SIGCONT on without stopping (Keeper's setup).
    processes.stopOrContinue(a.daemon.pid(), a.daemon.startTime(), true);
    return k.keeper();
  }

  /** The configured breakpoints in the keeper gdb, each resolved to code in the daemon. */
  private void setBreakpoints(Keeper keeper, Attempt a) {
    for (String location : config.debugger().breakpoints()) {
      GdbBreakpoint bp;
      try {
        bp = keeper.breakAt(location, GDB_CALL);
      } catch (GdbException e) {
        throw new SetupException("gdb cannot set the breakpoint '" + location + "': "
            + e.getMessage() + " (" + Keeper.LOCATIONS + "; fix [debugger] breakpoints)");
      }
      a.log.info("breakpoint " + bp.number() + " at " + location + ": " + bp.function() + " "
          + bp.file() + ":" + bp.line() + " " + bp.address());
    }
  }

  /** As {@link #resumeOrWait(DelveClient, Attempt)}, through the keeper. */
  private void resumeOrWait(Keeper keeper, Attempt a) {
    SessionState state;
    if (config.debugger().waitForClient()) {
      state = SessionState.WAITING;
      a.log.info("waiting for a client: the daemon is halted before its first instruction;"
          + " katadbg connect, or gdb -ex 'target extended-remote " + a.session.listen() + "'"
          + " (after katadbg's own gdb lets go)");
    } else {
      try {
        keeper.call("-exec-continue", GDB_CALL);
      } catch (GdbException e) {
        throw new SetupException("gdb cannot continue the daemon: " + e.getMessage(), e);
      }
      state = SessionState.RUNNING;
      a.log.info("daemon continued");
    }
    a.session = a.session.withState(state, Optional.empty());
    a.save(a.session);
  }

  /** Starts the shim's start under the exec watcher. */
  private ExecWatcher.Watched startUnderWatcher(Prepared p, ShimInvocation inv,
      ProcessBuilder.Redirect stdin, Attempt a) throws IOException {
    DebuggerSettings dbg = config.debugger();
    ExecWatcher.Watched w = p.watcher().start(new ExecWatcher.Spec(p.shim(), inv.args(),
        dbg.followExecRegex(), env, bundle, stdin, a.session.shimStderr(), dbg.startTimeout()));
    a.watched = w;
    a.shimRan = true;
    a.log.info("shim start running under the exec watcher (pid " + w.pid() + ")");
    return w;
  }

  /** Waits for the start process to exit and the daemon to wait, stopped, for Delve. */
  private Handoff handOff(ExecWatcher.Watched w, Attempt a) throws IOException {
    Handoff h = w.await(e -> a.log.info("watcher: " + e));
    a.watched = null;
    return h;
  }

  /**
   * The start ended without a daemon to debug: its own reply and exit status go to the caller,
   * as they would without katadbg, and the session says what happened.
   */
  private StartOutcome shimsOwnAnswer(Handoff h, Attempt a) {
    if (h.problem().isPresent()) {
      throw new SetupException(h.problem().get());
    }
    String stderr = readQuietly(a.session.shimStderr());
    if (!h.startSucceeded()) {
      String why = lastLine(stderr).orElse("no output");
      a.save(a.session.withProcesses(startRef(h), Optional.empty())
          .withState(SessionState.FAILED, Optional.of("shim start failed (exit status "
              + h.exitStatus().orElse(-1) + "): " + why)));
      a.log.error("shim start failed (exit status " + h.exitStatus().orElse(-1) + "): " + why);
      return StartOutcome.shimFailed(h.reply(), stderr.getBytes(StandardCharsets.UTF_8),
          h.exitStatus().orElse(1));
    }
    a.save(a.session.withProcesses(startRef(h), Optional.empty())
        .withState(SessionState.PASSTHROUGH, Optional.of("the shim's start exited without"
            + " starting a daemon (as when it reuses a running one, for a pod's second"
            + " container): nothing to debug; it " + ReplyPreview.of(h.reply()))));
    a.log.info("no daemon: the start's reply is relayed as it is");
    return StartOutcome.replied(h.reply());
  }

  /**
   * From here the wrapper holds a stopped daemon, and soon a Delve, that nothing else would end
   * if the wrapper were killed now (a caller that gives up kills it): a guard process ends them
   * unless the wrapper gets to say it is done.
   */
  private void guard(Attempt a) {
    Reaper.guard(caller.wrapper(), a.daemon, a.session.dir());
    a.guarded = true;
  }

  /** {@code dlv attach} to the stopped daemon, alone; returns a client on it. */
  private DelveClient attach(Prepared p, Attempt a) {
    DebuggerSettings dbg = config.debugger();
    // The launching shell tells the guard which dlv it started, so that the guard can end it
    // if the wrapper or its server is killed at any moment from now on.
    a.delve = new DelveLauncher().launchDetached(new LaunchSpec(p.dlv(),
        new LaunchSpec.Attach(a.daemon.pid()), DelveAddress.parse(p.listen()), bundle, env,
        a.session.debuggerLog(), dbg.checkGoVersion()),
        Optional.of(Reaper.debuggerPidFile(a.session.dir())));
    // The session's listen address is empty until dlv says where.
    a.save(a.session.withDebugger(ref((int) a.delve.pid()), ""));
    a.delve = a.delve.listening(dbg.startTimeout());
    String listen = a.delve.listenAddress().toListenArg();
    a.save(a.session.withDebugger(a.session.debugger(), listen));
    a.log.info("delve " + p.dlv() + " pid " + a.delve.pid() + " attaching to the daemon "
        + a.daemon.pid() + ", listening on " + listen + "; launched " + sinceExec()
        + " after the wrapper's exec");
    DelveClient client = connect(a.delve, listen, dbg.startTimeout());
    a.client = client;
    if (dbg.checkGoVersion()) {
      GoWindow.problem(client.version()).ifPresent(why -> {
        throw new SetupException("the shim " + p.shim() + " was built with " + why
            + ": use a Delve that supports it, or set [debugger] check_go_version = false");
      });
    }
    // The daemon was left in a group-stop for Delve. SIGCONT ends the group-stop now that
    // Delve holds it in a ptrace stop (it stays stopped); without it a later detach would put
    // the daemon back into the group-stop and freeze the shim.
    processes.stopOrContinue(a.daemon.pid(), a.daemon.startTime(), true);
    return client;
  }

  /** The configured breakpoints, each checked to match code in the daemon. */
  private void setBreakpoints(DelveClient client, Prepared p, Attempt a) {
    DaemonSetup.setBreakpoints(client, config.debugger().breakpoints(), p.shim(), a.log);
  }

  /**
   * Continues the daemon, or leaves it halted before its first instruction for a client
   * ({@code wait_for_client}). Either way the runtime manager gets the reply now: its calls to
   * the daemon's socket wait in the kernel's backlog until the daemon runs.
   */
  private void resumeOrWait(DelveClient client, Attempt a) {
    SessionState state = DaemonSetup.resumeOrWait(client, config.debugger().waitForClient(),
        a.session.listen(), a.log);
    a.session = a.session.withState(state, Optional.empty());
    a.save(a.session);
    a.client = null;
    client.close();
  }

  /**
   * {@code [debugger] target = "start"}: Delve launches the start process itself ({@code dlv
   * exec}, no follow-exec), to debug {@code start}. The daemon it spawns runs undebugged (Delve
   * lets an exec'd child go), and the session ends with the start process: its reply and exit
   * status are relayed once it exits, however long a user keeps it at a breakpoint.
   */
  private StartOutcome debugTheStart(Prepared p, ShimInvocation inv,
      ProcessBuilder.Redirect stdin, Attempt a) throws IOException {
    DebuggerSettings dbg = config.debugger();
    Path fifo = a.session.dir().resolve("shim.stdout");
    Fifo.create(fifo);
    // Opened before Delve runs anything: the reader must exist before the start can exit.
    CompletableFuture<byte[]> reply = Fifo.readAll(fifo);
    a.session = new Session(a.session.id(), a.session.namespace(), a.session.dir(),
        a.session.bundle(), a.session.shimBinary(), "", a.session.state(), Optional.empty(),
        a.session.debugger(), Optional.empty(), Optional.empty(), a.session.breakpoints(),
        a.session.created(), Session.Origin.LAUNCHED);
    a.shimRan = true;
    a.delve = new DelveLauncher().launchDetached(new LaunchSpec(p.dlv(),
        new LaunchSpec.Exec(p.shim(), inv.args(), new LaunchSpec.Redirects(
            Optional.of(stdinPath(stdin)), Optional.of(fifo),
            Optional.of(a.session.shimStderr()))),
        DelveAddress.parse(p.listen()), bundle, env, a.session.debuggerLog(),
        dbg.checkGoVersion()));
    a.save(a.session.withDebugger(ref((int) a.delve.pid()), ""));
    a.delve = a.delve.listening(dbg.startTimeout());
    String listen = a.delve.listenAddress().toListenArg();
    a.save(a.session.withDebugger(a.session.debugger(), listen));
    a.log.info("delve " + p.dlv() + " pid " + a.delve.pid() + " runs the start process"
        + " (target = \"start\"), listening on " + listen);
    DelveClient client = connect(a.delve, listen, dbg.startTimeout());
    a.client = client;
    setBreakpoints(client, p, a);
    if (dbg.waitForClient()) {
      a.save(a.session.withState(SessionState.WAITING, Optional.empty()));
      a.log.info("waiting for a client: the start process is halted before its first"
          + " instruction; dlv connect " + listen);
    } else {
      client.continueAsync();
      a.save(a.session.withState(SessionState.RUNNING, Optional.empty()));
    }
    byte[] out = Fifo.await(reply, a.delve);
    int status = exitStatusOf(client);
    a.log.info("the start process exited with status " + status + " after writing "
        + out.length + " bytes; its daemon runs without the debugger");
    a.endDebugger(false);
    a.client = null;
    a.delve = null;
    a.save(a.session.withState(SessionState.STOPPED, Optional.of("the start process exited"
        + " (status " + status + "); target = \"start\" debugs only it")));
    if (status != 0) {
      return StartOutcome.shimFailed(out, readQuietly(a.session.shimStderr())
          .getBytes(StandardCharsets.UTF_8), status);
    }
    return StartOutcome.replied(out);
  }

  /**
   * The exited start process's status, from Delve; -1 when Delve does not say. Asked after the
   * reply ended: a continue's own answer may be an earlier stop (a breakpoint in the start).
   */
  private static int exitStatusOf(DelveClient client) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        DebuggerState st = client.state(false);
        if (st.exited()) {
          return st.exitStatus();
        }
      } catch (DelveException e) {
        Matcher m = EXITED.matcher(String.valueOf(e.getMessage()));
        if (m.find()) {
          return Integer.parseInt(m.group(1));
        }
        throw e;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return -1;
      }
    }
    return -1;
  }

  /**
   * A path Delve can open as the start process's stdin ({@code dlv exec -r stdin:PATH}): the
   * redirect's file, or this process's own stdin reopened through procfs (the same pipe).
   */
  private Path stdinPath(ProcessBuilder.Redirect stdin) {
    if (stdin.type() == ProcessBuilder.Redirect.Type.READ) {
      return stdin.file().toPath().toAbsolutePath();
    }
    return Path.of("/proc/" + caller.wrapper().pid() + "/fd/0");
  }

  /**
   * One start's resources, so that a failure at any step ends exactly what was started and
   * records why, whatever the exception.
   */
  private final class Attempt {
    final SessionLog log;
    Session session;
    /** Once true, the shim's start has run (or may have): passing the call through is over. */
    boolean shimRan;
    ExecWatcher.Watched watched;
    Handoff handoff;
    ProcessRef daemon;
    DelveProcess delve;
    DelveClient client;
    /** The session's keeper gdb (gdbserver is its child and dies with it). */
    ProcessRef keeper;

    /** A guard watches this wrapper (see {@link DebugStart#guard}). */
    boolean guarded;

    Attempt(Session session, SessionLog log) {
      this.session = session;
      this.log = log;
    }

    void save(Session s) {
      session = s;
      registry.save(s);
    }

    /** Tells the guard that the wrapper is done: whatever runs now is meant to. */
    void done() {
      if (guarded) {
        try {
          Reaper.wrapperDone(session.dir());
        } catch (IOException e) {
          log.warn("cannot tell the guard the start is done (" + e.getMessage()
              + "): it will end the daemon when this wrapper exits");
        }
      }
    }

    StartOutcome failed(Throwable e, KatadbgConfig.OnFailure onFailure) {
      String reason = reasonOf(e);
      boolean passthrough = onFailure == KatadbgConfig.OnFailure.PASSTHROUGH;
      boolean daemonRuns = endDebugger(passthrough && shimRan);
      log.error(reason);
      SessionState state;
      StartOutcome outcome;
      if (passthrough && !shimRan) {
        log.warn("starting the shim without the debugger (on_failure = \"passthrough\")");
        state = SessionState.PASSTHROUGH;
        outcome = StartOutcome.runWithoutDebugger();
      } else if (daemonRuns && handoff != null) {
        log.warn("the daemon runs without the debugger (on_failure = \"passthrough\")");
        state = SessionState.PASSTHROUGH;
        outcome = StartOutcome.replied(handoff.reply());
      } else {
        state = SessionState.FAILED;
        outcome = StartOutcome.failed(1, reason);
      }
      if (guarded && !processes.isAlive(caller.wrapper().pid(), caller.wrapper().startTime())) {
        // A served start whose wrapper was killed (its caller gave up): the guard ended the
        // daemon and Delve and records why, which this failure, a consequence, must not hide.
        log.info("the wrapper " + caller.wrapper().pid() + " is gone: its guard records the"
            + " session");
        return outcome;
      }
      try {
        registry.save(session.withState(state, Optional.of(reason)));
      } catch (RuntimeException again) {
        log.error("cannot record the session as " + state.name().toLowerCase() + ": "
            + reasonOf(again));
      }
      return outcome;
    }

    /**
     * Ends Delve and whatever the start left; with {@code letDaemonRun} a daemon that is
     * already stopped and untraced is continued instead of killed. Returns whether it runs.
     */
    boolean endDebugger(boolean letDaemonRun) {
      if (watched != null) {
        watched.kill();
      }
      if (client != null) {
        client.close();
      }
      if (keeper != null) {
        processes.killTree(keeper.pid());
        processes.kill(keeper.pid(), keeper.startTime());
      }
      if (delve != null) {
        processes.killTree((int) delve.pid());
        delve.kill();
        delve.awaitExit(Duration.ofSeconds(2));
      }
      if (daemon == null) {
        // Handed over, but its identity was never read (that read failed): it is the pid the
        // watcher just detached, still stopped, so no other process can hold that pid yet.
        // Without its identity it is not let run: it is ended.
        if (handoff != null && handoff.daemon().isPresent()) {
          ProcessHandle.of(handoff.daemon().getAsInt()).ifPresent(ProcessHandle::destroyForcibly);
        }
        return false;
      }
      if (letDaemonRun) {
        processes.stopOrContinue(daemon.pid(), daemon.startTime(), true);
        return processes.isAlive(daemon.pid(), daemon.startTime());
      }
      processes.kill(daemon.pid(), daemon.startTime());
      return false;
    }
  }

  /** katadbg's own failures are worded whole; anything else gets its causes in one line. */
  private static String reasonOf(Throwable e) {
    if (e instanceof SetupException || e instanceof DelveException) {
      return String.valueOf(e.getMessage());
    }
    return ErrorLine.of(e);
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

  private static final Duration GDB_CALL = Duration.ofSeconds(30);

  private Path resolveTool(String configured, String name, String key, String fix) {
    String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    return dev.katadbg.files.Executables.find(configured, path).orElseThrow(() ->
        configured.contains("/")
            ? new SetupException(name + " not found at " + configured + ": " + fix + " or fix "
                + key)
            : new SetupException(name + " not found on the runtime manager's PATH (" + path
                + "): " + fix + " or set " + key));
  }

  private Path resolveDlv(String configured) {
    String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    return DelveLauncher.locate(configured, path).orElseThrow(() ->
        configured.contains("/")
            ? new SetupException("dlv not found at " + Path.of(configured)
                + ": install Delve or fix [debugger] path")
            : new SetupException("dlv not found on the runtime manager's PATH (" + path
                + "): install Delve or set [debugger] path"));
  }

  private static Path checkShim(Path shim) throws IOException {
    if (!Files.isRegularFile(shim) || !Files.isExecutable(shim)) {
      throw new SetupException("shim binary " + shim + " does not exist or is not executable:"
          + " fix [shim] binary");
    }
    Path real = shim.toRealPath();
    ElfBinary elf;
    try {
      elf = ElfBinary.read(real);
    } catch (IOException | RuntimeException e) {
      throw new SetupException("cannot read shim binary " + real + " as ELF: " + e.getMessage());
    }
    if (!elf.hasDwarf()) {
      throw new SetupException("shim binary " + real + " has no DWARF debug info: rebuild it"
          + (elf.goBuildInfo().isPresent()
              ? " with -gcflags=all=-N -l and without -ldflags '-s -w'"
              : " with debug info and unstripped (runtime-rs: make BUILD_TYPE=debug, not"
                  + " make optimize; cargo: a debug build or debug = true)"));
    }
    return real;
  }

  /**
   * Where the debugger will listen. Port 0 on loopback stays 0: Delve or gdbserver binds a free
   * port itself and says which, and the session records that one.
   */
  private static String listenAddress(ListenPolicy policy, Path dir, boolean gdb) {
    String socketName = gdb ? "gdb.sock" : "dlv.sock";
    if (policy instanceof ListenPolicy.Tcp tcp) {
      if (tcp.picksFreePort()) {
        int port = policy.isRemote() ? DelveAddress.freeLoopbackPort(tcp.host()) : 0;
        return policy.resolve(dir, port, socketName);
      }
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(tcp.host(), tcp.port()));
      } catch (IOException e) {
        throw new SetupException("cannot listen on " + tcp.text() + " (" + e.getMessage()
            + "): another debugger may hold it; set [debugger] listen to 127.0.0.1:0 for a"
            + " free port per session");
      }
    }
    return policy.resolve(dir, 0, socketName);
  }

  private Optional<ProcessRef> startRef(Handoff h) {
    // The start process has exited; its pid is kept for the record (start time unknown: 0).
    return h.startPid().isPresent()
        ? Optional.of(new ProcessRef(h.startPid().getAsInt(), 0)) : Optional.empty();
  }

  /**
   * The time since the wrapper was exec'd, as the kernel counts it (10 ms ticks since boot in
   * /proc/self/stat against /proc/uptime, one clock): what the JVM's start-up and the steps
   * before Delve cost a start, for the session log and the benchmark. The JDK's start instant
   * is no use here: it adds the boot time in whole seconds.
   */
  private String sinceExec() {
    try {
      String up = Files.readString(Path.of("/proc/uptime"), StandardCharsets.US_ASCII);
      double now = Double.parseDouble(up.substring(0, up.indexOf(' ')));
      long started = caller.wrapper().startTime();
      return started <= 0 ? "? ms" : Math.round(now * 1000 - started * 10) + " ms";
    } catch (IOException | RuntimeException e) {
      return "? ms";
    }
  }

  private ProcessRef ref(int pid) {
    return processes.get(pid).map(i -> new ProcessRef(pid, i.startTime()))
        .orElse(new ProcessRef(pid, 0));
  }

  /** Delve's last words, e.g. "could not attach to pid ..." or a bind error. */
  private static String tail(DelveProcess delve, String otherwise) {
    List<String> lines = delve.logTail(3).stream().filter(l -> !l.isBlank()).toList();
    return lines.isEmpty() ? otherwise : String.join("; ", lines);
  }

  private static String readQuietly(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static Optional<String> lastLine(String text) {
    List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
    return lines.isEmpty() ? Optional.empty() : Optional.of(lines.get(lines.size() - 1).strip());
  }
}
