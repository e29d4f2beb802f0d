package dev.katadbg.control;

import static dev.katadbg.testenv.PrivateContainerd.uniqueId;
import static dev.katadbg.testenv.WrapperFixture.toml;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.katadbg.delve.DebuggerState;
import dev.katadbg.delve.DelveAddress;
import dev.katadbg.delve.DelveClient;
import dev.katadbg.testenv.CommandResult;
import dev.katadbg.testenv.PrivateContainerd;
import dev.katadbg.testenv.RunningCommand;
import dev.katadbg.testenv.WrapperFixture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.lsp4j.debug.Capabilities;
import org.eclipse.lsp4j.debug.ConfigurationDoneArguments;
import org.eclipse.lsp4j.debug.DisconnectArguments;
import org.eclipse.lsp4j.debug.InitializeRequestArguments;
import org.eclipse.lsp4j.debug.OutputEventArguments;
import org.eclipse.lsp4j.debug.SetBreakpointsArguments;
import org.eclipse.lsp4j.debug.SetBreakpointsResponse;
import org.eclipse.lsp4j.debug.Source;
import org.eclipse.lsp4j.debug.SourceBreakpoint;
import org.eclipse.lsp4j.debug.StackFrame;
import org.eclipse.lsp4j.debug.StackTraceArguments;
import org.eclipse.lsp4j.debug.StoppedEventArguments;
import org.eclipse.lsp4j.debug.TerminatedEventArguments;
import org.eclipse.lsp4j.debug.launch.DSPLauncher;
import org.eclipse.lsp4j.debug.services.IDebugProtocolClient;
import org.eclipse.lsp4j.debug.services.IDebugProtocolServer;
import org.eclipse.lsp4j.jsonrpc.Launcher;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A real Debug Adapter Protocol client (LSP4J's) does what VS Code's Go extension does with
 * {@code "request": "attach", "mode": "remote", "debugAdapter": "dlv-dap"} and the entry
 * {@code katadbg ide vscode} prints: it connects to a wrapper session's headless Delve 1.24
 * (which serves DAP and JSON-RPC on one port, telling them apart by the first byte, 'C' of DAP's
 * Content-Length), attaches, sets source breakpoints by local file and line, and follows the
 * runc shim daemon, while katadbg's JSON-RPC client stays connected.
 *
 * <p>What Delve 1.24 allows, found here: a remote attach halts a running target (so it is made
 * while the shim is stopped), configurationDone continues it unless stopOnEntry, a disconnect
 * without terminateDebuggee leaves it as it was, and new breakpoints can be set only until the
 * shim's start process exits (after that Delve tries the exited process first and fails).
 */
class DapClientIT {
  static final String CREATE =
      "github.com/containerd/containerd/runtime/v2/runc/task.(*service).Create";
  static final String START =
      "github.com/containerd/containerd/runtime/v2/runc/task.(*service).Start";
  static final Duration CALL = Duration.ofSeconds(30);

  static final WrapperFixture fx = WrapperFixture.create("dap");

  @RegisterExtension
  static PrivateContainerd containerd = PrivateContainerd.create()
      .environment(Map.of("KATADBG_CONFIG", fx.config().toString()))
      .removingAfterStop(fx.dir());

  @BeforeAll
  static void linkWrapper() {
    fx.linkWrapper(containerd);
  }

  /** {@code katadbg state --json} once the shim is stopped. */
  static Optional<JsonObject> stopped(String id) {
    JsonObject s = JsonParser.parseString(fx.ok("state", id, "--json").stdout())
        .getAsJsonObject();
    return Optional.of(s).filter(o -> o.get("state").getAsString().equals("stopped"));
  }

  /** The 1-based number of the first line of the body of the function declared by {@code decl}. */
  static int firstBodyLine(Path file, String decl) throws IOException {
    List<String> lines = Files.readAllLines(file);
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith(decl)) {
        assertThat(lines.get(i)).as("a one-line signature").endsWith("{");
        assertThat(lines.get(i + 1).strip()).as("a statement").isNotEmpty().doesNotStartWith("//");
        return i + 2;
      }
    }
    throw new AssertionError(decl + " not found in " + file);
  }

  /** The IDE side: records the events Delve sends. */
  static final class IdeClient implements IDebugProtocolClient {
    final BlockingQueue<StoppedEventArguments> stops = new LinkedBlockingQueue<>();
    final CompletableFuture<Void> initialized = new CompletableFuture<>();
    final CompletableFuture<TerminatedEventArguments> terminated = new CompletableFuture<>();
    final List<String> output = new CopyOnWriteArrayList<>();

    @Override
    public void initialized() {
      initialized.complete(null);
    }

    @Override
    public void stopped(StoppedEventArguments args) {
      stops.add(args);
    }

    @Override
    public void terminated(TerminatedEventArguments args) {
      terminated.complete(args);
    }

    @Override
    public void output(OutputEventArguments args) {
      output.add(args.getOutput());
    }

    StoppedEventArguments nextStop() throws InterruptedException {
      StoppedEventArguments s = stops.poll(WrapperFixture.WAIT.toSeconds(), TimeUnit.SECONDS);
      if (s == null) {
        throw new AssertionError("no stopped event; Delve's output events: " + output);
      }
      return s;
    }
  }

  static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(CALL.toSeconds(), TimeUnit.SECONDS);
  }

  /** A DAP connection that has initialized and attached the way VS Code does. */
  static final class DapSession implements AutoCloseable {
    final Socket socket = new Socket();
    final IdeClient ide = new IdeClient();
    final IDebugProtocolServer dlv;
    final Future<Void> listening;

    /**
     * Connects to the host and port of {@code vscode} (a launch.json entry), initializes and
     * attaches with the entry as the Go extension sends it (substitutePath passed on as is),
     * plus {@code extra} attributes.
     */
    DapSession(JsonObject vscode, Map<String, Object> extra) throws Exception {
      socket.connect(new InetSocketAddress(vscode.get("host").getAsString(),
          vscode.get("port").getAsInt()), 10_000);
      @SuppressWarnings("unchecked")
      Map<String, Object> attach = new Gson().fromJson(vscode, Map.class);
      attach.putAll(extra);
      Launcher<IDebugProtocolServer> launcher = DSPLauncher.createClientLauncher(ide,
          socket.getInputStream(), socket.getOutputStream());
      listening = launcher.startListening();
      dlv = launcher.getRemoteProxy();
      InitializeRequestArguments init = new InitializeRequestArguments();
      init.setClientID("vscode");
      init.setAdapterID("go");
      init.setLinesStartAt1(true);
      init.setColumnsStartAt1(true);
      init.setPathFormat("path");
      Capabilities caps = get(dlv.initialize(init));
      assertThat(caps.getSupportsConfigurationDoneRequest()).isTrue();
      get(dlv.attach(attach));
      get(ide.initialized);
    }

    /** What VS Code's Disconnect sends for an attach: the debuggee is not terminated. */
    void disconnect() throws Exception {
      DisconnectArguments bye = new DisconnectArguments();
      bye.setTerminateDebuggee(false);
      get(dlv.disconnect(bye));
      get(ide.terminated);
    }

    @Override
    public void close() throws IOException {
      listening.cancel(true);
      socket.close();
    }
  }

  static SetBreakpointsArguments sourceBreakpoints(Path file, int... lines) {
    SetBreakpointsArguments a = new SetBreakpointsArguments();
    Source source = new Source();
    source.setPath(file.toString());
    a.setSource(source);
    SourceBreakpoint[] bps = new SourceBreakpoint[lines.length];
    for (int i = 0; i < lines.length; i++) {
      bps[i] = new SourceBreakpoint();
      bps[i].setLine(lines[i]);
    }
    a.setBreakpoints(bps);
    return a;
  }

  static StackFrame topFrame(IDebugProtocolServer dlv, StoppedEventArguments stop)
      throws Exception {
    StackTraceArguments st = new StackTraceArguments();
    st.setThreadId(stop.getThreadId());
    st.setLevels(5);
    return get(dlv.stackTrace(st)).getStackFrames()[0];
  }

  /** The {@code katadbg ide vscode} entry, and the shim's task service file in both trees. */
  record IdeConfig(JsonObject vscode, String serverFile, Path localFile) {}

  /**
   * The configuration {@code katadbg ide vscode} generates for a local checkout of the shim's
   * sources: here a link to the build tree, so breakpoint lines come from the file the IDE would
   * show, and every path on the DAP wire is the local one.
   */
  static IdeConfig ideConfig(String id, String listen, DelveClient rpc) throws IOException {
    Path checkout = fx.dir().resolve("checkout-" + id);
    JsonObject vscode = JsonParser.parseString(fx.ok("ide", "vscode", id, "--source",
        checkout.toString()).stdout()).getAsJsonObject();
    assertThat(vscode.get("host").getAsString() + ":" + vscode.get("port").getAsInt())
        .isEqualTo(listen);
    JsonObject mapping = vscode.getAsJsonArray("substitutePath").get(0).getAsJsonObject();
    assertThat(mapping.get("from").getAsString()).isEqualTo(checkout.toString());
    String buildDir = mapping.get("to").getAsString();
    Files.createSymbolicLink(checkout, Path.of(buildDir));
    List<String> files = rpc.sources("/runtime/v2/runc/task/service\\.go$");
    assertThat(files).hasSize(1);
    String serverFile = files.get(0);
    assertThat(serverFile).startsWith(buildDir + "/");
    return new IdeConfig(vscode, serverFile,
        checkout.resolve(serverFile.substring(buildDir.length() + 1)));
  }

  // wait_for_client = true: the IDE attaches while the daemon is halted before its first
  // instruction (the start process has replied and exited), sets a source breakpoint, and
  // adds another one later, at the stop.
  @Test
  void remoteAttachWhileTheShimWaitsSetsASourceBreakpointThatStopsTheDaemon() throws Exception {
    fx.writeConfig("attach", Map.of("wait_for_client", "true"));
    String id = uniqueId("dap");
    RunningCommand run = containerd.ctrAsync("run", "--rm", "--runtime", WrapperFixture.RUNTIME,
        "--rootfs", containerd.rootfs().toString(), id, "/bin/echo",
        "continued after the DAP client left");
    JsonObject session = fx.awaitSession(id, "waiting");
    int startPid = session.get("startPid").getAsInt();
    String listen = session.get("listen").getAsString();

    // A JSON-RPC client (katadbg's own) stays connected the whole time, as `katadbg connect`
    // or a script would; Delve serves both on the one port.
    try (DelveClient rpc = DelveClient.connect(DelveAddress.parse(listen),
        Duration.ofSeconds(10))) {
      IdeConfig cfg = ideConfig(id, listen, rpc);
      Path localFile = cfg.localFile();
      String serverFile = cfg.serverFile();
      int line = firstBodyLine(localFile, "func (s *service) Start(");
      int deleteLine = firstBodyLine(localFile, "func (s *service) Delete(");

      try (DapSession dap = new DapSession(cfg.vscode(), Map.of())) {
        IDebugProtocolServer dlv = dap.dlv;
        IdeClient ide = dap.ide;
        SetBreakpointsResponse set = get(dlv.setBreakpoints(sourceBreakpoints(localFile, line)));
        assertThat(set.getBreakpoints()).hasSize(1);
        assertThat(set.getBreakpoints()[0].isVerified())
            .as("breakpoint at %s:%d: %s", localFile, line, set.getBreakpoints()[0].getMessage())
            .isTrue();
        assertThat(set.getBreakpoints()[0].getLine()).isEqualTo(line);
        assertThat(set.getBreakpoints()[0].getSource().getPath()).isEqualTo(localFile.toString());

        // As VS Code: configurationDone; without stopOnEntry Delve continues the target, the
        // daemon, which was waiting before its first instruction.
        get(dlv.configurationDone(new ConfigurationDoneArguments()));
        StoppedEventArguments stop = ide.nextStop();
        assertThat(stop.getReason()).as("stopped event %s", stop).isEqualTo("breakpoint");
        StackFrame top = topFrame(dlv, stop);
        // Delve's DAP frames name the function with its package's last element only.
        assertThat(top.getName()).isEqualTo("task.(*service).Start");
        assertThat(top.getSource().getPath()).isEqualTo(localFile.toString());
        assertThat(top.getLine()).isEqualTo(line);

        // The JSON-RPC client sees the same stop: in the daemon, at the DAP breakpoint.
        int shimPid = session.get("shimPid").getAsInt();
        assertThat(shimPid).isNotEqualTo(startPid);
        DebuggerState state = rpc.state(true);
        assertThat(state.pid()).isEqualTo(shimPid);
        assertThat(state.running()).isFalse();
        assertThat(state.currentThread()).get().satisfies(t -> {
          assertThat(t.function()).isEqualTo(START);
          assertThat(t.file()).isEqualTo(serverFile);
          assertThat(t.line()).isEqualTo(line);
        });

        // A new breakpoint at this stop is taken (Delve debugs the daemon alone).
        SetBreakpointsResponse more = get(dlv.setBreakpoints(sourceBreakpoints(localFile, line,
            deleteLine)));
        assertThat(more.getBreakpoints()[0].isVerified()).isTrue();
        assertThat(more.getBreakpoints()[1].isVerified())
            .as("%s", more.getBreakpoints()[1].getMessage()).isTrue();
        SetBreakpointsResponse back = get(dlv.setBreakpoints(sourceBreakpoints(localFile, line)));
        assertThat(back.getBreakpoints()).hasSize(1);

        dap.disconnect();
        assertThat(String.join("", ide.output)).contains("Closing client session, but leaving"
            + " multi-client DAP server at " + listen + " with debuggee halted");

        // The shim was left as it was (halted at the DAP breakpoint), Delve still serves it,
        // and the scripted commands take over.
        assertThat(ProcessHandle.of(shimPid).map(ProcessHandle::isAlive)).as("the shim after"
            + " the DAP disconnect").contains(true);
        CommandResult after = fx.ok("state", id);
        assertThat(after.stdout()).startsWith("pid " + shimPid + " stopped at breakpoint ")
            .contains(START + "() ").contains("/service.go:" + line + " ");
        assertThat(fx.ok("continue", id).stdout()).matches("continued(; process "
            + shimPid + " exited with status 0)?\n");
      }
    }
    CommandResult done = fx.finish(run);
    assertThat(done.exitCode()).as(done.describe()).isZero();
    assertThat(done.stdout()).isEqualTo("continued after the DAP client left\n");
  }

  // wait_for_client = false and [debugger] breakpoints on Create: the IDE attaches while the
  // daemon is stopped there. It sees the stop (with stopOnEntry: without it, configurationDone
  // continues the daemon at once) and adds breakpoints, as katadbg's own client does.
  @Test
  void remoteAttachAtAConfiguredBreakpointSeesTheStopAndAddsBreakpoints() throws Exception {
    fx.writeConfig("stopped", Map.of("wait_for_client", "false",
        "breakpoints", "[" + toml(CREATE) + "]"));
    String id = uniqueId("dapbp");
    RunningCommand run = containerd.ctrAsync("run", "--rm", "--runtime", WrapperFixture.RUNTIME,
        "--rootfs", containerd.rootfs().toString(), id, "/bin/echo", "past Create");
    JsonObject session = fx.awaitSession(id, "running");
    int shimPid = session.get("shimPid").getAsInt();
    int startPid = session.get("startPid").getAsInt();
    String listen = session.get("listen").getAsString();
    JsonObject atCreate = fx.await("the stop at Create", () -> stopped(id));
    assertThat(atCreate.get("function").getAsString()).isEqualTo(CREATE);
    assertThat(atCreate.get("pid").getAsInt()).isEqualTo(shimPid);

    try (DelveClient rpc = DelveClient.connect(DelveAddress.parse(listen),
        Duration.ofSeconds(10))) {
      IdeConfig cfg = ideConfig(id, listen, rpc);
      assertThat(atCreate.get("file").getAsString()).isEqualTo(cfg.serverFile());
      int deleteLine = firstBodyLine(cfg.localFile(), "func (s *service) Delete(");

      CommandResult brk = fx.katadbg("break", id, cfg.serverFile() + ":" + deleteLine);
      assertThat(brk.exitCode()).as(brk.describe()).isZero();
      assertThat(startPid).isNotEqualTo(shimPid);

      int startLine = firstBodyLine(cfg.localFile(), "func (s *service) Start(");
      try (DapSession dap = new DapSession(cfg.vscode(), Map.of("stopOnEntry", true))) {
        SetBreakpointsResponse set = get(dap.dlv.setBreakpoints(
            sourceBreakpoints(cfg.localFile(), startLine)));
        assertThat(set.getBreakpoints()[0].isVerified())
            .as("%s", set.getBreakpoints()[0].getMessage()).isTrue();

        get(dap.dlv.configurationDone(new ConfigurationDoneArguments()));
        StoppedEventArguments entry = dap.ide.nextStop();
        assertThat(entry.getReason()).isEqualTo("entry");
        // Delve names the stopped goroutine's thread "* [Go N] ..."; its top frame is Create,
        // shown at the local path.
        org.eclipse.lsp4j.debug.Thread selected = java.util.Arrays.stream(get(dap.dlv.threads()).getThreads())
            .filter(t -> t.getName().startsWith("* ")).findFirst().orElseThrow();
        StackTraceArguments st = new StackTraceArguments();
        st.setThreadId(selected.getId());
        st.setLevels(3);
        StackFrame top = get(dap.dlv.stackTrace(st)).getStackFrames()[0];
        assertThat(top.getName()).isEqualTo("task.(*service).Create");
        assertThat(top.getSource().getPath()).isEqualTo(cfg.localFile().toString());
        assertThat(top.getLine()).isEqualTo(atCreate.get("line").getAsInt());
        assertThat(run.isAlive()).as("ctr waits while the shim sits at Create").isTrue();
        dap.disconnect();
      }
      // The breakpoints added above would stop the container on its way: only Create stays.
      for (dev.katadbg.delve.Breakpoint b : rpc.breakpoints()) {
        if (b.id() > 0 && !b.functionName().equals(CREATE)) {
          rpc.clearBreakpoint(b.id());
        }
      }
    }
    assertThat(fx.ok("state", id).stdout()).startsWith("pid " + shimPid
        + " stopped at breakpoint ").contains(CREATE + "() ");
    fx.ok("continue", id);
    CommandResult done = fx.finish(run);
    assertThat(done.exitCode()).as(done.describe()).isZero();
    assertThat(done.stdout()).isEqualTo("past Create\n");
  }
}
