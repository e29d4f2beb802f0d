package dev.katadbg.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import dev.katadbg.discovery.Shim;
import dev.katadbg.discovery.ShimJson;
import dev.katadbg.session.Session;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "ps", mixinStandardHelpOptions = true,
    description = {"List the containerd shim v2 daemons running on this host, from /proc.",
        "For each: runtime, pid, namespace, sandbox id, the containers it serves, socket,",
        "bundle, binary, whether it has DWARF, and the katadbg session attached to it."})
final class PsCommand implements Callable<Integer> {
  private final Map<String, String> env;

  @Spec CommandSpec spec;

  @Option(names = "--json", description = "Print a JSON array of shim objects.")
  boolean json;

  PsCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    List<Shim> shims = Shims.find(env);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      JsonArray a = new JsonArray();
      shims.forEach(s -> a.add(ShimJson.toJson(s)));
      out.println(new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(a));
      return ExitCode.OK;
    }
    if (shims.isEmpty()) {
      out.println("no shim v2 daemons running");
      return ExitCode.OK;
    }
    String fmt = "%-8s %-24s %-10s %-26s %-5s %s%n";
    out.printf(fmt, "PID", "RUNTIME", "NAMESPACE", "ID", "DWARF", "SESSION");
    for (Shim s : shims) {
      out.printf(fmt, s.pid(), s.runtime(), s.namespace(), s.id(),
          s.dwarf().map(d -> d ? "yes" : "no").orElse("?"), session(s));
      out.println("         containers: " + String.join(" ", s.containers()));
      out.println("         socket: " + s.socket().orElse("?") + "  bundle: "
          + s.bundle().map(Object::toString).orElse("?"));
      out.println("         binary: " + s.binary()
          + (s.address().isEmpty() ? "  (no -address: CRI-O)" : ""));
    }
    return ExitCode.OK;
  }

  private static String session(Shim s) {
    if (s.session().isPresent()) {
      Session x = s.session().get();
      return "session: " + x.listen();
    }
    return s.tracerPid() != 0 ? "traced by pid " + s.tracerPid() : "-";
  }
}
