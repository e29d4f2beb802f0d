package dev.katadbg.timeouts;

import java.util.List;

/** The settings the chain reads and raises, with the defaults they have when not written. */
final class Keys {
  private Keys() {}

  static final String SHIM_LOAD = "io.containerd.timeout.shim.load";
  static final String SHIM_CLEANUP = "io.containerd.timeout.shim.cleanup";
  static final String SHIM_SHUTDOWN = "io.containerd.timeout.shim.shutdown";
  static final String TASK_STATE = "io.containerd.timeout.task.state";
  static final String SHIMSTATS = "io.containerd.timeout.metrics.shimstats";

  /** containerd [timeouts] keys and defaults (runtime/v2/shim.go, services/tasks/local.go). */
  static final List<String[]> CONTAINERD = List.of(
      new String[] {SHIM_LOAD, "5s"},
      new String[] {SHIM_CLEANUP, "5s"},
      new String[] {SHIM_SHUTDOWN, "3s"},
      new String[] {TASK_STATE, "2s"},
      new String[] {SHIMSTATS, "2s"});

  /**
   * Raised for a session: calls containerd makes to a shim that may be halted in Delve.
   * shim.load is not: containerd loads shims one after another while it starts, so a halted
   * shim would delay containerd's start by the whole raised value.
   */
  static final List<String> CONTAINERD_RAISED = List.of(SHIM_CLEANUP, SHIM_SHUTDOWN, TASK_STATE);

  static final String CRIO_CREATE = "container_create_timeout";

  /** Kata Go runtime: {table path..., key, default, unit}. Seconds. */
  static final List<String> KATA_CREATE = List.of("runtime", "create_container_timeout");
  static final String KATA_CREATE_DEFAULT = "60";
  static final List<String> KATA_DIAL = List.of("agent", "kata", "dial_timeout");
  static final String KATA_DIAL_DEFAULT = "30";

  /** runtime-rs, milliseconds, in [agent.kata]. */
  static final List<String> RS_REQUEST = List.of("agent", "kata", "request_timeout_ms");
  static final String RS_REQUEST_DEFAULT = "30000";
  static final List<String> RS_RECONNECT = List.of("agent", "kata", "reconnect_timeout_ms");
  static final String RS_RECONNECT_DEFAULT = "3000";
}
