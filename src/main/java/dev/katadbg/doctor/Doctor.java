package dev.katadbg.doctor;

import java.util.List;

/** Runs every check in order; the report is what {@code katadbg doctor} prints. */
public final class Doctor {
  private final List<Check> checks;

  public Doctor(List<Check> checks) {
    this.checks = List.copyOf(checks);
  }

  /** The standard checks, in the order a user fixes them. */
  public static Doctor standard() {
    return new Doctor(List.of(new ConfigCheck(), new DlvFoundCheck(), new GdbFoundCheck(), new ExecWatcherCheck(),
        new ClassCacheCheck(),
        new ShimDebugInfoCheck(), new ShimBuildFlagsCheck(), new ShimGoVersionCheck(),
        new PtraceCheck(), new WrapperCheck(), new RuntimeClassCheck(), new ListenCheck(),
        new StateDirCheck()));
  }

  /** The outcome of every check. */
  public record Report(List<CheckResult> results) {
    public Report {
      results = List.copyOf(results);
    }

    public boolean failed() {
      return results.stream().anyMatch(r -> r.status() == Status.FAIL);
    }

    public java.util.Optional<CheckResult> result(String name) {
      return results.stream().filter(r -> r.name().equals(name)).findFirst();
    }
  }

  public Report run(DoctorOptions options) {
    Host host = new Host(options);
    return new Report(checks.stream().map(c -> {
      try {
        return c.run(host);
      } catch (RuntimeException e) {
        // A bug in a check must not hide the other checks' results.
        return CheckResult.fail(c.name(), "check crashed: " + e, "report this as a katadbg bug");
      }
    }).toList());
  }
}
