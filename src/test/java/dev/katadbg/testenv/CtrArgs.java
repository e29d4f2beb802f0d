package dev.katadbg.testenv;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Command lines for ctr against one private containerd.
 *
 * <p>Subcommands that create IO FIFOs ({@code run}, {@code tasks start}, {@code tasks exec})
 * get {@code --fifo-dir} inside the private base directory: ctr puts them in the shared
 * /run/containerd/fifo otherwise, and a ctr killed at the end of a test (one blocked on a shim
 * paused in the debugger) never removes them.
 */
final class CtrArgs {

  /** ctr's global flags that take a value (urfave/cli also accepts {@code --flag=value}). */
  private static final Set<String> GLOBAL_FLAGS_WITH_VALUE =
      Set.of("-a", "--address", "-n", "--namespace", "--timeout", "--connect-timeout");
  private static final Set<String> TASKS = Set.of("tasks", "task", "t");
  private static final Set<String> TASK_SUBCOMMANDS_WITH_FIFOS = Set.of("start", "exec");

  private CtrArgs() {}

  static List<String> command(Path ctr, Path socket, Path fifoDir, String... args) {
    List<String> command = new ArrayList<>(List.of(ctr.toString(), "-a", socket.toString()));
    command.addAll(withFifoDir(Arrays.asList(args), fifoDir));
    return command;
  }

  /** {@code args} with {@code --fifo-dir DIR} right after the subcommand when it makes FIFOs. */
  static List<String> withFifoDir(List<String> args, Path fifoDir) {
    if (args.contains("--fifo-dir") || args.stream().anyMatch(a -> a.startsWith("--fifo-dir="))) {
      return args;
    }
    int i = 0;
    while (i < args.size() && args.get(i).startsWith("-")) {
      i += GLOBAL_FLAGS_WITH_VALUE.contains(args.get(i)) ? 2 : 1;
    }
    int insertAt;
    if (i < args.size() && args.get(i).equals("run")) {
      insertAt = i + 1;
    } else if (i + 1 < args.size() && TASKS.contains(args.get(i))
        && TASK_SUBCOMMANDS_WITH_FIFOS.contains(args.get(i + 1))) {
      insertAt = i + 2;
    } else {
      return args;
    }
    List<String> result = new ArrayList<>(args.subList(0, insertAt));
    result.add("--fifo-dir");
    result.add(fifoDir.toString());
    result.addAll(args.subList(insertAt, args.size()));
    return result;
  }
}
