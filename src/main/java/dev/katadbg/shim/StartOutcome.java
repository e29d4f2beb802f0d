package dev.katadbg.shim;

import java.util.Optional;

/**
 * What the wrapper answers the runtime manager: the shim's own stdout and stderr bytes and exit
 * status, exactly; or katadbg's one-line reason, which containerd shows as the container's
 * error; or, when the debugger could not be set up before the shim ran and the config says so,
 * "run the real shim instead".
 */
record StartOutcome(byte[] reply, byte[] stderr, int exitCode, Optional<String> error,
    boolean withoutDebugger) {
  private static final byte[] NONE = new byte[0];

  static StartOutcome replied(byte[] reply) {
    return new StartOutcome(reply, NONE, 0, Optional.empty(), false);
  }

  /** The shim's start failed by itself: its words and status reach the caller unchanged. */
  static StartOutcome shimFailed(byte[] stdout, byte[] stderr, int exitCode) {
    return new StartOutcome(stdout, stderr, exitCode == 0 ? 1 : exitCode, Optional.empty(),
        false);
  }

  static StartOutcome failed(int exitCode, String reason) {
    return new StartOutcome(NONE, NONE, exitCode, Optional.of(reason), false);
  }

  static StartOutcome runWithoutDebugger() {
    return new StartOutcome(NONE, NONE, 0, Optional.empty(), true);
  }
}
