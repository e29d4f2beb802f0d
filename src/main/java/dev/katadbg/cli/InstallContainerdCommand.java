package dev.katadbg.cli;

import dev.katadbg.manager.ContainerdInstall;
import dev.katadbg.manager.ContainerdVersion;
import dev.katadbg.manager.ManagerException;
import dev.katadbg.manager.Plan;
import dev.katadbg.manager.RuntimeClassRequest;
import dev.katadbg.manager.ServiceRestart;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "containerd", mixinStandardHelpOptions = true,
    description = {"Add the runtime class to containerd's config.toml.",
        "It keeps the file's comments, layout and the runc runtime.",
        "It links the wrapper where containerd finds it and sets [shim] binary in katadbg's config.",
        "Running it again changes nothing."})
final class InstallContainerdCommand implements Callable<Integer> {
  private final Map<String, String> env;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin Managers.CommonOptions common;

  @Option(names = "--config", defaultValue = "/etc/containerd/config.toml", paramLabel = "FILE",
      description = "containerd's config (default: ${DEFAULT-VALUE}); created if absent.")
  Path config;

  @Option(names = "--runtime-type", defaultValue = RuntimeClassRequest.DEFAULT_RUNTIME_TYPE, paramLabel = "TYPE",
      description = "runtime_type of the class (default: ${DEFAULT-VALUE}, which containerd maps to " + Managers.WRAPPER + ").")
  String runtimeType;

  @Option(names = "--config-version", paramLabel = "2|3",
      description = "Version of a config file katadbg creates. Default: 3 if containerd --version is 2.x, else 2.")
  Integer configVersion;

  @Option(names = "--restart", description = "Restart containerd (systemctl restart containerd) after a change.")
  boolean restart;

  InstallContainerdCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    RuntimeClassRequest request;
    try {
      request = new RuntimeClassRequest(common.runtimeName, runtimeType, Optional.ofNullable(common.copyFrom));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    int version = configVersion != null ? configVersion : ContainerdVersion.detectConfigVersion("containerd");
    if (version != 2 && version != 3) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--config-version must be 2 or 3");
    }
    try {
      Plan plan = new ContainerdInstall(config, request, Optional.ofNullable(common.shim), common.binDir,
          Managers.wrapper(common), Managers.katadbgConfig(common, env), version,
          Managers.shimSearchPath(common.binDir, env)).plan();
      boolean changed = Managers.applyOrShow(plan, Managers.installer(common.stateDir), common.dryRun,
          spec.commandLine().getOut());
      if (changed && restart) {
        ServiceRestart.run("restart", "containerd");
        spec.commandLine().getOut().println("restarted containerd");
      }
    } catch (ManagerException e) {
      throw Managers.failure(e);
    }
    return ExitCode.OK;
  }
}
