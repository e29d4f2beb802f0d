package dev.katadbg.doctor;

import java.util.Objects;
import java.util.Optional;

/**
 * One line of {@code katadbg doctor}.
 *
 * @param name short stable id, e.g. {@code dlv-version}
 * @param status the verdict
 * @param detail what was found, e.g. the path or version
 * @param fix the exact action that turns a warn or fail into ok; absent for ok
 */
public record CheckResult(String name, Status status, String detail, Optional<String> fix) {
  public CheckResult {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(detail, "detail");
    Objects.requireNonNull(fix, "fix");
    if (status != Status.OK && fix.isEmpty()) {
      throw new IllegalArgumentException(name + ": a " + status.label() + " needs a fix");
    }
  }

  public static CheckResult ok(String name, String detail) {
    return new CheckResult(name, Status.OK, detail, Optional.empty());
  }

  public static CheckResult warn(String name, String detail, String fix) {
    return new CheckResult(name, Status.WARN, detail, Optional.of(fix));
  }

  public static CheckResult fail(String name, String detail, String fix) {
    return new CheckResult(name, Status.FAIL, detail, Optional.of(fix));
  }
}
