package dev.katadbg.session;

/** Where a debug session is in its life; {@code sessions --json} prints these in lower case. */
public enum SessionState {
  /** The wrapper is launching Delve and preparing it. */
  STARTING,
  /** The shim is halted before its first instruction until a client continues it. */
  WAITING,
  /** The shim runs under the debugger (it may be stopped at a breakpoint). */
  RUNNING,
  /** Setting up the debugger failed; {@code reason} says why. */
  FAILED,
  /** The debugger could not be set up and the shim was started without it. */
  PASSTHROUGH,
  /** The debugger was detached or killed by {@code katadbg stop}. */
  STOPPED,
  /** The recorded processes no longer exist. */
  GONE
}
