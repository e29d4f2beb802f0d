package dev.katadbg.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "install", mixinStandardHelpOptions = true,
    description = "Add katadbg's runtime class to a runtime manager (undo with katadbg uninstall).",
    subcommands = {InstallContainerdCommand.class, InstallCrioCommand.class, InstallKubernetesCommand.class})
final class InstallCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name the runtime manager: containerd, crio or kubernetes");
  }
}
