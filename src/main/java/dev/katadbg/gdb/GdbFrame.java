package dev.katadbg.gdb;

import java.util.Objects;

/**
 * A stack frame as gdb names it.
 *
 * @param function the function, empty when gdb has no symbol for the address
 * @param file the source file as the DWARF records it (absolute when gdb knows the full name),
 *     empty without line info
 * @param line its line, 0 without line info
 * @param address the program counter, as gdb prints it ({@code 0x...})
 */
public record GdbFrame(String function, String file, int line, String address) {
  public GdbFrame {
    Objects.requireNonNull(function, "function");
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(address, "address");
    if (line < 0) {
      throw new IllegalArgumentException("negative line " + line);
    }
  }

  static GdbFrame of(MiValue.Tuple f) {
    String file = f.text("fullname").or(() -> f.text("file")).orElse("");
    return new GdbFrame(f.text("func").orElse(""), file,
        f.text("line").map(Integer::parseInt).orElse(0), f.text("addr").orElse(""));
  }
}
