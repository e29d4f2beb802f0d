package dev.katadbg.cli;

import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.katadbg.task.TaskClient;
import dev.katadbg.task.TaskJson;
import dev.katadbg.ttrpc.CallOptions;
import dev.katadbg.ttrpc.TtrpcClient;
import dev.katadbg.ttrpc.TtrpcException;
import dev.katadbg.ttrpc.TtrpcStatusException;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "shim", mixinStandardHelpOptions = true,
    description = "Talk to a running shim over its ttrpc socket.",
    subcommands = {ShimCommand.Call.class})
final class ShimCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "call", mixinStandardHelpOptions = true,
      description = {"Send one Task API request to a shim and print the reply as JSON (a curl"
          + " for shims).",
          "Fields use protobuf's JSON names, e.g. katadbg shim call SOCKET State"
              + " '{\"id\":\"c1\"}'. Must run as the shim's uid and gid (its peer check).",
          "Exits 1 with the shim's status (e.g. NOT_FOUND) if it answers with an error."})
  static final class Call implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SOCKET",
        description = "The shim's address: unix:///run/containerd/s/... or a path.")
    String socket;

    @Parameters(index = "1", paramLabel = "METHOD",
        description = "A Task method: State, Create, Start, Delete, Pids, Pause, Resume,"
            + " Checkpoint, Kill, Exec, ResizePty, CloseIO, Update, Wait, Stats, Connect,"
            + " Shutdown.")
    String method;

    @Parameters(index = "2", paramLabel = "JSON", arity = "0..1", defaultValue = "{}",
        description = "The request (default: {}).")
    String json;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", defaultValue = "default",
        description = "Namespace metadata to send (default: ${DEFAULT-VALUE}).")
    String namespace;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = GoDurationConverter.class,
        description = "A deadline, e.g. 5s (default: none; the call waits).")
    Duration timeout;

    @Override
    public Integer call() {
      MethodDescriptor m = TaskJson.method(method).orElseThrow(() -> new CliException(
          ExitCode.USAGE, "no Task method '" + method + "'; one of " + TaskJson.methods()));
      Message req;
      try {
        req = TaskJson.request(m, json);
      } catch (InvalidProtocolBufferException e) {
        throw new CliException(ExitCode.USAGE, "bad " + m.getInputType().getName() + " JSON: "
            + e.getMessage());
      }
      CallOptions opts = CallOptions.none().withNamespace(namespace);
      if (timeout != null) {
        opts = opts.withTimeout(timeout);
      }
      try (TtrpcClient c = TtrpcClient.connect(TaskClient.socketPath(socket))) {
        spec.commandLine().getOut().println(TaskJson.call(c, opts, m, req));
        return ExitCode.OK;
      } catch (TtrpcStatusException e) {
        throw new CliException(ExitCode.FAILURE, m.getName() + ": " + e.getMessage());
      } catch (TtrpcException e) {
        throw new CliException(ExitCode.FAILURE, e.getMessage()
            + " (is the shim running, and are you its uid and gid?)");
      }
    }
  }
}
