package dev.katadbg.cli;

import dev.katadbg.manager.CrioInstall;
import dev.katadbg.manager.ManagerException;
import dev.katadbg.manager.Plan;
import dev.katadbg.manager.ServiceRestart;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "crio", mixinStandardHelpOptions = true,
    description = {"Write a CRI-O drop-in with a handler that runs the wrapper.",
        "A runtime_type \"vm\" handler, its settings copied from an existing Kata handler and checked",
        "against what CRI-O rejects, in a drop-in that sorts after the file it copies from."})
final class InstallCrioCommand implements Callable<Integer> {
  private final Map<String, String> env;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin Managers.CommonOptions common;

  @Option(names = "--dir", defaultValue = CrioInstall.DEFAULT_DIR, paramLabel = "DIR",
      description = "CRI-O's drop-in directory (default: ${DEFAULT-VALUE}).")
  Path dir;

  @Option(names = "--crio-config", defaultValue = CrioInstall.DEFAULT_MAIN, paramLabel = "FILE",
      description = "CRI-O's main config, read for existing handlers (default: ${DEFAULT-VALUE}).")
  Path crioConfig;

  @Option(names = "--file-name", paramLabel = "NAME",
      description = "The drop-in's file name (default: 99-<runtime name>.conf, after the files it depends on).")
  String fileName;

  @Option(names = "--runtime-config-path", paramLabel = "FILE",
      description = "The Kata configuration.toml for the shim (default: the Kata handler's runtime_config_path).")
  Path runtimeConfigPath;

  @Option(names = "--runtime-root", paramLabel = "DIR",
      description = "runtime_root (default: the Kata handler's, else /run/vc).")
  Path runtimeRoot;

  @Option(names = "--reload", description = "Reload CRI-O (systemctl reload crio) after a change.")
  boolean reload;

  InstallCrioCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    CrioInstall install;
    try {
      install = new CrioInstall(dir, crioConfig, common.runtimeName, Optional.ofNullable(common.copyFrom),
          Optional.ofNullable(fileName), Optional.ofNullable(runtimeConfigPath), Optional.ofNullable(runtimeRoot),
          Optional.ofNullable(common.shim), common.binDir, Managers.wrapper(common), Managers.katadbgConfig(common, env));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    try {
      Plan plan = install.plan();
      boolean changed = Managers.applyOrShow(plan, Managers.installer(common.stateDir), common.dryRun,
          spec.commandLine().getOut());
      if (changed && reload) {
        ServiceRestart.run("reload", "crio");
        spec.commandLine().getOut().println("reloaded crio");
      }
    } catch (ManagerException e) {
      throw Managers.failure(e);
    }
    return ExitCode.OK;
  }
}
