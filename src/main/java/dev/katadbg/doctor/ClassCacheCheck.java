package dev.katadbg.doctor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The JVM class cache the build trained (lib/katadbg.aot or .jsa) still fits the installed
 * jars. The launchers compare the build's stamp (each jar's modification time and size) with
 * the jars before naming the cache, because the JVM drops a cache whose jars' timestamps
 * changed and then starts slower than with none; a mismatch costs every start and command
 * about 150 ms on a 2-core machine, which is worth a warning but breaks nothing.
 */
final class ClassCacheCheck implements Check {
  /** Written by src/build/dist-jvm.sh: {@code KIND STAMP}, KIND {@code aot} or {@code jsa}. */
  static final String STAMP = "class-cache.stamp";

  private final Optional<Path> lib;

  ClassCacheCheck() {
    this(Optional.ofNullable(System.getProperty("katadbg.home")).map(h -> Path.of(h, "lib")));
  }

  ClassCacheCheck(Optional<Path> lib) {
    this.lib = lib;
  }

  @Override
  public String name() {
    return "class-cache";
  }

  @Override
  public CheckResult run(Host host) {
    if (lib.isEmpty()) {
      return CheckResult.ok(name(), "not run from an installed katadbg: no class cache to check");
    }
    Path dir = lib.get();
    Path stampFile = dir.resolve(STAMP);
    if (!Files.isRegularFile(stampFile)) {
      return CheckResult.warn(name(), "no class cache in " + dir + " (a build by a JVM older"
          + " than 17, or a partial copy): katadbg starts slower",
          "rebuild katadbg (mvn package trains the cache) and copy target/katadbg with cp -a");
    }
    try {
      String[] stamp = Files.readString(stampFile).strip().split("\\s+", 2);
      String want = stamp.length == 2 ? stamp[1] : "";
      String have = stampOf(dir);
      if (!want.equals(have)) {
        return CheckResult.warn(name(), "the class cache does not match the jars in " + dir
            + " (their timestamps or sizes changed since the build, as a copy without -p"
            + " does): the launchers leave it unused and katadbg starts about 150 ms slower",
            "copy target/katadbg again with cp -a (it keeps timestamps), or rebuild");
      }
      return CheckResult.ok(name(), "the " + stamp[0] + " class cache matches the jars in " + dir);
    } catch (IOException e) {
      return CheckResult.warn(name(), "cannot read the class cache's stamp in " + dir + ": "
          + e.getMessage(), "copy target/katadbg again with cp -a, or rebuild");
    }
  }

  /**
   * What the launchers compute with {@code stat --printf '%Y:%s,' lib/*.jar}: dash expands the
   * glob in byte order of the names.
   */
  static String stampOf(Path dir) throws IOException {
    List<Path> jars;
    try (Stream<Path> s = Files.list(dir)) {
      jars = s.filter(p -> p.getFileName().toString().endsWith(".jar"))
          .sorted((a, b) -> compareBytes(a.getFileName().toString(),
              b.getFileName().toString()))
          .toList();
    }
    StringBuilder b = new StringBuilder();
    for (Path jar : jars) {
      b.append(Files.getLastModifiedTime(jar).to(TimeUnit.SECONDS)).append(':')
          .append(Files.size(jar)).append(',');
    }
    return b.toString();
  }

  private static int compareBytes(String a, String b) {
    return java.util.Arrays.compareUnsigned(a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        b.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
