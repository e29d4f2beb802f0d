package dev.katadbg.shim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katadbg.handoff.ExecWatcher;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session;
import dev.katadbg.session.Session.ProcessRef;
import dev.katadbg.session.SessionRegistry;
import dev.katadbg.session.SessionState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which starting session a wrapper may take: one its own front recorded (a served start whose
 * server died before the start ran, the front then running the wrapper's JVM in its place) is
 * taken again; one of another live wrapper is not, and the call goes to the real shim.
 */
class ShimWrapperClaimTest {
  @TempDir Path dir;
  final Processes processes = Processes.linux();
  static final List<String> START = List.of("-namespace", "default", "-id", "c1", "-address",
      "/run/containerd/containerd.sock", "start");

  /** A front that records pass-throughs; nothing here gets as far as the watcher. */
  final class RecordingFront implements ShimWrapper.Front {
    final Caller caller;
    final List<List<String>> passedThrough = new ArrayList<>();

    RecordingFront(Caller caller) {
      this.caller = caller;
    }

    @Override
    public int passThrough(Path shim, List<String> args, Path cwd) {
      passedThrough.add(args);
      return 0;
    }

    @Override
    public Caller caller(Processes p) {
      return caller;
    }

    @Override
    public ExecWatcher.Spawner spawner() {
      return (command, spec) -> {
        throw new AssertionError("the watcher must not run here");
      };
    }
  }

  ProcessRef ref(long pid) {
    return new ProcessRef((int) pid, processes.get((int) pid).orElseThrow().startTime());
  }

  /** A starting session of sandbox default/c1 whose wrapper is {@code owner}. */
  void recordStarting(ProcessRef owner) throws Exception {
    SessionRegistry registry = SessionRegistry.open(dir.resolve("state"), r -> true);
    var claimed = (SessionRegistry.Claim.Claimed) registry.claim("default", "c1");
    registry.save(new Session("c1", "default", claimed.dir(), Optional.of(dir),
        Path.of("/bin/true"), "", SessionState.STARTING, Optional.empty(), owner,
        Optional.empty(), Optional.empty(), List.of(), Instant.now(), Session.Origin.HANDED));
  }

  record Ran(int code, String stderr) {}

  Ran run(RecordingFront front) throws Exception {
    Path config = dir.resolve("katadbg.toml");
    // A shim without DWARF: a wrapper that takes the session fails at preflight, saying so.
    Files.writeString(config, "[shim]\nbinary = \"/bin/true\"\n\n[debugger]\n"
        + "on_failure = \"fail\"\n\n[state]\ndir = \"" + dir.resolve("state") + "\"\n");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = new ShimWrapper(Map.of("KATADBG_CONFIG", config.toString()), dir,
        ByteArrayOutputStream.nullOutputStream(), new PrintStream(err, true,
            StandardCharsets.UTF_8), front).run(START);
    return new Ran(code, err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aStartingSessionOfThisVeryWrapperIsTakenAgain() throws Exception {
    ProcessRef self = ref(ProcessHandle.current().pid());
    recordStarting(self);
    RecordingFront front = new RecordingFront(new Caller(self, Optional.empty()));
    Ran r = run(front);
    assertThat(front.passedThrough).isEmpty();
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.stderr()).contains("has no DWARF debug info");
  }

  @Test
  void aStartingSessionOfAnotherLiveWrapperIsBusyAndTheCallGoesToTheRealShim()
      throws Exception {
    recordStarting(ref(ProcessHandle.current().parent().orElseThrow().pid()));
    RecordingFront front = new RecordingFront(
        new Caller(ref(ProcessHandle.current().pid()), Optional.empty()));
    Ran r = run(front);
    assertThat(front.passedThrough).containsExactly(START);
    assertThat(r.code()).isZero();
    assertThat(r.stderr()).isEmpty();
  }
}
