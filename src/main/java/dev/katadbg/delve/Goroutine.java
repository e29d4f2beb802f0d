package dev.katadbg.delve;

import java.util.Objects;

/**
 * Goroutine is a goroutine of the selected process and where it currently is (often inside the
 * runtime, e.g. {@code runtime.gopark}, for a parked goroutine).
 *
 * @param id the goroutine id
 * @param function the function at its current location
 * @param file source file of its current location
 * @param line source line of its current location
 */
public record Goroutine(long id, String function, String file, int line) {
  public Goroutine {
    Objects.requireNonNull(function, "function");
    Objects.requireNonNull(file, "file");
  }
}
