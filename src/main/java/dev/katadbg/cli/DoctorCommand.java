package dev.katadbg.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.katadbg.doctor.CheckResult;
import dev.katadbg.doctor.Doctor;
import dev.katadbg.doctor.DoctorOptions;
import dev.katadbg.doctor.RuntimeManager;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "doctor", mixinStandardHelpOptions = true,
    description = {"Check that a debug setup will work: Delve, the shim's build, ptrace, the"
        + " wrapper, the runtime class, katadbg's config. One line per check; exit status 1"
        + " when any check fails."})
final class DoctorCommand implements Callable<Integer> {
  private final Map<String, String> env;

  @Spec CommandSpec spec;

  @Option(names = "--shim", paramLabel = "BINARY",
      description = "The real shim to check (default: [shim] binary of katadbg's config).")
  Path shim;

  @Option(names = "--runtime-manager", paramLabel = "containerd|crio",
      description = "Which runtime manager starts the shim (default: ${DEFAULT-VALUE}).")
  String manager = "containerd";

  @Option(names = "--runtime-class", paramLabel = "NAME",
      description = "Runtime class / CRI-O handler name (default: ${DEFAULT-VALUE}).")
  String runtimeClass = "katadbg";
  @Mixin HostConfigOptions host;

  @Option(names = "--json", description = "Print a JSON array of {name, status, detail, fix}.")
  boolean json;

  DoctorCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    RuntimeManager rm = switch (manager) {
      case "containerd" -> RuntimeManager.CONTAINERD;
      case "crio", "cri-o" -> RuntimeManager.CRIO;
      default -> throw new CliException(ExitCode.USAGE, "--runtime-manager must be containerd"
          + " or crio, not '" + manager + "'");
    };
    var report = Doctor.standard().run(new DoctorOptions(Optional.ofNullable(shim), rm,
        runtimeClass, host.containerd, host.containerdConfig, host.crioConfig, host.crioDir, env));
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      JsonArray a = new JsonArray();
      report.results().forEach(r -> a.add(toJson(r)));
      out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(a));
    } else {
      int width = TextWrap.width(env);
      for (CheckResult r : report.results()) {
        String head = String.format("%-4s  %-16s  ", r.status().label(), r.name());
        TextWrap.hanging(head, r.detail(), head.length(), width).forEach(out::println);
        r.fix().ifPresent(f -> TextWrap.hanging(" ".repeat(head.length()) + "-> fix: ", f,
            head.length() + 7, width).forEach(out::println));
      }
    }
    out.flush();
    return report.failed() ? ExitCode.FAILURE : ExitCode.OK;
  }

  static JsonObject toJson(CheckResult r) {
    JsonObject o = new JsonObject();
    o.addProperty("name", r.name());
    o.addProperty("status", r.status().label());
    o.addProperty("detail", r.detail());
    r.fix().ifPresent(f -> o.addProperty("fix", f));
    return o;
  }
}
