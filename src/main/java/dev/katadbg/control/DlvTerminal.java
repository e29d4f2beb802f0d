package dev.katadbg.control;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The real {@code dlv connect} terminal client: where it is and how to run it on a session. */
public final class DlvTerminal {
  private DlvTerminal() {}

  /**
   * The dlv to run: the configured {@code [debugger] path} if it names a file, else that name
   * looked up in {@code pathVariable} (the same dlv the wrapper launches, so client and server
   * speak the same version).
   *
   * @throws ControlException if no executable is found
   */
  public static Path locate(String configured, Optional<String> pathVariable) {
    return locate(configured, pathVariable, "[debugger] path",
        "install Delve 1.21+ or set [debugger] path in the katadbg config");
  }

  /** A debugger's client, configured by {@code key}; {@code fix} says what to do without it. */
  public static Path locate(String configured, Optional<String> pathVariable, String key,
      String fix) {
    return dev.katadbg.files.Executables.find(configured, pathVariable.orElse(""))
        .orElseThrow(() -> configured.contains("/")
            ? new ControlException(key + " " + configured + " is not an executable file (" + fix
                + ")")
            : new ControlException("'" + configured + "' is not on PATH (" + fix + ")"));
  }

  /** {@code dlv connect ADDRESS}: the server already has the daemon, nothing to type first. */
  public static List<String> command(Path dlv, String listen) {
    return List.of(dlv.toString(), "connect", listen);
  }
}
