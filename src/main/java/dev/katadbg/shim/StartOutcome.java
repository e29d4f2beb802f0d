package dev.katadbg.shim;

import java.util.Optional;

/**
 * What the wrapper answers the runtime manager: the shim's reply bytes exactly, and an exit
 * status; on failure a one-line reason, which containerd shows as the container's error. Or,
 * when the debugger could not be set up and the config says so, "run the real shim instead".
 */
record StartOutcome(byte[] reply, int exitCode, Optional<String> error, boolean withoutDebugger) {
  static StartOutcome replied(byte[] reply) {
    return new StartOutcome(reply, 0, Optional.empty(), false);
  }

  static StartOutcome failed(int exitCode, String reason) {
    return new StartOutcome(new byte[0], exitCode, Optional.of(reason), false);
  }

  static StartOutcome runWithoutDebugger() {
    return new StartOutcome(new byte[0], 0, Optional.empty(), true);
  }
}
