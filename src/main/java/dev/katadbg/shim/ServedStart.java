package dev.katadbg.shim;

import dev.katadbg.config.ConfigException;
import dev.katadbg.config.KatadbgConfig;
import dev.katadbg.handoff.ExecWatcher;
import dev.katadbg.handoff.WatcherProcess;
import dev.katadbg.proc.Processes;
import dev.katadbg.wire.Frames;
import dev.katadbg.wire.Wire;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The wrapper's {@code start} served by a resident katadbg, so that a start pays no JVM
 * start-up: the wrapper the runtime manager runs is katadbg's native front ({@code
 * katadbg-client --shim}, src/main/c/client.c), and this runs {@link ShimWrapper} for it, the
 * same steps as in a JVM of its own. Everything that must be the caller's stays with the front:
 * the real shim and the exec watcher are its children, with its stdin, stdout, environment and
 * directory, so the start process is the runtime manager's grandchild as before and its stdin is
 * never read or copied. The JVM's part — config, session, preflight, Delve, breakpoints — runs
 * here, warm.
 *
 * <p>After the magic {@code KDS1} the front sends: the shim's arguments, its environment (both
 * string lists), its working directory (a string) and its pid (u32). Then frames (u8 kind, u32
 * length, bytes; see {@link Frames}) go both ways:
 *
 * <ul>
 *   <li>to the front: {@code 'r'} not served here (nothing ran: the front runs the wrapper in a
 *       JVM of its own), {@code 'p'} a command line the front execs in place (the real shim:
 *       pass-through), {@code 'w'} the exec watcher's command line to run as its child, {@code
 *       'k'} kill that watcher, {@code 'o'} and {@code 'e'} bytes for its stdout and stderr and
 *       {@code 'x'} its exit status (u32), the last frame;
 *   <li>from the front, once it ran the watcher: {@code 'P'} its pid, {@code 'O'} the start's
 *       stdout bytes and {@code 'C'} their end, {@code 'E'} the watcher's event bytes and {@code
 *       'F'} their end, {@code 'X'} the watcher's exit status (its code, or 128 + the signal).
 * </ul>
 *
 * <p>A front that goes away mid-start takes the watcher with it (PR_SET_PDEATHSIG) and the
 * start's guard ends a handed-over daemon and its Delve, as when a JVM wrapper is killed.
 */
public final class ServedStart {
  public static final byte[] MAGIC = "KDS1".getBytes(StandardCharsets.US_ASCII);
  static final byte REFUSED = 'r';
  static final byte EXEC = 'p';
  static final byte WATCH = 'w';
  static final byte KILL = 'k';

  private ServedStart() {}

  /** Serves one start whose request (after the magic) is on {@code in}. */
  public static void serve(DataInputStream in, OutputStream out) throws IOException {
    List<String> args = Wire.strings(in);
    Map<String, String> env = Wire.env(in);
    Path cwd = Path.of(Wire.string(in));
    int pid = in.readInt();
    Frames frames = new Frames(out);
    if (!served(env) || !cwd.isAbsolute() || pid <= 0) {
      frames.write(REFUSED, new byte[0]);
      return;
    }
    Front front = new Front(in, frames, pid);
    PrintStream err = new PrintStream(frames.stream('e'), true, StandardCharsets.UTF_8);
    int code = new ShimWrapper(env, cwd, frames.stream('o'), err, front).run(args);
    err.flush();
    if (!front.execed) {
      frames.exit(code);
    }
  }

  /**
   * Whether this JVM runs the start: not with {@code target = "start"}, whose Delve opens the
   * wrapper's own stdin by path. A config that does not load is served: the wrapper's one line
   * says what is wrong, as in a JVM of its own.
   */
  static boolean served(Map<String, String> env) {
    try {
      return KatadbgConfig.load(env).debugger().target() != KatadbgConfig.Target.START;
    } catch (ConfigException e) {
      return true;
    }
  }

  /** The wrapper's front, over its connection. */
  private static final class Front implements ShimWrapper.Front {
    private final DataInputStream in;
    private final Frames frames;
    private final int pid;
    /** The front was told to exec the real shim: it exits with that, not with a status. */
    boolean execed;

    Front(DataInputStream in, Frames frames, int pid) {
      this.in = in;
      this.frames = frames;
      this.pid = pid;
    }

    @Override
    public int passThrough(Path shim, List<String> args, Path cwd) {
      try {
        frames.writeStrings(EXEC, ShimWrapper.command(shim, args));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      execed = true;
      return 0;
    }

    @Override
    public Caller caller(Processes processes) {
      return Caller.of(pid, processes);
    }

    @Override
    public ExecWatcher.Spawner spawner() {
      // The front runs it with its own stdin, environment and directory: those the spec names
      // are the ones it sent.
      return (command, spec) -> FrontWatcher.spawn(command, frames, in);
    }
  }

  /** The exec watcher running as the front's child, seen through the front's frames. */
  static final class FrontWatcher implements WatcherProcess {
    private final Frames frames;
    private final int pid;
    private final Chunks stdout = new Chunks();
    private final Chunks events = new Chunks();
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();

    private FrontWatcher(Frames frames, int pid) {
      this.frames = frames;
      this.pid = pid;
    }

    /** Asks the front to run {@code command}; returns once the front says it runs. */
    static FrontWatcher spawn(List<String> command, Frames frames, DataInputStream in)
        throws IOException {
      frames.writeStrings(WATCH, command);
      Wire.Frame first = Wire.frame(in);
      if (first.kind() != 'P') {
        throw new IOException("katadbg's front did not start the exec watcher (frame '"
            + (char) first.kind() + "')");
      }
      FrontWatcher w = new FrontWatcher(frames, first.u32());
      Thread t = new Thread(() -> w.demux(in), "front-watcher");
      t.setDaemon(true);
      t.start();
      return w;
    }

    /** Sorts the front's frames into the two streams and the exit, until all three ended. */
    private void demux(DataInputStream in) {
      try {
        while (!(exit.isDone() && stdout.ended() && events.ended())) {
          Wire.Frame f = Wire.frame(in);
          switch (f.kind()) {
            case 'O' -> stdout.add(f.body());
            case 'C' -> stdout.end();
            case 'E' -> events.add(f.body());
            case 'F' -> events.end();
            case 'X' -> exit.complete(f.u32());
            default -> throw new IOException("unexpected frame '" + (char) f.kind() + "'");
          }
        }
      } catch (IOException | RuntimeException e) {
        // The front went away (its watcher died with it) or spoke nonsense: the streams end,
        // and the missing exit makes the hand-off fail, which cleans up.
        exit.completeExceptionally(e);
      } finally {
        stdout.end();
        events.end();
      }
    }

    @Override
    public long pid() {
      return pid;
    }

    @Override
    public InputStream stdout() {
      return stdout;
    }

    @Override
    public InputStream events() {
      return events;
    }

    @Override
    public boolean waitFor(Duration timeout) throws InterruptedException {
      try {
        exit.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return true;
      } catch (TimeoutException e) {
        return false;
      } catch (ExecutionException e) {
        return true;
      }
    }

    @Override
    public int exitValue() {
      try {
        return exit.getNow(null);
      } catch (java.util.concurrent.CompletionException e) {
        throw new IllegalStateException("katadbg's front went away during the start: "
            + e.getCause().getMessage(), e.getCause());
      }
    }

    @Override
    public boolean isAlive() {
      return !exit.isDone();
    }

    @Override
    public void kill() {
      try {
        frames.write(KILL, new byte[0]);
      } catch (IOException e) {
        // The front is gone, and its watcher with it.
      }
      stdout.end();
      events.end();
    }
  }

  /** An input stream fed chunk by chunk from another thread; it ends when told to. */
  static final class Chunks extends InputStream {
    private static final byte[] END = new byte[0];
    private final LinkedBlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
    private volatile boolean ended;
    private byte[] current = new byte[0];
    private int pos;
    private boolean done;

    void add(byte[] chunk) {
      if (!ended && chunk.length > 0) {
        queue.add(chunk);
      }
    }

    void end() {
      if (!ended) {
        ended = true;
        queue.add(END);
      }
    }

    boolean ended() {
      return ended;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      while (pos == current.length) {
        if (done) {
          return -1;
        }
        try {
          current = queue.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted");
        }
        pos = 0;
        if (current == END) {
          done = true;
        }
      }
      int n = Math.min(len, current.length - pos);
      System.arraycopy(current, pos, b, off, n);
      pos += n;
      return n;
    }
  }
}
