package dev.katadbg.shim;

import dev.katadbg.config.KatadbgConfig;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.SessionRegistry;
import dev.katadbg.shimargs.ShimInvocation;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The wrapper's debugged {@code start} for callers outside this package ({@code katadbg run}):
 * the same {@link DebugStart} — session claim, exec watcher, Delve, breakpoints — so there is one
 * implementation of it.
 */
public final class DebugShimStart {
  /** The shim's reply and its session directory, or why there is none. */
  public record Result(Optional<byte[]> reply, Optional<String> error, Optional<Path> sessionDir) {
    public Result {
      if (reply.isPresent() == error.isPresent()) {
        throw new IllegalArgumentException("exactly one of reply and error");
      }
    }
  }

  private DebugShimStart() {}

  /**
   * Runs {@code shim args...} (ending in {@code start}) in {@code bundle} with its daemon handed
   * to Delve, with {@code env} as the shim's environment and {@code stdin} as its stdin, as the
   * wrapper would for the runtime manager.
   * {@code on_failure = "passthrough"} does not apply here: the caller asked for the debugger.
   */
  public static Result start(KatadbgConfig config, Map<String, String> env, Path bundle,
      Path shim, List<String> args, ProcessBuilder.Redirect stdin) {
    ShimInvocation inv = ShimInvocation.parse(args);
    if (!inv.isStart()) {
      throw new IllegalArgumentException("not a shim start: " + args);
    }
    Processes processes = Processes.linux();
    SessionRegistry registry = SessionRegistry.open(config.stateDir(),
        r -> processes.isAlive(r.pid(), r.startTime()));
    SessionRegistry.Claim claim = registry.claim(inv.namespace(), inv.id());
    if (!(claim instanceof SessionRegistry.Claim.Claimed claimed)) {
      return new Result(Optional.empty(), Optional.of("a live debug session already exists for "
          + inv.namespace() + "/" + inv.id() + ": pick another --id or `katadbg stop` it"),
          Optional.empty());
    }
    StartOutcome o = new DebugStart(config, registry, processes, env, bundle,
        Optional.ofNullable(System.getProperty("katadbg.home")), Caller.self(processes),
        dev.katadbg.handoff.ExecWatcher.LOCAL).run(inv, claimed.dir(), shim, stdin);
    if (o.error().isPresent()) {
      return new Result(Optional.empty(), o.error(), Optional.of(claimed.dir()));
    }
    if (o.exitCode() != 0) {
      String said = new String(o.stderr(), java.nio.charset.StandardCharsets.UTF_8).strip();
      return new Result(Optional.empty(), Optional.of("the shim's start failed (exit status "
          + o.exitCode() + ")" + (said.isEmpty() ? "" : ": " + said.replace('\n', ' '))),
          Optional.of(claimed.dir()));
    }
    if (o.withoutDebugger()) {
      return new Result(Optional.empty(), Optional.of("the debugger could not be set up (see "
          + claimed.dir().resolve("katadbg.log") + ")"), Optional.of(claimed.dir()));
    }
    return new Result(Optional.of(o.reply()), Optional.empty(), Optional.of(claimed.dir()));
  }
}
