package dev.katadbg.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katadbg.handoff.ExecWatcher;
import dev.katadbg.handoff.Handoff;
import dev.katadbg.wire.Frames;
import dev.katadbg.wire.Wire;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The served start's protocol as src/main/c/client.c speaks it, the front played here over
 * pipes: what the server answers before anything runs, and the exec watcher seen through the
 * front's frames down to the {@link Handoff} the start path reads. The C front itself runs in
 * WrapperIT.
 */
class ServedStartTest {
  @TempDir Path dir;

  record Reply(List<Wire.Frame> frames) {
    Optional<Wire.Frame> first(char kind) {
      return frames.stream().filter(f -> f.kind() == kind).findFirst();
    }

    String text(char kind) {
      StringBuilder b = new StringBuilder();
      frames.stream().filter(f -> f.kind() == kind)
          .forEach(f -> b.append(new String(f.body(), StandardCharsets.UTF_8)));
      return b.toString();
    }
  }

  static byte[] request(List<String> args, Map<String, String> env, String cwd, int pid)
      throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    DataOutputStream d = new DataOutputStream(b);
    d.write(Wire.encode(args));
    List<String> kv = new ArrayList<>();
    env.forEach((k, v) -> kv.add(k + "=" + v));
    d.write(Wire.encode(kv));
    byte[] c = cwd.getBytes(StandardCharsets.UTF_8);
    d.writeInt(c.length);
    d.write(c);
    d.writeInt(pid);
    return b.toByteArray();
  }

  /** Serves a request whose front sends nothing after it; the frames the server wrote. */
  static Reply serve(List<String> args, Map<String, String> env, String cwd, int pid)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ServedStart.serve(new DataInputStream(new ByteArrayInputStream(request(args, env, cwd, pid))),
        out);
    DataInputStream r = new DataInputStream(new ByteArrayInputStream(out.toByteArray()));
    List<Wire.Frame> frames = new ArrayList<>();
    while (r.available() > 0) {
      frames.add(Wire.frame(r));
    }
    return new Reply(frames);
  }

  static final List<String> START = List.of("-namespace", "default", "-id", "c1", "-address",
      "/run/containerd/containerd.sock", "start");

  Path config(String debugger) throws IOException {
    Path c = dir.resolve("katadbg.toml");
    Files.writeString(c, "[shim]\nbinary = \"/bin/true\"\n\n[debugger]\n" + debugger
        + "\n[state]\ndir = \"" + dir.resolve("state") + "\"\n");
    return c;
  }

  int self() {
    return (int) ProcessHandle.current().pid();
  }

  @Test
  void aStartThatDebugsTheStartItselfIsNotServedItsDelveOpensTheWrappersStdin()
      throws IOException {
    Path c = config("target = \"start\"\n");
    Reply r = serve(START, Map.of("KATADBG_CONFIG", c.toString()), dir.toString(), self());
    assertThat(r.frames()).extracting(Wire.Frame::kind).containsExactly((byte) 'r');
    assertThat(dir.resolve("state/sessions/default/c1")).doesNotExist();
  }

  @Test
  void aRelativeDirectoryOrNoPidIsNotServed() throws IOException {
    Path c = config("");
    Map<String, String> env = Map.of("KATADBG_CONFIG", c.toString());
    assertThat(serve(START, env, "bundle", self()).frames()).extracting(Wire.Frame::kind)
        .containsExactly((byte) 'r');
    assertThat(serve(START, env, dir.toString(), 0).frames()).extracting(Wire.Frame::kind)
        .containsExactly((byte) 'r');
  }

  @Test
  void aConfigThatDoesNotLoadIsServedAsOneLineAndExitOne() throws IOException {
    Reply r = serve(START, Map.of("KATADBG_CONFIG", dir.resolve("none.toml").toString()),
        dir.toString(), self());
    assertThat(r.text('o')).isEmpty();
    assertThat(r.text('e')).startsWith("katadbg: ").endsWith("\n")
        .contains(dir.resolve("none.toml").toString());
    assertThat(r.text('e').strip()).doesNotContain("\n");
    assertThat(r.first('x').orElseThrow().u32()).isEqualTo(1);
  }

  @Test
  void aCallThatIsNotANewStartIsTheRealShimsExecedByTheFrontWithNoStatusOfOurs()
      throws IOException {
    Path c = config("");
    List<String> delete = List.of("-namespace", "default", "-id", "c1", "-address", "/x.sock",
        "delete");
    Reply r = serve(delete, Map.of("KATADBG_CONFIG", c.toString()), dir.toString(), self());
    assertThat(r.frames()).extracting(Wire.Frame::kind).containsExactly((byte) 'p');
    List<String> cmd = Wire.strings(new DataInputStream(
        new ByteArrayInputStream(r.frames().get(0).body())));
    assertThat(cmd).containsExactly("/bin/true", "-namespace", "default", "-id", "c1",
        "-address", "/x.sock", "delete");
  }

  /**
   * The front's side of a served watcher: reads the server's frames, writes its own. OS pipes
   * (java.nio), not java.io's piped streams, which fail a write once the thread that last read
   * has ended (CompletableFuture runs a thread per task on 2 cores: two CI runs failed so).
   */
  static final class FakeFront {
    final Pipe serverToFront = Pipe.open();
    final Pipe frontToServer = Pipe.open();
    final Frames server = new Frames(Channels.newOutputStream(serverToFront.sink()));
    final DataInputStream serverIn =
        new DataInputStream(Channels.newInputStream(frontToServer.source()));
    final Frames front = new Frames(Channels.newOutputStream(frontToServer.sink()));
    final DataInputStream fromServer =
        new DataInputStream(Channels.newInputStream(serverToFront.source()));

    FakeFront() throws IOException {}

    /** The front goes away: the server reads the end of its frames. */
    void close() throws IOException {
      frontToServer.sink().close();
    }

    void frame(char kind, String body) throws IOException {
      front.write((byte) kind, body.getBytes(StandardCharsets.UTF_8));
    }

    void exit(int status) throws IOException {
      front.write((byte) 'X', Wire.u32(status));
    }
  }

  interface IoCall<T> {
    T call() throws IOException;
  }

  /** The server's side runs on its own thread: it waits for the front's answer. */
  static <T> CompletableFuture<T> async(IoCall<T> call) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return call.call();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  static final ExecWatcher.Spec SPEC = new ExecWatcher.Spec(Path.of("/opt/shim"),
      List.of("-id", "c1", "start"), Optional.empty(), Map.of(), Path.of("/"),
      ProcessBuilder.Redirect.INHERIT, Path.of("/tmp/stderr"), Duration.ofSeconds(30));

  @Test
  void theWatcherRunsAtTheFrontAndItsEventsAndTheStartsReplyMakeTheHandoff() throws Exception {
    FakeFront f = new FakeFront();
    ExecWatcher w = new ExecWatcher(Path.of("/opt/katadbg-execwatch"),
        (command, spec) -> ServedStart.FrontWatcher.spawn(command, f.server, f.serverIn));
    CompletableFuture<ExecWatcher.Watched> started = async(() -> w.start(SPEC));
    Wire.Frame run = Wire.frame(f.fromServer);
    assertThat((char) run.kind()).isEqualTo('w');
    List<String> cmd = Wire.strings(new DataInputStream(new ByteArrayInputStream(run.body())));
    assertThat(cmd).startsWith("/opt/katadbg-execwatch").endsWith("--", "/opt/shim", "-id", "c1",
        "start");
    f.front.write((byte) 'P', Wire.u32(4242));
    ExecWatcher.Watched watched = started.get(10, TimeUnit.SECONDS);
    assertThat(watched.pid()).isEqualTo(4242);
    // Interleaved as poll() in the front may send them; events may come split mid-line.
    f.frame('E', "started 10\ndaem");
    f.frame('O', "unix:///run/containerd/s/");
    f.frame('E', "on 11\nexited 0\n");
    f.frame('O', "ab\n");
    f.frame('C', "");
    f.frame('E', "handed 11\n");
    f.frame('F', "");
    f.exit(0);
    Handoff h = watched.await(e -> {});
    assertThat(h.daemon()).hasValue(11);
    assertThat(h.startPid()).hasValue(10);
    assertThat(h.problem()).isEmpty();
    assertThat(new String(h.reply(), StandardCharsets.UTF_8))
        .isEqualTo("unix:///run/containerd/s/ab\n");
  }

  @Test
  void aFrontThatGoesAwayMidStartEndsTheEventsAndFailsTheHandoff() throws Exception {
    FakeFront f = new FakeFront();
    ExecWatcher w = new ExecWatcher(Path.of("/opt/katadbg-execwatch"),
        (command, spec) -> ServedStart.FrontWatcher.spawn(command, f.server, f.serverIn));
    CompletableFuture<ExecWatcher.Watched> started = async(() -> w.start(SPEC));
    Wire.frame(f.fromServer);
    f.front.write((byte) 'P', Wire.u32(4242));
    ExecWatcher.Watched watched = started.get(10, TimeUnit.SECONDS);
    f.frame('E', "started 10\ndaemon 11\n");
    f.close();
    assertThatThrownBy(() -> watched.await(e -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("katadbg's front went away during the start");
  }

  @Test
  void killingTheWatcherAsksTheFrontToKillItAndEndsItsStreamsAtOnce() throws Exception {
    FakeFront f = new FakeFront();
    CompletableFuture<ServedStart.FrontWatcher> started =
        async(() -> ServedStart.FrontWatcher.spawn(List.of("/w"), f.server, f.serverIn));
    Wire.frame(f.fromServer);
    f.front.write((byte) 'P', Wire.u32(7));
    ServedStart.FrontWatcher w = started.get(10, TimeUnit.SECONDS);
    assertThat(w.isAlive()).isTrue();
    w.kill();
    assertThat((char) Wire.frame(f.fromServer).kind()).isEqualTo('k');
    assertThat(w.events().read()).isEqualTo(-1);
    assertThat(w.stdout().read()).isEqualTo(-1);
    f.exit(137);
    assertThat(w.waitFor(Duration.ofSeconds(10))).isTrue();
    assertThat(w.exitValue()).isEqualTo(137);
    assertThat(w.isAlive()).isFalse();
  }

  @Test
  void aFrontThatDoesNotStartTheWatcherIsAnError() throws Exception {
    FakeFront f = new FakeFront();
    CompletableFuture<ServedStart.FrontWatcher> started =
        async(() -> ServedStart.FrontWatcher.spawn(List.of("/w"), f.server, f.serverIn));
    Wire.frame(f.fromServer);
    f.frame('O', "x");
    assertThatThrownBy(() -> started.get(10, TimeUnit.SECONDS))
        .hasRootCauseInstanceOf(IOException.class)
        .hasMessageContaining("did not start the exec watcher");
  }
}
