package dev.katadbg.control;

import dev.katadbg.gdb.GdbBreakpoint;
import dev.katadbg.gdb.GdbException;
import dev.katadbg.gdb.Keeper;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code katadbg connect} on a gdb session: gdbserver takes one client at a time, and the
 * session's keeper gdb is that client. So the keeper lets go for the user's gdb ({@link
 * #takeOver}), which is started connected, with the keeper's breakpoints and katadbg's settings
 * ({@link #command}); when it exits the keeper takes the shim back ({@link #giveBack}).
 */
public final class GdbTerminal {
  private static final Duration CALL = Duration.ofSeconds(10);


  // Quitting a gdb attached to a process detaches from it, and gdbserver then lets the shim go
  // for good: the user's gdb disconnects first instead, leaving the shim as it is for the
  // keeper. A command file, since -ex cannot define a hook.
  // Then katadbg's signal settings (as its own gdb's), quietly: `handle` prints a table each.
  private static final String SETUP = """
      define hook-quit
        disconnect
      end
      python
      for s in (%s):
          gdb.execute("handle %%s nostop noprint pass" %% s, to_string=True)
      gdb.execute("handle SIGURG nostop noprint nopass", to_string=True)
      end
      """.formatted(String.join(", ", Keeper.PASSED_SIGNALS.stream()
          .map(s -> "\"" + s + "\"").toList()));

  /** Debian's rustc puts Rust's pretty printers here; rust-gdb points gdb at them the same way. */
  private static final Path RUST_GDB_SCRIPTS = Path.of("/usr/lib/rustlib/etc");

  private GdbTerminal() {}

  /** What the keeper held when it let go. */
  public record Handover(List<String> breakpoints, boolean wasRunning) {
    public Handover {
      breakpoints = List.copyOf(breakpoints);
    }
  }

  /**
   * The keeper halts the shim if it runs (gdb disconnects only from a stopped target in all-stop
   * mode), notes its breakpoints and disconnects, which removes them from the shim's code.
   *
   * @throws ControlException if the keeper does not answer
   */
  public static Handover takeOver(Session s, Processes processes) {
    if (!processes.isAlive(s.debugger().pid(), s.debugger().startTime())) {
      throw new ControlException("the session's gdb (pid " + s.debugger().pid() + ") has"
          + " exited; katadbg sessions says why");
    }
    if (s.listen().isEmpty()) {
      throw new ControlException("the session's gdbserver has not said where it listens yet:"
          + " retry in a moment");
    }
    Keeper k = Keeper.in(s.dir());
    try {
      boolean wasRunning = k.halt(CALL, Control.HALT_TIMEOUT);
      List<String> locations = k.breakpoints(CALL).stream().map(GdbBreakpoint::location)
          .filter(l -> !l.isEmpty()).distinct().toList();
      Files.writeString(s.dir().resolve(Keeper.LENT), ProcessHandle.current().pid() + "\n");
      k.call("-target-disconnect", CALL);
      return new Handover(locations, wasRunning);
    } catch (GdbException | IOException e) {
      throw new ControlException("katadbg's gdb cannot hand the shim over: " + e.getMessage());
    }
  }

  /**
   * The user's gdb: connected to the session's gdbserver, with the breakpoints the keeper held,
   * the shim's binary for symbols, and katadbg's signal settings. The user's own gdbinit runs.
   */
  public static List<String> command(Path gdb, Session s, Handover h) throws IOException {
    Path setup = s.dir().resolve("connect.gdb");
    Files.writeString(setup, SETUP, StandardCharsets.UTF_8);
    List<String> c = new ArrayList<>(List.of(gdb.toString(), "-q", "-iex", "set sysroot /"));
    if (Files.isDirectory(RUST_GDB_SCRIPTS)) {
      c.addAll(List.of("-iex", "add-auto-load-safe-path " + RUST_GDB_SCRIPTS,
          "-iex", "set directories " + RUST_GDB_SCRIPTS + ":$cdir:$cwd"));
    }
    c.addAll(List.of("-x", setup.toString(), "-ex", "target extended-remote "
        + Keeper.clientAddress(s.listen())));
    for (String b : h.breakpoints()) {
      c.addAll(List.of("-ex", "break " + b));
    }
    c.add(s.shimBinary().toString());
    return c;
  }

  /** The environment additions of {@link #command}: Rust's pretty printers import each other. */
  public static java.util.Map<String, String> environment(java.util.Map<String, String> env) {
    if (!Files.isDirectory(RUST_GDB_SCRIPTS)) {
      return java.util.Map.of();
    }
    String py = env.getOrDefault("PYTHONPATH", "");
    return java.util.Map.of("PYTHONPATH",
        py.isEmpty() ? RUST_GDB_SCRIPTS.toString() : py + ":" + RUST_GDB_SCRIPTS);
  }

  /** The katadbg process that has borrowed the session's gdbserver, if one has. */
  public static java.util.OptionalLong lentTo(Session s) {
    return Keeper.lentTo(s.dir());
  }

  /**
   * The keeper connects again once the user's gdb has exited; its breakpoints come back with
   * it (gdb re-inserts them on connect). A shim the user's gdb detached from is attached again.
   * Returns what the shim is doing now, for the user.
   */
  public static String giveBack(Session s, Processes processes) {
    Keeper k = Keeper.in(s.dir());
    try {
      k.connect(s.listen(), Duration.ofSeconds(10));
      Files.deleteIfExists(s.dir().resolve(Keeper.LENT));
      Optional<Keeper.Threads> t = k.threadsUnlessRunning(CALL);
      if (t.isPresent() && t.get().threads().isEmpty()) {
        Optional<Session.ProcessRef> shim = s.shim();
        if (shim.isEmpty() || !processes.isAlive(shim.get().pid(), shim.get().startTime())) {
          return "the shim has exited";
        }
        k.call("-target-attach " + shim.get().pid(), CALL);
        k.call("-exec-continue", CALL);
        return "your gdb detached: katadbg's gdb attached again, with the breakpoints, and let"
            + " the shim run";
      }
      return "katadbg's gdb holds the shim again (stopped where you left it; katadbg continue "
          + s.namespace() + "/" + s.id() + " lets it run)";
    } catch (GdbException | IOException e) {
      throw new ControlException("katadbg's gdb cannot take the shim back: " + e.getMessage());
    }
  }
}
