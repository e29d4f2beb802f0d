package dev.katadbg.run;

import com.google.gson.JsonParser;
import dev.katadbg.config.KatadbgConfig;
import dev.katadbg.shim.DebugShimStart;
import dev.katadbg.task.EventsService;
import dev.katadbg.task.TaskClient;
import dev.katadbg.task.TaskEvents;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session;
import dev.katadbg.session.SessionControl;
import dev.katadbg.session.SessionRegistry;
import dev.katadbg.task.proto.CloseIORequest;
import dev.katadbg.task.proto.ConnectRequest;
import dev.katadbg.task.proto.ResizePtyRequest;
import dev.katadbg.task.proto.CreateTaskRequest;
import dev.katadbg.task.proto.DeleteRequest;
import dev.katadbg.task.proto.KillRequest;
import dev.katadbg.task.proto.ShutdownRequest;
import dev.katadbg.task.proto.StartRequest;
import dev.katadbg.task.proto.WaitRequest;
import dev.katadbg.task.proto.WaitResponse;
import dev.katadbg.ttrpc.CallOptions;
import dev.katadbg.ttrpc.TtrpcClient;
import dev.katadbg.ttrpc.TtrpcException;
import dev.katadbg.ttrpc.TtrpcServer;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One container run with katadbg as the runtime manager, in containerd's order: the shim's
 * {@code start} in the bundle (its stdout is the daemon's address), Create, Start, Wait, Delete,
 * Shutdown, then the shim's {@code delete}. Events forwarded to our {@code TTRPC_ADDRESS} and the
 * shim's {@code log} FIFO go to stderr, the container's stdout and stderr to ours.
 *
 * <p>No call has a deadline unless the spec has one: a shim stopped at a breakpoint is simply
 * waited for. {@link #abort} (Ctrl-C) kills the container so the run winds down the normal way.
 */
public final class ShimRun {
  private static final String SIGKILL = "9";
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
  private final AtomicBoolean aborted = new AtomicBoolean();
  private final CountDownLatch finished = new CountDownLatch(1);
  private final List<Thread> relays = new ArrayList<>();
  private final List<String> topics = new ArrayList<>();

  private volatile Path work;
  private volatile Path bundle;
  private volatile TtrpcServer events;
  private volatile TaskClient task;
  private volatile Optional<Path> logFifo = Optional.empty();
  private volatile boolean created;
  private volatile String address;
  private volatile int shimPid;
  private volatile Optional<Terminal> terminal = Optional.empty();
  private volatile Optional<Path> sessionDir = Optional.empty();

  public ShimRun(RunSpec spec, KatadbgConfig config, Map<String, String> env, InputStream in,
      PrintWriter out, PrintWriter err) {
    this.spec = spec;
    this.in = in;
    this.config = config;
    this.env = Map.copyOf(env);
    this.out = out;
    this.err = err;
  }

  /** Runs the container to its end; returns its exit status. */
  public int run() {
    try {
      prepare();
      startShim();
      connect();
      Path stdin = fifo(work.resolve("stdin"));
      Path stdout = fifo(work.resolve("stdout"));
      relay(stdout, out, "");
      CreateTaskRequest.Builder create = CreateTaskRequest.newBuilder().setId(spec.id())
          .setBundle(bundle.toString()).setStdin(stdin.toString())
          .setStdout(stdout.toString()).setTerminal(spec.tty());
      if (!spec.tty()) {
        // With a terminal the console carries both: containerd sends no stderr then.
        Path stderr = fifo(work.resolve("stderr"));
        relay(stderr, err, "");
        create.setStderr(stderr.toString());
      }
      int pid = task.create(create.build()).getPid();
      created = true;
      note("created " + spec.id() + ", pid " + pid);
      if (aborted.get()) {
        throw new RunException("interrupted");
      }
      if (spec.tty()) {
        setUpTerminal();
      }
      // After Create: the shim has opened its end, so opening ours does not block.
      relayStdin(stdin);
      task.start(StartRequest.newBuilder().setId(spec.id()).build());
      WaitResponse w = task.waitFor(WaitRequest.newBuilder().setId(spec.id()).build());
      joinRelays();
      note("exited with status " + w.getExitStatus());
      return w.getExitStatus();
    } catch (TtrpcException e) {
      throw new RunException(address == null ? e.getMessage()
          : "the shim at " + address + " failed: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new RunException(e.getMessage(), e);
    } finally {
      terminal.ifPresent(Terminal::restore);
      cleanup();
      finished.countDown();
    }
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
    terminal = t;
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
      task.resizePty(ResizePtyRequest.newBuilder().setId(spec.id())
          .setWidth(size.get().columns()).setHeight(size.get().rows()).build());
    }
  }

  private void resizeQuietly() {
    try {
      if (created && !finishedRun()) {
        resize();
      }
    } catch (TtrpcException e) {
      // The container may have just exited; the next resize or the run's end says more.
    }
  }

  private boolean finishedRun() {
    return finished.getCount() == 0;
  }

  /**
   * Our stdin to the container's stdin FIFO; at its end the FIFO is closed and CloseIO sent,
   * as ctr does, so a command reading stdin (cat) sees its end too.
   */
  private void relayStdin(Path fifo) {
    Thread t = new Thread(() -> {
      try (var w = Files.newOutputStream(fifo)) {
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) >= 0; ) {
          if (n > 0) {
            w.write(buf, 0, n);
            w.flush();
          }
        }
      } catch (IOException e) {
        // The container's stdin went away (it exited): nothing more to send.
      }
      TaskClient c = task;
      if (c != null && !finishedRun() && !aborted.get()) {
        try {
          c.closeIO(CloseIORequest.newBuilder().setId(spec.id()).setStdin(true).build());
        } catch (TtrpcException e) {
          // Exited meanwhile: its stdin is closed anyway.
        }
      }
    }, "relay stdin " + fifo);
    t.setDaemon(true);
    t.start();
  }

  /**
   * Ctrl-C: kill the container (Wait then returns and the run cleans up as usual) and wait for
   * the cleanup. A shim that does not answer (stopped in the debugger) is left to the normal
   * path's own calls; after a grace period the caller exits anyway.
   */
  public void abort() {
    if (!aborted.compareAndSet(false, true)) {
      return;
    }
    terminal.ifPresent(Terminal::restore);
    note("interrupted: killing " + spec.id());
    TaskClient t = task;
    boolean killed = false;
    if (t != null && created) {
      try {
        t.ttrpc().call(TaskClient.SERVICE, "Kill", KillRequest.newBuilder().setId(spec.id())
            .setSignal(Integer.parseInt(SIGKILL)).setAll(true).build(),
            com.google.protobuf.Empty.parser(), t.options().withTimeout(ABORT_GRACE));
        killed = true;
      } catch (TtrpcException e) {
        note("kill failed: " + e.getMessage());
      }
    }
    try {
      if (!killed || !finished.await(ABORT_GRACE.toSeconds(), TimeUnit.SECONDS)) {
        // The shim cannot answer (stopped in the debugger, or before Create returned): end it,
        // and its debugger, so the blocked call fails and the run cleans up.
        endShim();
      }
      if (!finished.await(ABORT_GRACE.toSeconds() * 2, TimeUnit.SECONDS)) {
        note("the run did not wind down; leaving " + (work == null ? "nothing" : work));
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
    int pid = shimPid;
    if (pid > 0) {
      processes.get(pid).ifPresent(p -> processes.kill(p.pid(), p.startTime()));
    }
    TaskClient t = task;
    if (t != null) {
      t.close();
    }
  }

  private Optional<Session> debugSession() {
    if (!spec.debug()) {
      return Optional.empty();
    }
    return SessionRegistry.open(config.stateDir(),
        r -> processes.isAlive(r.pid(), r.startTime())).get(spec.namespace(), spec.id());
  }

  private void prepare() throws IOException {
    Path runs = config.stateDir().resolve("run");
    Files.createDirectories(runs);
    Files.setPosixFilePermissions(config.stateDir(), PosixFilePermissions.fromString("rwx------"));
    work = workDir(runs);
    if (spec.bundle().isPresent()) {
      bundle = spec.bundle().get();
      if (!Files.isRegularFile(bundle.resolve("config.json"))) {
        throw new RunException("bundle " + bundle + " has no config.json");
      }
    } else {
      // Named by the id: the runc shim's delete finds its state in ../<id>/ of its cwd, as in
      // containerd's layout (.../io.containerd.runtime.v2.task/<ns>/<id>).
      bundle = work.resolve(spec.id());
      Files.createDirectory(bundle);
      Path rootfs = spec.rootfs().get();
      if (!Files.isDirectory(rootfs)) {
        throw new RunException("rootfs " + rootfs + " is not a directory");
      }
      Files.writeString(bundle.resolve("config.json"),
          OciConfig.json(rootfs, spec.command(), spec.namespace(), spec.id(),
              spec.tty()));
    }
    // The shim's daemon opens "log" in its cwd for writing and blocks until it has a reader.
    Path log = bundle.resolve("log");
    if (!Files.exists(log)) {
      fifo(log);
      logFifo = Optional.of(log);
    }
    relay(log, err, "shim: ");
    Path socket = work.resolve("events.sock");
    events = EventsService.register(TtrpcServer.builder(), e -> {
      note("event " + TaskEvents.describe(e));
      synchronized (topics) {
        topics.add(e.getTopic());
        topics.notifyAll();
      }
    }).log(this::note).serve(socket);
  }

  /**
   * A short unpredictable name: unix socket paths must fit in 108 bytes, and the id is already
   * in the bundle's name.
   */
  private static Path workDir(Path runs) throws IOException {
    java.security.SecureRandom rnd = new java.security.SecureRandom();
    for (int i = 0; ; i++) {
      Path p = runs.resolve(String.format("%08x", rnd.nextInt()));
      try {
        return Files.createDirectory(p,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (java.nio.file.FileAlreadyExistsException e) {
        if (i > 10) {
          throw e;
        }
      }
    }
  }

  /** -address: containerd's own socket; the runc shim only hashes it into its socket path. */
  private String containerdAddress() {
    return work.resolve("containerd.sock").toString();
  }

  private List<String> shimFlags() {
    return List.of("-namespace", spec.namespace(), "-address", containerdAddress(),
        "-publish-binary", "/bin/true", "-id", spec.id());
  }

  private Map<String, String> shimEnv() {
    Map<String, String> e = new HashMap<>(env);
    e.put("GOMAXPROCS", "2");
    e.put("TTRPC_ADDRESS", events.socket().toString());
    return e;
  }

  private void startShim() throws IOException {
    List<String> args = new ArrayList<>(shimFlags());
    args.add("start");
    byte[] reply;
    if (spec.debug()) {
      DebugShimStart.Result r = DebugShimStart.start(config, shimEnv(), bundle, spec.shim(),
          args, ProcessBuilder.Redirect.from(new File("/dev/null")));
      if (r.error().isPresent()) {
        throw new RunException("shim start under the debugger failed: " + r.error().get());
      }
      sessionDir = r.sessionDir();
      note("debug session " + r.sessionDir().map(Path::toString).orElse("?")
          + " (katadbg sessions shows where Delve listens)");
      reply = r.reply().get();
    } else {
      reply = runShim(args, "start");
    }
    address = parseAddress(new String(reply, StandardCharsets.UTF_8));
    note("shim listens on " + address);
  }

  /** Plain text (Go shims) or JSON {"address": ...} (shim protocol v3 replies). */
  static String parseAddress(String reply) {
    String r = reply.strip();
    if (r.startsWith("{")) {
      return JsonParser.parseString(r).getAsJsonObject().get("address").getAsString();
    }
    if (r.isEmpty()) {
      throw new RunException("the shim's start printed no address");
    }
    return r;
  }

  private byte[] runShim(List<String> args, String what) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(spec.shim().toString());
    cmd.addAll(args);
    Path errFile = work.resolve("shim-" + what + ".stderr");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(bundle.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectError(errFile.toFile());
    pb.environment().clear();
    pb.environment().putAll(shimEnv());
    Process p = pb.start();
    byte[] stdout = p.getInputStream().readAllBytes();
    try {
      int code = p.waitFor();
      if (code != 0) {
        String why = Files.readAllLines(errFile).stream().filter(l -> !l.isBlank())
            .reduce((a, b) -> b).orElse("exit status " + code);
        throw new RunException("shim " + what + " failed: " + why);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RunException("interrupted during shim " + what);
    }
    return stdout;
  }

  private void connect() throws TtrpcException {
    CallOptions opts = CallOptions.none().withNamespace(spec.namespace());
    if (spec.timeout().isPresent()) {
      opts = opts.withTimeout(spec.timeout().get());
    }
    task = new TaskClient(TtrpcClient.connect(TaskClient.socketPath(address)), opts);
    // Connect also tells us the daemon's pid, for a forced cleanup.
    shimPid = task.connect(ConnectRequest.newBuilder().setId(spec.id()).build()).getShimPid();
  }

  /** Delete, Shutdown, the shim's delete, our sockets and files; each step on its own. */
  private void cleanup() {
    TaskClient t = task;
    if (t != null) {
      if (created) {
        try {
          var d = t.delete(DeleteRequest.newBuilder().setId(spec.id()).build());
          note("deleted " + spec.id() + " (exit status " + d.getExitStatus() + ")");
          awaitEvent("/tasks/delete", EVENT_GRACE);
        } catch (TtrpcException e) {
          note("delete failed: " + e.getMessage());
        }
      }
      try {
        t.shutdown(ShutdownRequest.newBuilder().setId(spec.id()).build());
      } catch (TtrpcException e) {
        note("shutdown failed: " + e.getMessage());
      }
      t.close();
    }
    if (address != null) {
      List<String> args = new ArrayList<>(shimFlags());
      args.addAll(List.of("-bundle", bundle.toString(), "delete"));
      try {
        runShim(args, "delete");
      } catch (IOException | RuntimeException e) {
        note("shim delete: " + e.getMessage());
      }
    }
    endDebugSession();
    if (events != null) {
      events.close();
    }
    logFifo.ifPresent(f -> unblockAndRemove(f));
    if (work != null) {
      for (String f : List.of("stdin", "stdout", "stderr")) {
        unblockAndRemove(work.resolve(f));
      }
      deleteTree(work);
    }
  }

  /**
   * The run's own debug session ends with it: Delve (headless, multi-client) outlives its
   * target, so it is stopped (with whatever shim it still holds) and the session's directory
   * removed, on every path out of the run.
   */
  private void endDebugSession() {
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
    sessionDir.filter(Files::isDirectory).ifPresent(ShimRun::deleteTree);
  }

  private void awaitEvent(String topic, Duration grace) {
    long end = System.nanoTime() + grace.toNanos();
    synchronized (topics) {
      while (!topics.contains(topic)) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          note("no " + topic + " event from the shim within " + grace.toSeconds() + "s");
          return;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(topics, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** A relay still blocked opening a FIFO nobody opened for writing is released first. */
  private void unblockAndRemove(Path fifo) {
    for (Thread r : relays) {
      if (r.getName().endsWith(fifo.toString()) && r.isAlive()) {
        Thread opener = new Thread(() -> {
          try (var w = Files.newOutputStream(fifo)) {
            w.flush();
          } catch (IOException e) {
            // Gone already.
          }
        });
        opener.setDaemon(true);
        opener.start();
        try {
          r.join(1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    try {
      Files.deleteIfExists(fifo);
    } catch (IOException e) {
      note("cannot remove " + fifo + ": " + e.getMessage());
    }
  }

  /** The container's output may still be in flight when Wait returns. */
  private void joinRelays() {
    for (Thread r : relays) {
      if (r.getName().endsWith("/stdout") || r.getName().endsWith("/stderr")) {
        try {
          r.join(5000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  private void relay(Path fifo, Writer to, String prefix) {
    Thread t = new Thread(() -> {
      try (InputStream in = Files.newInputStream(fifo);
          Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
        char[] buf = new char[8192];
        boolean lineStart = true;
        for (int n; (n = r.read(buf)) > 0; ) {
          synchronized (to) {
            if (prefix.isEmpty()) {
              to.write(buf, 0, n);
            } else {
              for (int i = 0; i < n; i++) {
                if (lineStart) {
                  to.write(prefix);
                }
                to.write(buf[i]);
                lineStart = buf[i] == '\n';
              }
            }
            to.flush();
          }
        }
      } catch (IOException e) {
        // The FIFO was removed or the writer vanished: nothing more to relay.
      }
    }, "relay " + fifo);
    t.setDaemon(true);
    relays.add(t);
    t.start();
  }

  private static Path fifo(Path p) throws IOException {
    try {
      Process mk = new ProcessBuilder("mkfifo", "-m", "0600", p.toString())
          .redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
      String msg = new String(mk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (mk.waitFor() != 0) {
        throw new IOException("mkfifo " + p + ": " + msg.strip());
      }
      return p;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted creating " + p);
    }
  }

  private void note(String line) {
    synchronized (err) {
      err.println("katadbg: " + line);
      err.flush();
    }
  }

  /** The daemon's pid, once connected (0 before). */
  public int shimPid() {
    return shimPid;
  }

  private static void deleteTree(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Best effort: a leftover dir under the state dir is harmless.
    }
  }
}
