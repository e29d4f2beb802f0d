package dev.katadbg.shim;

import dev.katadbg.proc.ProcessInfo;
import dev.katadbg.proc.Processes;
import dev.katadbg.session.Session.ProcessRef;
import java.util.Objects;
import java.util.Optional;

/**
 * Who a start is for: the wrapper, the process the runtime manager ran and waits for (this JVM,
 * or katadbg's native front when a resident katadbg serves the start), and that runtime manager.
 * The session is the wrapper's while it starts, its guard watches the wrapper, and the manager
 * tells later whether anyone still waits for a halted daemon; neither is the serving JVM.
 */
record Caller(ProcessRef wrapper, Optional<ProcessRef> manager) {
  Caller {
    Objects.requireNonNull(wrapper, "wrapper");
    Objects.requireNonNull(manager, "manager");
  }

  /** This JVM as the wrapper. */
  static Caller self(Processes processes) {
    return of((int) ProcessHandle.current().pid(), processes);
  }

  /**
   * The process {@code pid} as the wrapper, its identity read now; a wrapper already gone (its
   * caller gave up) is recorded with start time 0, which no live process has.
   */
  static Caller of(int pid, Processes processes) {
    Optional<ProcessInfo> me = processes.get(pid);
    ProcessRef wrapper = me.map(i -> new ProcessRef(i.pid(), i.startTime()))
        .orElse(new ProcessRef(pid, 0));
    Optional<ProcessRef> manager = me.flatMap(i -> processes.get(i.ppid()))
        .map(i -> new ProcessRef(i.pid(), i.startTime()));
    return new Caller(wrapper, manager);
  }
}
