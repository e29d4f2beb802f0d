package dev.katadbg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katadbg.delve.DebuggerState;
import dev.katadbg.delve.DelveAddress;
import dev.katadbg.delve.DelveClient;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session;
import dev.katadbg.session.Session.ProcessRef;
import dev.katadbg.session.SessionRegistry;
import dev.katadbg.session.SessionState;
import dev.katadbg.testenv.TestEnv;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code katadbg reattach} of a session whose Delve launched the shim (an older katadbg's
 * follow-exec session; the real Delve 1.24 runs the DWARF debug shim binary) while the shim is
 * stopped at a breakpoint: only one tracer at a time, so reattaching would detach first, resume
 * the shim and lose the stop. It refuses, and the stop stays.
 */
class ReattachIT {
  @TempDir Path dir;
  Process dlv;

  @AfterEach
  void killDelve() {
    if (dlv != null) {
      dlv.descendants().forEach(ProcessHandle::destroyForcibly);
      dlv.destroyForcibly();
    }
  }

  @Test
  void aShimStoppedAtABreakpointIsNotReattachedAndStaysStopped() throws Exception {
    TestEnv env = TestEnv.require(TestEnv.Part.DLV, TestEnv.Part.DEBUG_SHIM);
    dlv = new ProcessBuilder(env.dlv().toString(), "exec", env.debugShim().toString(),
        "--headless", "--accept-multiclient", "--api-version=2", "--listen=127.0.0.1:0")
        .directory(dir.toFile()).redirectErrorStream(true).start();
    String first = new BufferedReader(new InputStreamReader(dlv.getInputStream(),
        StandardCharsets.UTF_8)).readLine();
    Matcher m = Pattern.compile("listening at: (\\S+)").matcher(String.valueOf(first));
    assertThat(m.find()).as(first).isTrue();
    String listen = m.group(1);
    int shimPid;
    try (DelveClient c = DelveClient.connect(DelveAddress.parse(listen), Duration.ofSeconds(30))) {
      c.createBreakpoint("main.main");
      DebuggerState stop = c.continueAsync().get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(stop.currentThread()).get().extracting(t -> t.function()).isEqualTo("main.main");
      shimPid = stop.pid();
    }
    CliRun cli = new CliRun(dir);
    Processes p = Processes.linux();
    SessionRegistry registry = SessionRegistry.open(dir.resolve("state"),
        r -> p.isAlive(r.pid(), r.startTime()));
    Path sdir = ((SessionRegistry.Claim.Claimed) registry.claim("default", "legacy")).dir();
    registry.save(new Session("legacy", "default", sdir, Optional.empty(),
        env.debugShim(), listen, SessionState.RUNNING, Optional.empty(),
        new ProcessRef((int) dlv.pid(), p.get((int) dlv.pid()).orElseThrow().startTime()),
        Optional.empty(), Optional.of(new ProcessRef(shimPid,
            p.get(shimPid).orElseThrow().startTime())), List.of("main.main"), Instant.now(),
        Session.Origin.LAUNCHED));

    CliRun.Result r = cli.katadbg("reattach", "legacy");

    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCode.FAILURE);
    assertThat(r.err()).startsWith("katadbg: not reattaching default/legacy: it is stopped at"
        + " breakpoint 1: main.main()").contains("loses this stop");
    assertThat(dlv.isAlive()).as("the old Delve").isTrue();
    try (DelveClient c = DelveClient.connect(DelveAddress.parse(listen), Duration.ofSeconds(10))) {
      DebuggerState still = c.state(false);
      assertThat(still.running()).isFalse();
      assertThat(still.currentThread()).get().extracting(t -> t.function())
          .isEqualTo("main.main");
    }
  }
}
