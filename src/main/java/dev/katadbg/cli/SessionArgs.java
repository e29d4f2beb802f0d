package dev.katadbg.cli;

import java.util.Optional;
import picocli.CommandLine.Parameters;

/** The SESSION argument of the commands that act on one session, as picocli mixins. */
final class SessionArgs {
  private SessionArgs() {}

  /** SESSION optional: without it, the newest live session. */
  static final class Live {
    @Parameters(paramLabel = "SESSION", arity = "0..1",
        description = "Sandbox id, NAMESPACE/ID or a unique prefix (default: the newest live"
            + " one).")
    String query;

    Optional<String> query() {
      return Optional.ofNullable(query);
    }
  }

  /** SESSION required: the command may act on an ended session too. */
  static final class Any {
    @Parameters(paramLabel = "SESSION",
        description = "Sandbox id, NAMESPACE/ID or a unique prefix.")
    String query;

    String query() {
      return query;
    }
  }
}
