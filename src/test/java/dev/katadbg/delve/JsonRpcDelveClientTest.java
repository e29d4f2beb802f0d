package dev.katadbg.delve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Protocol tests of the JSON-RPC client against a scripted server over in-memory pipes. */
class JsonRpcDelveClientTest {
  private FakeDelveServer server;
  private DelveClient client;

  @BeforeEach
  void setUp() {
    server = new FakeDelveServer();
  }

  @AfterEach
  void tearDown() {
    if (client != null) {
      client.close();
    }
    server.close();
  }

  private DelveClient connect() {
    client = server.connect("getversion-1.24.0", Duration.ofSeconds(5));
    return client;
  }

  @Test
  void handshakeReadsTheVersion() {
    DelveVersion v = connect().version();

    assertThat(v.delveVersion()).isEqualTo(new Semver(1, 24, 0));
    assertThat(v.apiVersion()).isEqualTo(2);
    assertThat(v.targetGoVersion()).isEqualTo("Go cmd/compile go1.24.4");
    assertThat(v.minSupportedGo()).contains(new Semver(1, 21, 0));
    assertThat(v.maxSupportedGo()).contains(new Semver(1, 24, 0));
    assertThat(v.supportsFollowExec()).isTrue();
  }

  @Test
  void requestsAreOneLineWithOneParamsObject() {
    connect();
    CompletableFuture<DebuggerState> cont = client.continueAsync();
    var request = server.nextRequest();

    assertThat(request.line()).doesNotContain("\n");
    assertThat(FakeDelveServer.json(request.line()))
        .isEqualTo(
            FakeDelveServer.json(
                "{\"method\":\"RPCServer.Command\",\"params\":[{\"name\":\"continue\"}],\"id\":"
                    + request.id()
                    + "}"));
    server.reply(request, "command-continue-child");
    assertThat(cont.join().pid()).isEqualTo(16001);
  }

  @Test
  void apiVersion1IsRejectedWithAHint() {
    String v1 =
        FakeDelveServer.resource("getversion-1.20.2")
            .replace("\"APIVersion\":2", "\"APIVersion\":1");
    CompletableFuture<DelveClient> opening =
        CompletableFuture.supplyAsync(
            () ->
                JsonRpcDelveClient.open(
                    server.clientSide(), "fake", Duration.ofSeconds(5), Optional::empty));
    var hello = server.nextRequest();
    server.replyResult(
        hello.id(), FakeDelveServer.json(v1).getAsJsonObject().get("result").toString());

    assertThatThrownBy(opening::join)
        .hasCauseInstanceOf(DelveException.class)
        .hasMessageContaining("serves JSON-RPC API v1; start it with --api-version=2");
  }

  @Test
  void repliesOutOfOrderAreMatchedById() throws Exception {
    connect();
    CompletableFuture<DebuggerState> cont = client.continueAsync();
    var continueRequest = server.nextRequest();
    CompletableFuture<DebuggerState> state =
        CompletableFuture.supplyAsync(() -> client.state(true));
    var stateRequest = server.nextRequest();
    CompletableFuture<List<Target>> targets = CompletableFuture.supplyAsync(() -> client.targets());
    var targetsRequest = server.nextRequest();

    server.replyResult(
        stateRequest.id(), "{\"State\":{\"Pid\":15948,\"Running\":true,\"exited\":false}}");
    assertThat(state.get(5, TimeUnit.SECONDS).running()).isTrue();
    server.reply(targetsRequest, "listtargets");
    server.reply(continueRequest, "command-continue-child");

    assertThat(targets.get(5, TimeUnit.SECONDS)).extracting(Target::pid).containsExactly(16001);
    DebuggerState stopped = cont.get(5, TimeUnit.SECONDS);
    assertThat(stopped.running()).isFalse();
    assertThat(stopped.targetCommandLine()).isEqualTo("/tmp/dx/prog child");
  }

  @Test
  void continueReplyMapsTheChildStop() {
    connect();
    CompletableFuture<DebuggerState> cont = client.continueAsync();
    server.reply(server.nextRequest(), "command-continue-child");

    DebuggerState s = cont.join();
    assertThat(s.pid()).isEqualTo(16001);
    assertThat(s.exited()).isFalse();
    ThreadInfo t = s.currentThread().orElseThrow();
    assertThat(t.id()).isEqualTo(16001);
    assertThat(t.function()).isEqualTo("main.childWork");
    assertThat(t.file()).isEqualTo("/tmp/dx/main.go");
    assertThat(t.line()).isEqualTo(9);
    assertThat(t.breakpointId()).isEqualTo(OptionalInt.of(1));
    assertThat(t.goroutineId()).isEqualTo(1);
  }

  @Test
  void exitedStateHasNoThread() {
    connect();
    CompletableFuture<DebuggerState> cont = client.continueAsync();
    server.reply(server.nextRequest(), "command-continue-exited");

    DebuggerState s = cont.join();
    assertThat(s.exited()).isTrue();
    assertThat(s.exitStatus()).isZero();
    assertThat(s.targetCommandLine()).isEmpty();
    assertThat(s.currentThread()).isEmpty();
  }

  @Test
  void errorReplyBecomesDelveExceptionWithDelvesText() {
    connect();
    var clearing = CompletableFuture.runAsync(() -> client.clearBreakpoint(77));
    var request = server.nextRequest();
    assertThat(request.params()).isEqualTo(FakeDelveServer.json("{\"Id\":77}"));
    server.reply(request, "clearbreakpoint-unknown");

    assertThatThrownBy(clearing::join)
        .hasCauseInstanceOf(DelveException.class)
        .cause()
        .hasMessage("delve ClearBreakpoint: no breakpoint with id 77");
  }

  @Test
  void followExecOnOldDelveExplainsTheVersion() {
    client = server.connect("getversion-1.20.2", Duration.ofSeconds(5));
    assertThat(client.version().supportsFollowExec()).isFalse();
    var following = CompletableFuture.runAsync(() -> client.followExec(true, "child"));
    var request = server.nextRequest();
    assertThat(request.method()).isEqualTo("RPCServer.FollowExec");
    assertThat(request.params())
        .isEqualTo(FakeDelveServer.json("{\"Enable\":true,\"Regex\":\"child\"}"));
    server.reply(request, "followexec-1.20.2");

    assertThatThrownBy(following::join)
        .cause()
        .isInstanceOf(DelveException.class)
        .hasMessage(
            "delve FollowExec: unknown method: RPCServer.FollowExec"
                + " (follow-exec needs Delve 1.21.0+, this server is 1.20.2)");
  }

  @Test
  void followExecNeedsARegexToEnable() {
    connect();
    assertThatThrownBy(() -> client.followExec(true, " "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("regex");
  }

  @Test
  void droppedConnectionFailsEveryPendingCallPromptly() throws Exception {
    connect();
    CompletableFuture<DebuggerState> cont = client.continueAsync();
    server.nextRequest();
    CompletableFuture<DebuggerState> state =
        CompletableFuture.supplyAsync(() -> client.state(false));
    server.nextRequest();

    long start = System.nanoTime();
    server.drop();

    assertThatThrownBy(() -> cont.get(2, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(DelveException.class)
        .hasMessageStartingWith("delve Command: delve connection closed");
    assertThatThrownBy(() -> state.get(2, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(DelveException.class)
        .hasMessageStartingWith("delve State: delve connection closed");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    // Later calls fail at once too.
    assertThatThrownBy(() -> client.breakpoints())
        .isInstanceOf(DelveException.class)
        .hasMessageContaining("delve connection closed");
  }

  @Test
  void callTimesOutAndALateReplyIsIgnored() {
    client = server.connect("getversion-1.24.0", Duration.ofMillis(200));
    long start = System.nanoTime();
    assertThatThrownBy(() -> client.state(false))
        .isInstanceOf(DelveException.class)
        .hasMessage("delve State: no reply from fake within 200ms");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));

    var late = server.nextRequest();
    server.replyResult(late.id(), "{\"State\":{\"Pid\":1}}");
    var next = CompletableFuture.supplyAsync(() -> client.followExecEnabled());
    server.replyResult(server.nextRequest().id(), "{\"Enabled\":true}");
    assertThat(next.join()).isTrue();
  }

  @Test
  void continueHasNoTimeout() throws Exception {
    client = server.connect("getversion-1.24.0", Duration.ofMillis(100));
    CompletableFuture<DebuggerState> cont = client.continueAsync();
    var request = server.nextRequest();
    Thread.sleep(400);
    assertThat(cont).isNotDone();
    server.reply(request, "command-continue-child");
    assertThat(cont.get(5, TimeUnit.SECONDS).pid()).isEqualTo(16001);
  }

  @Test
  void continueCallbacksMayCallDelveAgain() throws Exception {
    connect();
    // A callback runs off the reader thread; were it on it, this nested call would deadlock.
    CompletableFuture<List<Target>> chained =
        client.continueAsync().thenApply(s -> client.targets());
    server.reply(server.nextRequest(), "command-continue-child");
    server.reply(server.nextRequest(), "listtargets");
    assertThat(chained.get(5, TimeUnit.SECONDS)).hasSize(1);
  }

  @Test
  void closeIsIdempotentAndEndsTheReader() {
    connect();
    CompletableFuture<DebuggerState> cont = client.continueAsync();
    server.nextRequest();

    client.close();
    client.close();

    assertThatThrownBy(cont::join)
        .cause()
        .isInstanceOf(DelveException.class)
        .hasMessage("delve Command: delve connection closed (closed by this client)");
    assertThat(Thread.getAllStackTraces().keySet())
        .noneMatch(t -> t.getName().equals("delve-rpc-reader fake"));
  }

  @Test
  void malformedReplyClosesTheConnection() {
    connect();
    var state = CompletableFuture.supplyAsync(() -> client.state(true));
    server.nextRequest();
    server.send("this is not json");

    assertThatThrownBy(state::join)
        .cause()
        .isInstanceOf(DelveException.class)
        .hasMessageContaining("malformed reply from fake: 'this is not json'");
  }

  @Test
  void unknownStepCommandsAreRejectedWithoutAsking() throws Exception {
    connect();
    assertThatThrownBy(() -> client.command("bogus"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unsupported delve command 'bogus'");
    assertThatThrownBy(() -> client.command("continue"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(server.quietFor(Duration.ofMillis(100))).isTrue();
  }

  @Test
  void createBreakpointSendsTheLocationExpression() {
    connect();
    var creating = CompletableFuture.supplyAsync(() -> client.createBreakpoint("main.childWork"));
    var request = server.nextRequest();
    assertThat(request.method()).isEqualTo("RPCServer.CreateBreakpoint");
    assertThat(request.params())
        .isEqualTo(FakeDelveServer.json("{\"Breakpoint\":{},\"LocExpr\":\"main.childWork\"}"));
    server.reply(request, "createbreakpoint");

    Breakpoint bp = creating.join();
    assertThat(bp)
        .isEqualTo(
            new Breakpoint(1, "", "/tmp/dx/main.go", 9, "main.childWork", List.of(5190606L),
                List.of(15948), 0));
    assertThat(bp.pending()).isFalse();
  }

  @Test
  void unresolvableLocationGivesAPendingBreakpoint() {
    connect();
    var creating =
        CompletableFuture.supplyAsync(() -> client.createBreakpoint("main.nope", "nope"));
    var request = server.nextRequest();
    assertThat(request.params())
        .isEqualTo(
            FakeDelveServer.json("{\"Breakpoint\":{\"name\":\"nope\"},\"LocExpr\":\"main.nope\"}"));
    server.reply(request, "createbreakpoint-pending");

    Breakpoint bp = creating.join();
    assertThat(bp.name()).isEqualTo("nope");
    assertThat(bp.pending()).isTrue();
    assertThat(bp.functionName()).isEmpty();
  }

  @Test
  void breakpointsIncludeDelvesOwn() {
    connect();
    var listing = CompletableFuture.supplyAsync(() -> client.breakpoints());
    var request = server.nextRequest();
    assertThat(request.params()).isEqualTo(FakeDelveServer.json("{\"All\":false}"));
    server.reply(request, "listbreakpoints");

    assertThat(listing.join())
        .extracting(Breakpoint::id, Breakpoint::name)
        .contains(
            org.assertj.core.groups.Tuple.tuple(-1, "unrecovered-panic"),
            org.assertj.core.groups.Tuple.tuple(1, ""));
  }

  @Test
  void goroutinesAndStacktrace() {
    connect();
    var listing = CompletableFuture.supplyAsync(() -> client.goroutines());
    var request = server.nextRequest();
    assertThat(request.params()).isEqualTo(FakeDelveServer.json("{\"Start\":0,\"Count\":0}"));
    server.reply(request, "listgoroutines");
    assertThat(listing.join())
        .hasSize(5)
        .first()
        .isEqualTo(new Goroutine(1, "main.childWork", "/tmp/dx/main.go", 9));

    var stack = CompletableFuture.supplyAsync(() -> client.stacktrace(1, 3));
    request = server.nextRequest();
    assertThat(request.params()).isEqualTo(FakeDelveServer.json("{\"Id\":1,\"Depth\":3}"));
    server.reply(request, "stacktrace");
    assertThat(stack.join())
        .extracting(StackFrame::function)
        .containsExactly("main.childWork", "main.main", "runtime.main");
  }

  @Test
  void goroutinesFollowPaging() {
    connect();
    var listing = CompletableFuture.supplyAsync(() -> client.goroutines());
    server.replyResult(
        server.nextRequest().id(),
        "{\"Goroutines\":[{\"id\":1,\"currentLoc\":{\"file\":\"a.go\",\"line\":1,\"function\":{\"name\":\"main.a\"}}}],\"Nextg\":7}");
    var second = server.nextRequest();
    assertThat(second.params()).isEqualTo(FakeDelveServer.json("{\"Start\":7,\"Count\":0}"));
    server.replyResult(second.id(), "{\"Goroutines\":[{\"id\":9}],\"Nextg\":-1}");

    assertThat(listing.join())
        .containsExactly(new Goroutine(1, "main.a", "a.go", 1), new Goroutine(9, "", "", 0));
  }

  @Test
  void otherRequestShapes() {
    connect();
    var detaching = CompletableFuture.runAsync(() -> client.detach(true));
    var request = server.nextRequest();
    assertThat(request.method()).isEqualTo("RPCServer.Detach");
    assertThat(request.params()).isEqualTo(FakeDelveServer.json("{\"Kill\":true}"));
    server.reply(request, "detach");
    detaching.join();

    var state = CompletableFuture.supplyAsync(() -> client.state(true));
    request = server.nextRequest();
    assertThat(request.params()).isEqualTo(FakeDelveServer.json("{\"NonBlocking\":true}"));
    server.replyResult(request.id(), "{\"State\":{\"Pid\":3,\"Running\":true}}");
    assertThat(state.join()).isEqualTo(new DebuggerState(3, "", true, false, 0, Optional.empty()));

    var stepping = CompletableFuture.supplyAsync(() -> client.command("next"));
    request = server.nextRequest();
    assertThat(request.params()).isEqualTo(FakeDelveServer.json("{\"name\":\"next\"}"));
    server.reply(request, "command-continue-child");
    stepping.join();

    var halting = CompletableFuture.supplyAsync(() -> client.halt());
    request = server.nextRequest();
    assertThat(request.params()).isEqualTo(FakeDelveServer.json("{\"name\":\"halt\"}"));
    server.reply(request, "command-continue-child");
    halting.join();

    var disabling = CompletableFuture.runAsync(() -> client.followExec(false, null));
    request = server.nextRequest();
    assertThat(request.params())
        .isEqualTo(FakeDelveServer.json("{\"Enable\":false,\"Regex\":\"\"}"));
    server.replyResult(request.id(), "{}");
    disabling.join();
  }
}
