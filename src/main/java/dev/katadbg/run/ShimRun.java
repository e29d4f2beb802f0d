package dev.katadbg.run;

import dev.katadbg.config.KatadbgConfig;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session;
import dev.katadbg.session.SessionControl;
import dev.katadbg.session.SessionRegistry;
import dev.katadbg.task.EventsService;
import dev.katadbg.task.TaskEvents;
import dev.katadbg.task.proto.CreateTaskRequest;
import dev.katadbg.task.proto.WaitResponse;
import dev.katadbg.ttrpc.CallOptions;
import dev.katadbg.ttrpc.TtrpcException;
import dev.katadbg.ttrpc.TtrpcServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * One container run with katadbg as the runtime manager, in containerd's order: the shim's
 * {@code start} in the bundle (its stdout is the daemon's address), Create, Start, Wait, Delete,
 * Shutdown, then the shim's {@code delete}. Events forwarded to our {@code TTRPC_ADDRESS} and the
 * shim's {@code log} FIFO go to stderr, the container's stdout and stderr to ours.
 *
 * <p>The parts are containerd's runtime/v2 parts: the {@link Bundle}, the {@link ShimBinary},
 * the {@link StdioRelays}, and the {@link TaskLifecycle} whose {@link RunState} says where the
 * run is and what there is to undo.
 *
 * <p>No call has a deadline unless the spec has one: a shim stopped at a breakpoint is simply
 * waited for. {@link #abort} (Ctrl-C) kills the container so the run winds down the normal way.
 */
public final class ShimRun {
  private static final Duration ABORT_GRACE = Duration.ofSeconds(10);
  /** Shims publish events asynchronously; the last ones may trail the Delete reply. */
  private static final Duration EVENT_GRACE = Duration.ofSeconds(5);

  private final RunSpec spec;
  private final KatadbgConfig config;
  private final Map<String, String> env;
  private final InputStream in;
  private final PrintWriter out;
  private final PrintWriter err;
  private final Processes processes = Processes.linux();
  private final TaskLifecycle lifecycle;
  private final StdioRelays relays = new StdioRelays();
  private final EventTopics topics = new EventTopics();

  public ShimRun(RunSpec spec, KatadbgConfig config, Map<String, String> env, InputStream in,
      PrintWriter out, PrintWriter err) {
    this.spec = spec;
    this.in = in;
    this.config = config;
    this.env = Map.copyOf(env);
    this.out = out;
    this.err = err;
    this.lifecycle = new TaskLifecycle(spec.id());
  }

  /** Runs the container to its end; returns its exit status. */
  public int run() {
    try {
      Bundle bundle = prepare();
      startShim(bundle);
      lifecycle.connect(callOptions());
      Path stdin = bundle.makeFifo(StdioRelays.Role.STDIN);
      Path stdout = bundle.makeFifo(StdioRelays.Role.STDOUT);
      relays.fromFifo(StdioRelays.Role.STDOUT, stdout, out, "");
      CreateTaskRequest.Builder create = CreateTaskRequest.newBuilder().setId(spec.id())
          .setBundle(bundle.dir().toString()).setStdin(stdin.toString())
          .setStdout(stdout.toString()).setTerminal(spec.tty());
      if (!spec.tty()) {
        // With a terminal the console carries both: containerd sends no stderr then.
        Path stderr = bundle.makeFifo(StdioRelays.Role.STDERR);
        relays.fromFifo(StdioRelays.Role.STDERR, stderr, err, "");
        create.setStderr(stderr.toString());
      }
      int pid = lifecycle.create(create.build());
      note("created " + spec.id() + ", pid " + pid);
      if (lifecycle.state().interrupted()) {
        throw new RunException("interrupted");
      }
      if (spec.tty()) {
        setUpTerminal();
      }
      // After Create: the shim has opened its end, so opening ours does not block.
      relays.toFifo(stdin, in, lifecycle::closeStdin);
      lifecycle.start();
      WaitResponse w = lifecycle.awaitExit();
      relays.awaitOutput();
      note("exited with status " + w.getExitStatus());
      return w.getExitStatus();
    } catch (TtrpcException e) {
      Optional<String> address = lifecycle.state().address();
      throw new RunException(address.isEmpty() ? e.getMessage()
          : "the shim at " + address.get() + " failed: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new RunException(e.getMessage(), e);
    } finally {
      lifecycle.state().terminal().ifPresent(Terminal::restore);
      cleanup();
      lifecycle.end();
    }
  }

  /** The bundle with its log relay, and the socket the shim's events come to. */
  private Bundle prepare() throws IOException {
    Bundle bundle = Bundle.create(config.stateDir(), spec);
    lifecycle.madeBundle(bundle);
    relays.fromFifo(StdioRelays.Role.LOG, bundle.fifo(StdioRelays.Role.LOG), err, "shim: ");
    Path socket = bundle.work().resolve("events.sock");
    TtrpcServer events = EventsService.register(TtrpcServer.builder(), e -> {
      note("event " + TaskEvents.describe(e));
      topics.received(e.getTopic());
    }).log(this::note).serve(socket);
    lifecycle.prepared(events);
    return bundle;
  }

  private ShimBinary shimBinary(Bundle bundle, TtrpcServer events) {
    return new ShimBinary(spec, config, env, bundle, events.socket());
  }

  private void startShim(Bundle bundle) throws IOException {
    ShimBinary.StartReply reply = shimBinary(bundle, lifecycle.state().events().orElseThrow())
        .start(this::note);
    lifecycle.debugSession(reply.sessionDir());
    String address = ShimBinary.parseAddress(reply.text());
    lifecycle.started(address);
    note("shim listens on " + address);
  }

  private CallOptions callOptions() {
    CallOptions opts = CallOptions.none().withNamespace(spec.namespace());
    if (spec.timeout().isPresent()) {
      opts = opts.withTimeout(spec.timeout().get());
    }
    return opts;
  }

  /**
   * The user's terminal, if stdin is one, goes raw for the run (restored on every exit: the
   * end of {@link #run} and {@link #abort}); the container's terminal gets its size, and its
   * changes when SIGWINCH says so.
   */
  private void setUpTerminal() throws IOException, TtrpcException {
    Optional<Terminal> t = Terminal.onStdin();
    if (t.isEmpty()) {
      note("stdin is not a terminal: the container's terminal keeps its default size");
      return;
    }
    lifecycle.terminal(t.get());
    resize();
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), sig -> {
        Thread r = new Thread(this::resizeQuietly, "katadbg-run-winch");
        r.setDaemon(true);
        r.start();
      });
    } catch (IllegalArgumentException e) {
      note("no SIGWINCH forwarding: " + e.getMessage());
    }
    t.get().makeRaw();
  }

  private void resize() throws TtrpcException {
    Optional<Terminal.Size> size = Terminal.size();
    if (size.isPresent() && size.get().rows() > 0 && size.get().columns() > 0) {
      lifecycle.resize(size.get());
    }
  }

  private void resizeQuietly() {
    RunState s = lifecycle.state();
    try {
      if (s.created() && !s.ended()) {
        resize();
      }
    } catch (TtrpcException e) {
      // The container may have just exited; the next resize or the run's end says more.
    }
  }

  /**
   * Ctrl-C: kill the container (Wait then returns and the run cleans up as usual) and wait for
   * the cleanup. A shim that does not answer (stopped in the debugger) is left to the normal
   * path's own calls; after a grace period the caller exits anyway.
   */
  public void abort() {
    if (!lifecycle.interrupt()) {
      return;
    }
    lifecycle.state().terminal().ifPresent(Terminal::restore);
    note("interrupted: killing " + spec.id());
    RunState s = lifecycle.state();
    boolean killed = false;
    if (s.task().isPresent() && s.created()) {
      try {
        lifecycle.kill(ABORT_GRACE);
        killed = true;
      } catch (TtrpcException e) {
        note("kill failed: " + e.getMessage());
      }
    }
    try {
      if (!killed || !lifecycle.awaitEnd(ABORT_GRACE)) {
        // The shim cannot answer (stopped in the debugger, or before Create returned): end it,
        // and its debugger, so the blocked call fails and the run cleans up.
        endShim();
      }
      if (!lifecycle.awaitEnd(ABORT_GRACE.multipliedBy(2))) {
        note("the run did not wind down; leaving " + lifecycle.state().bundle()
            .map(b -> b.work().toString()).orElse("nothing"));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Ends the shim without its cooperation. Under the debugger, the session's Delve and shim
   * are killed together (a shim stopped by ptrace is let go when Delve dies); then our
   * connection is closed so a call waiting on the shim returns at once.
   */
  private void endShim() {
    Optional<Session> s = debugSession();
    if (s.isPresent()) {
      note("ending the shim and its debugger (session " + s.get().dir() + ")");
      new SessionControl(processes).stop(s.get(), true);
    }
    int pid = lifecycle.state().shimPid();
    if (pid > 0) {
      processes.get(pid).ifPresent(p -> processes.kill(p.pid(), p.startTime()));
    }
    lifecycle.disconnect();
  }

  private Optional<Session> debugSession() {
    if (!spec.debug()) {
      return Optional.empty();
    }
    return SessionRegistry.open(config.stateDir(),
        r -> processes.isAlive(r.pid(), r.startTime())).get(spec.namespace(), spec.id());
  }

  /**
   * Undoes what the run's state says was done, each step on its own: Delete, Shutdown, the
   * shim's delete, the debug session, our sockets and files.
   */
  private void cleanup() {
    RunState s = lifecycle.state();
    if (s.task().isPresent()) {
      if (lifecycle.hasTask()) {
        try {
          var d = lifecycle.delete();
          note("deleted " + spec.id() + " (exit status " + d.getExitStatus() + ")");
          if (topics.timedOut("/tasks/delete", EVENT_GRACE)) {
            note("no /tasks/delete event from the shim within " + EVENT_GRACE.toSeconds()
                + "s");
          }
        } catch (TtrpcException e) {
          note("delete failed: " + e.getMessage());
        }
      }
      try {
        lifecycle.shutdown();
      } catch (TtrpcException e) {
        note("shutdown failed: " + e.getMessage());
      }
      s.task().get().close();
    }
    if (s.address().isPresent()) {
      try {
        shimBinary(s.bundle().get(), s.events().get()).delete();
      } catch (IOException | RuntimeException e) {
        note("shim delete: " + e.getMessage());
      }
    }
    endDebugSession(s.sessionDir());
    s.events().ifPresent(TtrpcServer::close);
    s.bundle().ifPresent(b -> b.remove(relays, this::note));
  }

  /**
   * The run's own debug session ends with it: Delve (headless, multi-client) outlives its
   * target, so it is stopped (with whatever shim it still holds) and the session's directory
   * removed, on every path out of the run.
   */
  private void endDebugSession(Optional<Path> sessionDir) {
    if (!spec.debug()) {
      return;
    }
    Optional<Session> s = debugSession();
    SessionRegistry registry = SessionRegistry.open(config.stateDir(),
        r -> processes.isAlive(r.pid(), r.startTime()));
    s.ifPresent(session -> {
      if (processes.isAlive(session.debugger().pid(), session.debugger().startTime())
          || session.shim().map(r -> processes.isAlive(r.pid(), r.startTime())).orElse(false)) {
        new SessionControl(processes).stop(session, true);
      }
      registry.remove(session);
    });
    sessionDir.filter(Files::isDirectory).ifPresent(Bundle::deleteTree);
  }

  private void note(String line) {
    synchronized (err) {
      err.println("katadbg: " + line);
      err.flush();
    }
  }

  /** The daemon's pid, once connected (0 before). */
  public int shimPid() {
    return lifecycle.state().shimPid();
  }
}
