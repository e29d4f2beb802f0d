package dev.katadbg.testenv;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * ctr against one private containerd: every call gets {@code -a SOCKET}, the private FIFO
 * directory (see {@link CtrArgs}), {@code PATH} alone as environment (no {@code
 * CONTAINERD_NAMESPACE} or {@code CONTAINERD_ADDRESS} from the build's shell) and its output in
 * numbered files. Remembers the commands it started so that none outlives the containerd.
 */
final class Ctr {

  private final Path ctr;
  private final Path socket;
  private final Path fifoDir;
  private final Path outputDir;
  private final List<RunningCommand> started = new ArrayList<>();
  private int count;

  Ctr(Path ctr, Path socket, Path fifoDir, Path outputDir) {
    this.ctr = ctr;
    this.socket = socket;
    this.fifoDir = fifoDir;
    this.outputDir = outputDir;
  }

  synchronized RunningCommand start(String... args) {
    List<String> command = CtrArgs.command(ctr, socket, fifoDir, args);
    String subcommand = args.length > 0 ? args[0].replaceAll("[^a-z]", "") : "";
    RunningCommand running = RunningCommand.start(command, Map.of("PATH", TestEnv.SYSTEM_PATH),
        outputDir.resolve(String.format("%03d-ctr-%s", ++count, subcommand)));
    started.removeIf(c -> !c.isAlive());
    started.add(running);
    return running;
  }

  /** Runs ctr to its end; fails the test, after killing ctr, if that takes longer than {@code timeout}. */
  CommandResult run(Duration timeout, String... args) {
    try (RunningCommand command = start(args)) {
      Optional<CommandResult> result = command.tryWait(timeout);
      if (result.isEmpty()) {
        throw new AssertionError("timed out after " + timeout + ": " + command.kill().describe());
      }
      return result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running ctr " + String.join(" ", args), e);
    }
  }

  /** Kills every ctr started here that still runs (e.g. a {@code ctr run} blocked on a shim). */
  synchronized void killAll() {
    started.forEach(RunningCommand::close);
    started.clear();
  }

  /**
   * Deletes every task (killing its processes) and every container in every namespace (CRI uses
   * k8s.io), so shims exit by themselves. Best effort: each request may fail or hang until
   * {@code timeout} (a stopped shim answers nothing); what is left is the Reaper's.
   */
  void deleteEverything(Duration timeout) {
    CommandResult namespaces = run(timeout, "namespaces", "ls", "-q");
    if (!namespaces.succeeded()) {
      return;
    }
    for (String ns : words(namespaces)) {
      for (String task : words(run(timeout, "-n", ns, "tasks", "ls", "-q"))) {
        // --force kills the task's processes and waits for them before deleting.
        runQuietly(timeout, "-n", ns, "tasks", "delete", "--force", task);
      }
      for (String container : words(run(timeout, "-n", ns, "containers", "ls", "-q"))) {
        runQuietly(timeout, "-n", ns, "containers", "delete", container);
      }
    }
  }

  private void runQuietly(Duration timeout, String... args) {
    try {
      run(timeout, args);
    } catch (AssertionError timedOut) {
      System.err.println("[PrivateContainerd] cleanup: " + timedOut.getMessage());
    }
  }

  private static List<String> words(CommandResult result) {
    String out = result.stdout().strip();
    return !result.succeeded() || out.isEmpty() ? List.of() : List.of(out.split("\\s+"));
  }
}
