package dev.katadbg.doctor;

/** katadbg's config file parses and validates, as the wrapper will load it. */
final class ConfigCheck implements Check {
  @Override
  public String name() {
    return "katadbg-config";
  }

  @Override
  public CheckResult run(Host host) {
    var c = host.config();
    if (c.value().isEmpty()) {
      return CheckResult.fail(name(), c.why(), "correct " + host.configFile()
          + " at the line named (see the configuration reference in README.md)");
    }
    var config = c.value().get();
    String from = config.source().map(Object::toString).orElse(host.configFile() + " (absent: defaults)");
    if (config.shimBinary().isEmpty()) {
      return CheckResult.fail(name(), from + " has no [shim] binary",
          "add to " + host.configFile() + ":  [shim]  binary = \"/path/to/containerd-shim-kata-v2\"");
    }
    return CheckResult.ok(name(), from + " valid; shim " + config.shimBinary().get());
  }
}
