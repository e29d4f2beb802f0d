package dev.katadbg.delve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LaunchSpecTest {
  static final Path DLV = Path.of("/usr/bin/dlv");
  static final DelveAddress LISTEN = DelveAddress.parse("127.0.0.1:4444");
  static final Path WORK = Path.of("/run/bundle");
  static final Path LOG = Path.of("/run/bundle/dlv.log");

  static LaunchSpec.Exec exec(String... args) {
    return new LaunchSpec.Exec(
        Path.of("/usr/bin/shim"), List.of(args), LaunchSpec.Redirects.none());
  }

  @Test
  void acceptsAValidSpecAndCopiesCollections() {
    var env = new java.util.HashMap<String, String>(Map.of("PATH", "/usr/bin"));
    var spec = new LaunchSpec(DLV, exec("-namespace", "k8s.io"), LISTEN, WORK, env, LOG, true);
    env.put("LATE", "x");
    assertThat(spec.environment()).containsOnlyKeys("PATH");
    assertThatThrownBy(() -> spec.environment().put("X", "y"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void rejectsRelativePaths() {
    assertThatThrownBy(
            () -> new LaunchSpec(Path.of("dlv"), exec(), LISTEN, WORK, Map.of(), LOG, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("dlv must be an absolute path: 'dlv'");
    assertThatThrownBy(() -> new LaunchSpec(DLV, exec(), LISTEN, Path.of(""), Map.of(), LOG, true))
        .hasMessage("workDir must be an absolute path: ''");
    assertThatThrownBy(
            () -> new LaunchSpec(DLV, exec(), LISTEN, WORK, Map.of(), Path.of("x.log"), true))
        .hasMessage("logFile must be an absolute path: 'x.log'");
    assertThatThrownBy(
            () -> new LaunchSpec.Exec(Path.of("shim"), List.of(), LaunchSpec.Redirects.none()))
        .hasMessage("program must be an absolute path: 'shim'");
    assertThatThrownBy(
            () ->
                new LaunchSpec.Redirects(
                    Optional.empty(), Optional.of(Path.of("out")), Optional.empty()))
        .hasMessage("stdout redirect must be an absolute path: 'out'");
  }

  @Test
  void rejectsBadValues() {
    assertThatThrownBy(() -> new LaunchSpec.Attach(0)).hasMessage("pid must be positive: 0");
    assertThatThrownBy(
            () -> new LaunchSpec(DLV, exec(), LISTEN, WORK, Map.of("A=B", "c"), LOG, true))
        .hasMessage("invalid environment variable name 'A=B'");
    assertThatThrownBy(() -> new LaunchSpec(DLV, exec(), LISTEN, WORK, Map.of("", "c"), LOG, true))
        .hasMessage("invalid environment variable name ''");
    assertThatThrownBy(() -> exec("a\0b")).hasMessageContaining("contains NUL");
    assertThatThrownBy(() -> new LaunchSpec(DLV, null, LISTEN, WORK, Map.of(), LOG, true))
        .isInstanceOf(NullPointerException.class);
  }
}
