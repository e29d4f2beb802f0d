package dev.katadbg.attach;

import dev.katadbg.config.ListenPolicy;
import dev.katadbg.delve.DebuggerState;
import dev.katadbg.delve.DelveAddress;
import dev.katadbg.delve.DelveClient;
import dev.katadbg.delve.DelveException;
import dev.katadbg.delve.DelveLauncher;
import dev.katadbg.delve.DelveProcess;
import dev.katadbg.gdb.Keeper;
import dev.katadbg.delve.GoWindow;
import dev.katadbg.delve.LaunchSpec;
import dev.katadbg.discovery.Shim;
import dev.katadbg.proc.ProcessInfo;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.Reaper;
import dev.katadbg.session.Session;
import dev.katadbg.session.Session.ProcessRef;
import dev.katadbg.session.SessionRegistry;
import dev.katadbg.session.SessionState;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Attaches a headless Delve to a running shim daemon, the guide's first method ({@code dlv attach
 * PID --headless}) made safe: checks first what would make Delve fail or hurt the shim, one
 * session per shim in the wrapper's registry, the shim left running when Delve has it.
 *
 * <p>{@code dlv attach} stops every thread of the shim; containerd's calls to a stopped shim
 * time out after 2 s ({@code io.containerd.timeout.task.state}), so the shim is continued as
 * soon as Delve answers. The user's client finds it running and sets breakpoints.
 */
public final class Attacher {
  private final SessionRegistry registry;
  private final Processes processes;
  private final DelveLauncher launcher;
  private final PtraceAccess access;

  public Attacher(SessionRegistry registry, Processes processes, DelveLauncher launcher,
      PtraceAccess access) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.processes = Objects.requireNonNull(processes, "processes");
    this.launcher = Objects.requireNonNull(launcher, "launcher");
    this.access = Objects.requireNonNull(access, "access");
  }

  /**
   * How to attach.
   *
   * @param debugger Delve or gdb, and how to run it
   * @param listen where the debugger listens; {@code HOST:0} picks a free port
   * @param startTimeout how long the debugger may take to attach and answer
   */
  public record Request(Debugger debugger, ListenPolicy listen, Duration startTimeout) {
    public Request {
      Objects.requireNonNull(debugger, "debugger");
      Objects.requireNonNull(listen, "listen");
      Objects.requireNonNull(startTimeout, "startTimeout");
    }
  }

  /** The debugger a shim goes to. */
  public sealed interface Debugger permits Delve, Gdb {}

  /**
   * A headless Delve ({@code dlv attach}).
   *
   * @param checkGoVersion false passes {@code --check-go-version=false}
   */
  public record Delve(Path dlv, boolean checkGoVersion) implements Debugger {
    public Delve {
      Objects.requireNonNull(dlv, "dlv");
    }
  }

  /**
   * gdbserver and a keeper gdb, for a shim that is not Go.
   *
   * @param relay katadbg's gdbserver relay, needed for a unix socket
   */
  public record Gdb(Path gdb, Path gdbserver, Optional<Path> relay) implements Debugger {
    public Gdb {
      Objects.requireNonNull(gdb, "gdb");
      Objects.requireNonNull(gdbserver, "gdbserver");
      Objects.requireNonNull(relay, "relay");
    }
  }

  /** The session now holding the shim; {@code reused} when it was there already. */
  public record Attached(Session session, boolean reused) {}

  /**
   * Attaches to {@code shim}, or returns the live session that already holds it.
   *
   * @throws AttachException with a one-line reason and what to do
   */
  public Attached attach(Shim shim, Request req) {
    if (shim.session().isPresent()) {
      return new Attached(shim.session().get(), true);
    }
    ProcessInfo target = processes.get(shim.pid())
        .filter(p -> p.startTime() == shim.startTime() && !p.isZombie())
        .orElseThrow(() -> new AttachException("shim pid " + shim.pid() + " has exited"));
    if (shim.dwarf().filter(d -> !d).isPresent()) {
      throw new AttachException("shim binary " + shim.binary() + " (pid " + shim.pid()
          + ") has no DWARF debug info: Delve cannot debug it. Rebuild it with"
          + " go build -gcflags=all=-N -l (and without -ldflags '-s -w'), then start the"
          + " container again");
    }
    if (target.isTraced()) {
      String tracer = processes.get(target.tracerPid()).map(p -> " (" + p.comm() + ")")
          .orElse("");
      throw new AttachException("shim pid " + shim.pid() + " is already traced by pid "
          + target.tracerPid() + tracer + ": a process has one tracer at a time; end that"
          + " debugger first");
    }
    access.problem(target).ifPresent(p -> {
      throw new AttachException("cannot ptrace " + shim.describe() + ": " + p);
    });

    SessionRegistry.Claim claim = registry.claim(shim.namespace(), shim.id());
    if (claim instanceof SessionRegistry.Claim.Busy busy) {
      return new Attached(busy.existing(), true);
    }
    Path dir = ((SessionRegistry.Claim.Claimed) claim).dir();
    return req.debugger() instanceof Gdb g
        ? attachGdb(shim, req, g, dir)
        : attachDelve(shim, req, (Delve) req.debugger(), dir);
  }

  private Attached attachDelve(Shim shim, Request req, Delve d, Path dir) {
    DelveProcess delve = null;
    try {
      DelveAddress listen = DelveAddress.parse(req.listen().resolve(dir, 0));
      delve = launcher.launchDetached(new LaunchSpec(d.dlv(), new LaunchSpec.Attach(shim.pid()),
          listen, dir, Map.of("PATH", "/usr/local/bin:/usr/bin:/bin"), dir.resolve("dlv.log"),
          d.checkGoVersion()));
      delve = delve.listening(req.startTimeout());
      String where = delve.listenAddress().toListenArg();
      try (DelveClient c = connect(delve, shim, req, d)) {
        DebuggerState st = c.state(false);
        if (st.pid() != shim.pid()) {
          throw new AttachException("Delve at " + where + " debugs pid " + st.pid()
              + ", not shim pid " + shim.pid());
        }
        Optional<String> outside = GoWindow.problem(c.version());
        if (outside.isPresent() && d.checkGoVersion()) {
          // Let the shim go before failing: Detach without kill frees an attached process.
          c.detach(false);
          delve.awaitExit(Duration.ofSeconds(5));
          throw new AttachException("shim pid " + shim.pid() + " was built with "
              + outside.get() + ": use a Delve that supports it, or retry with"
              + " --check-go-version=false (Delve then warns of undefined behaviour)");
        }
        // Resume the shim at once: containerd gives up on a stopped shim within seconds.
        c.continueAsync();
      }
      ProcessRef debugger = processes.get((int) delve.pid())
          .map(p -> new ProcessRef(p.pid(), p.startTime()))
          .orElseThrow(() -> new AttachException("Delve exited right after attaching; see "
              + dir.resolve("dlv.log")));
      Session s = new Session(shim.id(), shim.namespace(), dir, shim.bundle(), shim.binary(),
          where, SessionState.RUNNING, Optional.empty(), debugger, Optional.empty(),
          Optional.of(new ProcessRef(shim.pid(), shim.startTime())), List.of(), Instant.now(),
          Session.Origin.ATTACHED);
      registry.save(s);
      Reaper.start(new ProcessRef(shim.pid(), shim.startTime()), debugger, dir);
      return new Attached(s, false);
    } catch (RuntimeException e) {
      if (delve != null && delve.isAlive()) {
        delve.kill();
      }
      registry.remove(new Session(shim.id(), shim.namespace(), dir, Optional.empty(),
          shim.binary(), "", SessionState.FAILED, Optional.empty(), ProcessRef.none(),
          Optional.empty(), Optional.empty(), List.of(), Instant.now()));
      if (e instanceof AttachException) {
        throw e;
      }
      throw new AttachException("attach to " + shim.describe() + ": " + e.getMessage(), e);
    }
  }

  /**
   * gdbserver attaches (stopping the shim), the keeper gdb connects and continues it at once,
   * as for Delve: containerd gives up on a stopped shim within seconds.
   */
  private Attached attachGdb(Shim shim, Request req, Gdb gdb, Path dir) {
    long keeperPid = 0;
    try {
      if (req.listen() instanceof ListenPolicy.Unix && gdb.relay().isEmpty()) {
        throw new AttachException("katadbg's gdbserver relay (libexec/" + Keeper.RELAY
            + ") is missing: reinstall katadbg, or give --listen 127.0.0.1:0");
      }
      // Port 0 goes to gdbserver, which binds a free port and says which.
      String asked = DelveAddress.parse(req.listen().resolve(dir, 0, "gdb.sock")).toListenArg();
      Keeper.Started k = Keeper.launch(new Keeper.Spec(gdb.gdb(), gdb.gdbserver(),
          shim.binary(), asked, shim.pid(), dir, Map.of("PATH", "/usr/local/bin:/usr/bin:/bin"),
          gdb.relay()));
      keeperPid = k.pid();
      String where = k.keeper().connect(asked, req.startTimeout());
      k.keeper().call("-exec-continue", req.startTimeout());
      ProcessRef debugger = processes.get((int) k.pid())
          .map(p -> new ProcessRef(p.pid(), p.startTime()))
          .orElseThrow(() -> new AttachException("gdb exited right after attaching; see "
              + dir.resolve(Keeper.OUTPUT)));
      Session s = new Session(shim.id(), shim.namespace(), dir, shim.bundle(), shim.binary(),
          where, SessionState.RUNNING, Optional.empty(), debugger, Optional.empty(),
          Optional.of(new ProcessRef(shim.pid(), shim.startTime())), List.of(), Instant.now(),
          Session.Origin.ATTACHED).withKind(Session.DebuggerKind.GDB);
      registry.save(s);
      Reaper.debuggerNamed(dir, "gdb");
      Reaper.start(new ProcessRef(shim.pid(), shim.startTime()), debugger, dir);
      return new Attached(s, false);
    } catch (RuntimeException | java.io.IOException e) {
      if (keeperPid > 0) {
        // gdbserver, the keeper's child, dies with it and lets the shim go.
        processes.killTree((int) keeperPid);
        ProcessHandle.of(keeperPid).ifPresent(ProcessHandle::destroyForcibly);
      }
      processes.stopOrContinue(shim.pid(), shim.startTime(), true);
      registry.remove(new Session(shim.id(), shim.namespace(), dir, Optional.empty(),
          shim.binary(), "", SessionState.FAILED, Optional.empty(), ProcessRef.none(),
          Optional.empty(), Optional.empty(), List.of(), Instant.now()));
      if (e instanceof AttachException ae) {
        throw ae;
      }
      throw new AttachException("attach gdb to " + shim.describe() + ": " + e.getMessage(), e);
    }
  }

  private static DelveClient connect(DelveProcess delve, Shim shim, Request req, Delve d) {
    try {
      return delve.connect(req.startTimeout());
    } catch (DelveException e) {
      String why = e.getMessage();
      if (why.contains("check-go-version") || why.contains("Go version")) {
        throw new AttachException("Delve " + d.dlv() + " does not support the Go version"
            + " shim pid " + shim.pid() + " was built with (" + why + "): use a Delve that"
            + " does, or retry with --check-go-version=false", e);
      }
      if (why.contains("operation not permitted")) {
        throw new AttachException("the kernel refused Delve's ptrace of shim pid "
            + shim.pid() + " (" + why + "): run katadbg as root with CAP_SYS_PTRACE", e);
      }
      throw new AttachException("Delve could not attach to shim pid " + shim.pid() + ": "
          + why, e);
    }
  }
}
