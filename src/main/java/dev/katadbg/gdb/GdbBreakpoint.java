package dev.katadbg.gdb;

import java.util.Objects;

/**
 * A breakpoint as gdb resolved it.
 *
 * @param number gdb's breakpoint number
 * @param location what was asked, e.g. {@code rustshim::service::TaskService::create} or
 *     {@code service.rs:93}
 * @param function the function it resolved to (empty if gdb did not say)
 * @param file its source file, empty without line info
 * @param line its line, 0 without line info
 * @param address where it is, {@code <MULTIPLE>} for several locations
 * @param hits how often it was hit
 */
public record GdbBreakpoint(int number, String location, String function, String file, int line,
    String address, int hits) {
  public GdbBreakpoint {
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(function, "function");
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(address, "address");
  }

  static GdbBreakpoint of(MiValue.Tuple b) {
    return new GdbBreakpoint(Integer.parseInt(b.text("number").orElse("0")),
        b.text("original-location").orElse(""), b.text("func").orElse(""),
        b.text("fullname").or(() -> b.text("file")).orElse(""),
        b.text("line").map(Integer::parseInt).orElse(0), b.text("addr").orElse(""),
        b.text("times").map(Integer::parseInt).orElse(0));
  }

  /** gdb made it, but it matches no code yet. */
  public boolean pending() {
    return address.equals("<PENDING>");
  }
}
