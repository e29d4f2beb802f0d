package dev.katadbg.doctor;

/** One thing a debug setup needs. Checks read the host through the {@link Host} they are given. */
public interface Check {
  /** The check's id, printed first on its line. */
  String name();

  /** Runs the check; never throws for a problem it is meant to find. */
  CheckResult run(Host host);
}
