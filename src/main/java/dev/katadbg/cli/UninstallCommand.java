package dev.katadbg.cli;

import dev.katadbg.manager.ContainerdInstall;
import dev.katadbg.manager.CrioInstall;
import dev.katadbg.manager.Installer;
import dev.katadbg.manager.ManagerException;
import dev.katadbg.manager.ServiceRestart;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "uninstall", mixinStandardHelpOptions = true,
    description = {"Undo katadbg install: restore every file it changed byte for byte and remove what it added.",
        "Refuses, changing nothing, if a file was modified after katadbg wrote it."})
final class UninstallCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "MANAGER", description = "containerd or crio")
  String manager;

  @Option(names = "--config", paramLabel = "FILE",
      description = "containerd's config the install changed (default: /etc/containerd/config.toml).")
  Path config;

  @Option(names = "--dir", paramLabel = "DIR",
      description = "CRI-O's drop-in directory the install wrote to (default: /etc/crio/crio.conf.d).")
  Path dir;

  @Option(names = "--state-dir", paramLabel = "DIR",
      description = "Where the install kept its record (default: /var/lib/katadbg/install).")
  Path stateDir;

  @Option(names = "--dry-run", description = "Print what would be restored; change nothing.")
  boolean dryRun;

  @Option(names = "--restart", description = "Restart containerd / reload CRI-O (systemctl) afterwards.")
  boolean restart;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    String kind;
    Path target;
    switch (manager) {
      case "containerd" -> {
        kind = ContainerdInstall.KIND;
        target = (config != null ? config : Path.of("/etc/containerd/config.toml")).toAbsolutePath();
      }
      case "crio" -> {
        kind = CrioInstall.KIND;
        target = (dir != null ? dir : Path.of(CrioInstall.DEFAULT_DIR)).toAbsolutePath();
      }
      default -> throw new CommandLine.ParameterException(spec.commandLine(),
          "unknown runtime manager '" + manager + "': containerd or crio");
    }
    Installer installer = Managers.installer(stateDir);
    try {
      Installer.Undo undo = installer.uninstall(kind, target, dryRun);
      if (dryRun) {
        out.print(undo.diff());
        undo.actions().forEach(a -> out.println("# would " + a));
        return ExitCode.OK;
      }
      undo.actions().forEach(out::println);
      if (restart) {
        if (kind.equals(ContainerdInstall.KIND)) {
          ServiceRestart.run("restart", "containerd");
        } else {
          ServiceRestart.run("reload", "crio");
        }
      }
    } catch (ManagerException e) {
      throw Managers.failure(e);
    }
    return ExitCode.OK;
  }
}
