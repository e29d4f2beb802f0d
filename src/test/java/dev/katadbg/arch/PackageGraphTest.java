package dev.katadbg.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * katadbg's packages depend on each other one way: the graph of their imports (and of names
 * they use fully qualified) has no cycle, and the start path's packages do not depend on the
 * command line. Read from the sources, so a new edge shows here before it settles in.
 */
class PackageGraphTest {
  static final Path MAIN = Path.of("src/main/java/dev/katadbg");
  static final Pattern USE = Pattern.compile("\\bdev\\.katadbg\\.([a-z][a-z0-9]*)\\.[A-Z]");

  static Map<String, Set<String>> graph() {
    Map<String, Set<String>> g = new TreeMap<>();
    try (Stream<Path> files = Files.walk(MAIN)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        String pkg = MAIN.relativize(f.getParent()).toString().split("/")[0];
        Set<String> deps = g.computeIfAbsent(pkg, k -> new TreeSet<>());
        Matcher m = USE.matcher(Files.readString(f));
        while (m.find()) {
          if (!m.group(1).equals(pkg)) {
            deps.add(m.group(1));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return g;
  }

  /** A cycle through {@code from}, as a path of packages, if there is one. */
  static List<String> cycleFrom(String from, Map<String, Set<String>> g) {
    Deque<List<String>> todo = new ArrayDeque<>();
    todo.add(List.of(from));
    Set<String> seen = new TreeSet<>();
    while (!todo.isEmpty()) {
      List<String> path = todo.poll();
      for (String next : g.getOrDefault(path.get(path.size() - 1), Set.of())) {
        List<String> longer = new ArrayList<>(path);
        longer.add(next);
        if (next.equals(from)) {
          return longer;
        }
        if (seen.add(next)) {
          todo.add(longer);
        }
      }
    }
    return List.of();
  }

  @Test
  void thePackagesFormNoCycle() {
    Map<String, Set<String>> g = graph();
    assertThat(g).containsKeys("cli", "shim", "session", "delve", "shimargs");
    for (String p : g.keySet()) {
      assertThat(cycleFrom(p, g)).as("a cycle through " + p + " in " + g).isEmpty();
    }
  }

  @Test
  void theStartPathAndTheProtocolsDoNotDependOnTheCommandLine() {
    Map<String, Set<String>> g = graph();
    for (String p : List.of("shim", "handoff", "delve", "gdb", "session", "discovery", "ttrpc",
        "shimargs", "config", "proc")) {
      assertThat(g.get(p)).as(p + " depends on").doesNotContain("cli");
    }
    assertThat(g.get("discovery")).as("discovery reads shim command lines through shimargs")
        .doesNotContain("shim");
    assertThat(g.get("shimargs")).as("shimargs depends on nothing of katadbg").isEmpty();
    assertThat(g.get("gdb")).as("gdb's quirks stay in gdb, which depends only on proc (how a"
        + " debugger starts in the background)").isSubsetOf("proc");
    assertThat(g.get("proc")).as("proc depends on nothing of katadbg").isEmpty();
    assertThat(g.get("files")).as("files depends on nothing of katadbg").isEmpty();
  }

  @Test
  void aCycleIsFound() {
    Map<String, Set<String>> g = Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"));
    assertThat(cycleFrom("a", g)).containsExactly("a", "b", "c", "a");
    assertThat(cycleFrom("a", Map.of("a", Set.of("b"), "b", Set.of()))).isEmpty();
  }
}
