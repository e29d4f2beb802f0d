package dev.katadbg.testsupport;

import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Deps finds the real tools tests run against (scripts/setup-env.sh installs them under
 * {@code .deps}). A missing tool skips the test on a developer machine but fails it in CI
 * ({@code CI=true}), where a silent skip would hide that nothing was tested.
 */
public final class Deps {
  private Deps() {}

  /** The {@code .deps} directory: system property {@code katadbg.deps}, else {@code ./.deps}. */
  public static Path root() {
    String configured = System.getProperty("katadbg.deps");
    return (configured != null ? Path.of(configured) : Path.of(".deps")).toAbsolutePath();
  }

  public static boolean ci() {
    return "true".equals(System.getenv("CI"));
  }

  /** {@code root()/relative}, which must exist (see the class comment). */
  public static Path dep(String relative) {
    return require(root().resolve(relative));
  }

  /** {@code file} itself, which must exist (see the class comment). */
  public static Path require(Path file) {
    if (!Files.exists(file)) {
      if (ci()) {
        fail("missing " + file + " (CI=true): run scripts/setup-env.sh");
      }
      assumeTrue(false, "missing " + file + "; run scripts/setup-env.sh");
    }
    return file;
  }

  /** The first of {@code candidates} that exists, else skip or fail as {@link #require}. */
  public static Path requireAny(Path... candidates) {
    for (Path p : candidates) {
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return require(candidates[0]);
  }
}
