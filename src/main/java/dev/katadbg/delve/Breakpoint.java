package dev.katadbg.delve;

import java.util.List;
import java.util.Objects;

/**
 * Breakpoint is a logical breakpoint as Delve reports it. Strings Delve leaves out are empty.
 *
 * @param id Delve's id; user breakpoints count up from 1, Delve's own ones ({@code
 *     unrecovered-panic}, {@code runtime-fatal-throw}) are negative
 * @param name the name given at creation, or empty
 * @param file the resolved source file, empty while pending
 * @param line the resolved line, 0 while pending
 * @param functionName the function containing the location, empty while pending
 * @param addrs resolved code addresses, empty while pending
 * @param addrPids the process of each address (Delve 1.21+; empty from older versions)
 * @param totalHitCount hits over all goroutines
 */
public record Breakpoint(
    int id,
    String name,
    String file,
    int line,
    String functionName,
    List<Long> addrs,
    List<Integer> addrPids,
    int totalHitCount) {

  public Breakpoint {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(functionName, "functionName");
    addrs = List.copyOf(addrs);
    addrPids = List.copyOf(addrPids);
  }

  /**
   * True if Delve did not resolve the location to any address. Delve (1.20.2 and 1.24.0 alike)
   * answers CreateBreakpoint with a location expression it cannot resolve, such as a misspelt
   * function, by creating such a breakpoint instead of failing; it is re-evaluated when a new
   * process is followed, and otherwise never hits.
   */
  public boolean pending() {
    return addrs.isEmpty();
  }
}
