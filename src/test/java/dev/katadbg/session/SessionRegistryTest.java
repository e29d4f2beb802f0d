package dev.katadbg.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katadbg.session.Session.ProcessRef;
import dev.katadbg.session.SessionRegistry.Claim;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionRegistryTest {
  @TempDir Path tmp;
  private final Set<Integer> livePids = ConcurrentHashMap.newKeySet();

  private SessionRegistry registry() {
    return SessionRegistry.open(tmp.resolve("state"), r -> livePids.contains(r.pid()));
  }

  private Session session(Path dir, String id, int dlvPid, Instant created) {
    return new Session(id, "default", dir, Optional.of(Path.of("/b")), Path.of("/shim"),
        "127.0.0.1:4000", SessionState.RUNNING, Optional.empty(), new ProcessRef(dlvPid, 7),
        Optional.empty(), Optional.of(new ProcessRef(dlvPid + 1, 8)), List.of(), created);
  }

  @Test
  void stateDirectoriesAreOwnerOnly() throws Exception {
    SessionRegistry r = registry();
    Claim c = r.claim("default", "abc");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("state"))))
        .isEqualTo("rwx------");
    Path dir = ((Claim.Claimed) c).dir();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
        .isEqualTo("rwx------");
  }

  @Test
  void aLiveSessionMakesTheSandboxBusyAndADeadOneIsReplaced() {
    SessionRegistry r = registry();
    Path dir = ((Claim.Claimed) r.claim("default", "sb1")).dir();
    r.save(session(dir, "sb1", 100, Instant.now()));
    livePids.add(100);
    assertThat(r.claim("default", "sb1")).isInstanceOf(Claim.Busy.class);
    livePids.remove(100);
    assertThat(r.get("default", "sb1")).get().extracting(Session::state)
        .isEqualTo(SessionState.GONE);
    assertThat(r.claim("default", "sb1")).isInstanceOf(Claim.Claimed.class);
  }

  @Test
  void recordRoundTripsThroughJson() {
    SessionRegistry r = registry();
    Path dir = ((Claim.Claimed) r.claim("k8s.io", "pod-1")).dir();
    Session s = new Session("pod-1", "k8s.io", dir, Optional.empty(), Path.of("/shim"),
        "unix:/run/katadbg/x.sock", SessionState.WAITING, Optional.of("why"),
        new ProcessRef(5, 6), Optional.of(new ProcessRef(7, 8)), Optional.empty(),
        List.of("main.main", "service.go:12"), Instant.parse("2026-11-28T20:00:00Z"));
    r.save(s);
    livePids.add(5);
    assertThat(r.get("k8s.io", "pod-1")).contains(s);
  }

  @Test
  void originRoundTripsAndOldRecordsAreTheWrappers() {
    SessionRegistry r = registry();
    Path dir = ((Claim.Claimed) r.claim("default", "att-1")).dir();
    Session s = new Session("att-1", "default", dir, Optional.empty(), Path.of("/shim"),
        "127.0.0.1:1", SessionState.RUNNING, Optional.empty(), new ProcessRef(5, 6),
        Optional.empty(), Optional.of(new ProcessRef(7, 8)), List.of(), Instant.now(),
        Session.Origin.ATTACHED);
    r.save(s);
    livePids.add(5);
    assertThat(r.get("default", "att-1")).contains(s);

    com.google.gson.JsonObject old = SessionJson.toJson(s);
    old.remove("origin");
    assertThat(SessionJson.fromJson(old).origin()).isEqualTo(Session.Origin.LAUNCHED);
  }

  @Test
  void debuggerKindRoundTripsAndOldRecordsAreDelves() {
    SessionRegistry r = registry();
    Path dir = ((Claim.Claimed) r.claim("default", "gdb-1")).dir();
    Session s = new Session("gdb-1", "default", dir, Optional.empty(), Path.of("/shim"),
        "127.0.0.1:1", SessionState.RUNNING, Optional.empty(), new ProcessRef(5, 6),
        Optional.empty(), Optional.of(new ProcessRef(7, 8)), List.of(), Instant.now(),
        Session.Origin.HANDED).withKind(Session.DebuggerKind.GDB);
    r.save(s);
    livePids.add(5);
    assertThat(r.get("default", "gdb-1")).contains(s);
    assertThat(s.debuggerLog()).isEqualTo(dir.resolve("gdb.mi"));
    assertThat(s.logFiles()).containsExactly(dir.resolve("katadbg.log"), dir.resolve("gdb.mi"),
        dir.resolve("gdbserver.log"), dir.resolve("shim.stderr"));

    com.google.gson.JsonObject json = SessionJson.toJson(s);
    assertThat(json.get("debuggerKind").getAsString()).isEqualTo("gdb");
    json.remove("debuggerKind");
    assertThat(SessionJson.fromJson(json).kind()).isEqualTo(Session.DebuggerKind.DELVE);
    assertThat(SessionJson.fromJson(json).debuggerLog()).isEqualTo(dir.resolve("dlv.log"));
  }

  @Test
  void findByIdPrefixAndNamespace() {
    SessionRegistry r = registry();
    for (String id : List.of("aaa111", "aaa222", "bbb333")) {
      Path dir = ((Claim.Claimed) r.claim("default", id)).dir();
      r.save(session(dir, id, 10, Instant.now()));
    }
    livePids.add(10);
    assertThat(r.find("bbb")).get().extracting(Session::id).isEqualTo("bbb333");
    assertThat(r.find("default/aaa1")).get().extracting(Session::id).isEqualTo("aaa111");
    assertThat(r.find("zzz")).isEmpty();
    assertThatThrownBy(() -> r.find("aaa"))
        .hasMessageContaining("matches 2 sessions")
        .hasMessageContaining("default/aaa111")
        .hasMessageContaining("default/aaa222");
  }

  @Test
  void listIsNewestFirst() {
    SessionRegistry r = registry();
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    for (int i = 0; i < 3; i++) {
      String id = "s" + i;
      Path dir = ((Claim.Claimed) r.claim("default", id)).dir();
      r.save(session(dir, id, 1, t.plusSeconds(i)));
    }
    assertThat(r.list()).extracting(Session::id).containsExactly("s2", "s1", "s0");
  }

  @Test
  void idsThatCouldEscapeTheDirectoryAreRejected() {
    SessionRegistry r = registry();
    assertThatThrownBy(() -> r.claim("default", "../etc")).hasMessageContaining("not a valid");
    assertThatThrownBy(() -> r.claim("a/b", "x")).hasMessageContaining("namespace");
  }

  @Test
  void concurrentClaimsOfDifferentSandboxesAllWinAndOfOneSandboxOnlyOne() throws Exception {
    SessionRegistry r = registry();
    int n = 16;
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    Set<Path> won = ConcurrentHashMap.newKeySet();
    List<Claim> same = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < n; i++) {
      int k = i;
      Thread t = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        if (r.claim("default", "sb" + k) instanceof Claim.Claimed c) {
          won.add(c.dir());
        }
        same.add(r.claim("default", "shared"));
      });
      t.start();
      threads.add(t);
    }
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
    assertThat(won).hasSize(n);
    assertThat(new HashSet<>(same.stream().filter(c -> c instanceof Claim.Claimed).toList()))
        .hasSize(1);
  }

  @Test
  void anUnusableStateDirectorySaysWhyAndWhatToDoAsRoot() throws Exception {
    // the tests run as root: the fix is another [state] dir, not "run as root"
    Path file = Files.writeString(tmp.resolve("state"), "");

    assertThatThrownBy(() -> SessionRegistry.open(file.resolve("sub"), r -> true))
        .hasMessageContaining("cannot use state directory " + file.resolve("sub"))
        .hasMessageContaining("sub: Not a directory: ")
        .hasMessageEndingWith("set [state] dir to a directory katadbg can create (it keeps it 0700)")
        .hasMessageNotContaining("run katadbg as root");
  }

  @Test
  void pruneKeepsTheNewestEndedSessionsForAWeekAndNeverTouchesLiveOnes() throws Exception {
    SessionRegistry r = registry();
    Instant t0 = Instant.parse("2026-12-01T00:00:00Z");
    int n = SessionRegistry.KEEP_ENDED + 3;
    for (int i = 0; i < n; i++) {
      Path dir = ((Claim.Claimed) r.claim("default", "e" + i)).dir();
      r.save(session(dir, "e" + i, 1000 + 2 * i, t0.plusSeconds(i)).withState(
          SessionState.FAILED, Optional.of("x")));
    }
    Path liveDir = ((Claim.Claimed) r.claim("default", "live")).dir();
    r.save(session(liveDir, "live", 500, t0.minusSeconds(3600 * 24 * 30)));
    livePids.add(500);

    List<Session> removed = r.prune(Instant.now());

    // the three oldest ended ones go; the live one, a month old, stays
    assertThat(removed).extracting(Session::id).containsExactlyInAnyOrder("e0", "e1", "e2");
    assertThat(r.list()).extracting(Session::id).contains("live", "e3", "e" + (n - 1))
        .doesNotContain("e0");
    assertThat(r.isEnded(r.get("default", "live").orElseThrow())).isFalse();

    // a week after their records were last written, every ended one goes
    List<Session> later = r.prune(Instant.now().plus(SessionRegistry.MAX_ENDED_AGE)
        .plusSeconds(60));
    assertThat(later).hasSize(SessionRegistry.KEEP_ENDED);
    assertThat(r.list()).extracting(Session::id).containsExactly("live");
  }

  @Test
  void aSessionWhoseProcessesAreGoneIsEndedButKept() {
    SessionRegistry r = registry();
    Path dir = ((Claim.Claimed) r.claim("default", "g")).dir();
    r.save(session(dir, "g", 700, Instant.now()));

    Session s = r.get("default", "g").orElseThrow();

    assertThat(s.state()).isEqualTo(SessionState.GONE);
    assertThat(r.isEnded(s)).isTrue();
    assertThat(r.prune(Instant.now())).isEmpty();
    assertThat(dir).isDirectory();
  }

  @Test
  void aGoneSessionGivesTheReasonItsReaperWroteAndARecordedReasonWins() throws Exception {
    SessionRegistry r = registry();
    Path dir = ((Claim.Claimed) r.claim("default", "why")).dir();
    r.save(session(dir, "why", 710, Instant.now()));
    assertThat(r.get("default", "why").orElseThrow().reason()).isEmpty();

    Files.writeString(dir.resolve(Reaper.ENDED_FILE), "Delve (pid 710) ended while ...\n");

    assertThat(r.get("default", "why").orElseThrow().reason())
        .contains("Delve (pid 710) ended while ...");
    r.save(session(dir, "why", 710, Instant.now()).withState(SessionState.RUNNING,
        Optional.of("recorded")));
    assertThat(r.get("default", "why").orElseThrow().reason()).contains("recorded");
  }
}
