package dev.katadbg.cli;

import dev.katadbg.manager.RuntimeClassManifest;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "kubernetes", mixinStandardHelpOptions = true,
    description = {"Print the RuntimeClass manifest for the handler.", "Apply it with kubectl apply -f -.",
        "Pods then select it with spec.runtimeClassName."})
final class InstallKubernetesCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--runtime-name", defaultValue = "katadbg", paramLabel = "HANDLER",
      description = "The handler installed into containerd or CRI-O (default: ${DEFAULT-VALUE}).")
  String handler;

  @Option(names = "--name", paramLabel = "NAME", description = "The RuntimeClass's name (default: the handler).")
  String name;

  @Override
  public Integer call() {
    try {
      spec.commandLine().getOut().print(RuntimeClassManifest.yaml(name != null ? name : handler, handler));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    return ExitCode.OK;
  }
}
