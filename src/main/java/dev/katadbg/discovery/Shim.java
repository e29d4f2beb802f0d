package dev.katadbg.discovery;

import dev.katadbg.session.Session;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One running shim v2 daemon as procfs and its bundle show it.
 *
 * @param pid the daemon's pid
 * @param startTime its kernel start time (clock ticks since boot), so a reused pid is never
 *     mistaken for it
 * @param runtime the runtime type its binary name stands for: {@code containerd-shim-runc-v2}
 *     is {@code io.containerd.runc.v2}
 * @param namespace its {@code -namespace} (CRI-O passes {@code default})
 * @param id its {@code -id}: the sandbox id, or for runc the first container of its group
 * @param address its {@code -address}: the runtime manager's socket, empty for CRI-O
 * @param socket the ttrpc address it serves, from the bundle's {@code address} file
 * @param bundle its working directory, which the runtime manager makes the bundle of the
 *     container it was started for; absent when unreadable or deleted
 * @param containers the containers it serves: every bundle beside its own whose {@code address}
 *     names the same socket, its own id first
 * @param binary its executable as {@code /proc/PID/exe} names it
 * @param dwarf whether that executable carries DWARF; absent when it could not be read
 * @param tracerPid the thread ptrace-attached to it (a debugger), 0 if none
 * @param session the live katadbg session whose debugger holds it
 */
public record Shim(
    int pid,
    long startTime,
    String runtime,
    String namespace,
    String id,
    String address,
    Optional<String> socket,
    Optional<Path> bundle,
    List<String> containers,
    Path binary,
    Optional<Boolean> dwarf,
    int tracerPid,
    Optional<Session> session) {

  public Shim {
    if (pid <= 0) {
      throw new IllegalArgumentException("pid must be positive, got " + pid);
    }
    Objects.requireNonNull(runtime, "runtime");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(socket, "socket");
    Objects.requireNonNull(bundle, "bundle");
    containers = List.copyOf(containers);
    Objects.requireNonNull(binary, "binary");
    Objects.requireNonNull(dwarf, "dwarf");
    Objects.requireNonNull(session, "session");
  }

  /** {@code NAMESPACE/ID}, how katadbg names a sandbox everywhere. */
  public String name() {
    return namespace + "/" + id;
  }

  /** A one-line description for lists of candidates. */
  public String describe() {
    return "pid " + pid + " " + name() + " (" + runtime + ", containers "
        + String.join(",", containers) + ")";
  }
}
