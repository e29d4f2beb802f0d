package dev.katadbg.files;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** katadbg's own helper programs (src/main/c), installed in {@code libexec}. */
public final class Libexec {
  private Libexec() {}

  /**
   * Where helper {@code name} is installed: {@code <katadbg.home>/libexec}, else next to the jar
   * katadbg runs from ({@code lib/../libexec}), else, for a build tree's classes, the packaged
   * tree {@code target/katadbg/libexec}.
   */
  public static Optional<Path> find(Optional<String> home, String name) {
    List<Path> candidates = new ArrayList<>();
    home.filter(h -> !h.isBlank()).ifPresent(h -> candidates.add(Path.of(h, "libexec", name)));
    try {
      Path code = Path.of(Libexec.class.getProtectionDomain().getCodeSource().getLocation()
          .toURI());
      Path parent = code.getParent();
      if (parent != null) {
        candidates.add(parent.resolveSibling("libexec").resolve(name));
        candidates.add(parent.resolve("katadbg/libexec").resolve(name));
      }
    } catch (URISyntaxException | RuntimeException e) {
      // No code source (an unusual class loader): only katadbg.home can say.
    }
    return candidates.stream().filter(p -> Files.isRegularFile(p) && Files.isExecutable(p))
        .findFirst();
  }
}
