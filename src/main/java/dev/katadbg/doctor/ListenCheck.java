package dev.katadbg.doctor;

import dev.katadbg.config.KatadbgConfig;
import dev.katadbg.config.ListenPolicy;
import dev.katadbg.delve.Semver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;

/** The [debugger] listen policy can be used: bindable, loopback or knowingly remote, unix with a new enough Delve. */
final class ListenCheck implements Check {
  /** {@code --listen unix:/path} arrived in Delve 1.22.1. */
  static final Semver UNIX_LISTEN_SINCE = new Semver(1, 22, 1);

  @Override
  public String name() {
    return "listen";
  }

  @Override
  public CheckResult run(Host host) {
    var config = host.config().value();
    if (config.isEmpty()) {
      return CheckResult.fail(name(), "config invalid: " + host.config().why(),
          "correct " + host.configFile());
    }
    ListenPolicy policy = config.map(KatadbgConfig::debugger).get().listen();
    if (policy instanceof ListenPolicy.Tcp tcp) {
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(tcp.host(), tcp.port()));
      } catch (IOException e) {
        return CheckResult.fail(name(), "cannot listen on " + tcp.text() + ": " + e.getMessage(),
            "set [debugger] listen = \"127.0.0.1:0\" (a free loopback port per session)");
      }
      if (tcp.isRemote()) {
        return CheckResult.warn(name(), tcp.text() + " is reachable from other hosts: anyone"
            + " who connects controls a root process", "set [debugger] listen = \"127.0.0.1:0\""
            + " and reach it through ssh -L");
      }
      if (!tcp.picksFreePort()) {
        return CheckResult.warn(name(), tcp.text() + " is free now, but a fixed port serves only"
            + " one sandbox at a time", "set [debugger] listen = \"127.0.0.1:0\"");
      }
      return CheckResult.ok(name(), tcp.text() + " (loopback, a free port per session)");
    }
    ListenPolicy.Unix unix = (ListenPolicy.Unix) policy;
    // gdb sessions serve the socket through katadbg's own relay, whatever the Delve.
    boolean gdb = host.debuggerKind().value().orElse(null) == KatadbgConfig.Kind.GDB;
    var v = host.dlvVersion().value();
    if (!gdb && v.isPresent() && !v.get().atLeast(UNIX_LISTEN_SINCE)) {
      return CheckResult.fail(name(), unix.text() + " needs Delve " + UNIX_LISTEN_SINCE + "+,"
          + " found " + v.get(), "install a newer Delve or set [debugger] listen = \"127.0.0.1:0\"");
    }
    if (unix.path().isPresent()) {
      var parent = unix.path().get().getParent();
      if (parent == null || !Files.isDirectory(parent)) {
        return CheckResult.fail(name(), "directory of " + unix.text() + " does not exist",
            "create " + parent + " (0700) or use listen = \"unix:\"");
      }
    }
    return CheckResult.ok(name(), unix.text() + (unix.path().isEmpty()
        ? (gdb ? "gdb.sock" : "dlv.sock") + " in each session's 0700 directory" : ""));
  }
}
