package dev.katadbg.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katadbg.discovery.Target.Resolution;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TargetTest {
  static Shim shim(int pid, String ns, String id, String... others) {
    List<String> containers = new java.util.ArrayList<>(List.of(id));
    containers.addAll(List.of(others));
    return new Shim(pid, 1, "io.containerd.runc.v2", ns, id, "/a", Optional.empty(),
        Optional.empty(), containers, Path.of("/shim"), Optional.of(true), 0, Optional.empty());
  }

  final Shim a = shim(1234, "default", "alpha", "alpha-2", "beta");
  final Shim b = shim(5678, "k8s.io", "alphabet");
  final Shim c = shim(42, "k8s.io", "1234abc");
  final List<Shim> all = List.of(a, b, c);

  @Test
  void pidWins() {
    assertThat(Target.resolve("1234", all)).isEqualTo(new Resolution.Found(a));
    assertThat(Target.resolve("42", all)).isEqualTo(new Resolution.Found(c));
  }

  @Test
  void exactIdOrContainerWinsOverPrefix() {
    assertThat(Target.resolve("alpha", all)).isEqualTo(new Resolution.Found(a));
    assertThat(Target.resolve("beta", all)).isEqualTo(new Resolution.Found(a));
    assertThat(Target.resolve("k8s.io/alphabet", all)).isEqualTo(new Resolution.Found(b));
    assertThat(Target.resolve("default/alpha-2", all)).isEqualTo(new Resolution.Found(a));
  }

  @Test
  void uniquePrefixFindsOneAndSharedPrefixListsCandidates() {
    assertThat(Target.resolve("alphab", all)).isEqualTo(new Resolution.Found(b));
    assertThat(Target.resolve("be", all)).isEqualTo(new Resolution.Found(a));
    assertThat(Target.resolve("123", all)).isEqualTo(new Resolution.Found(c));
    assertThat(Target.resolve("alp", all))
        .isEqualTo(new Resolution.Ambiguous("alp", List.of(a, b)));
  }

  @Test
  void unknownListsEveryShim() {
    assertThat(Target.resolve("zzz", all)).isEqualTo(new Resolution.NotFound("zzz", all));
    assertThat(Target.resolve("", all)).isEqualTo(new Resolution.NotFound("", all));
    assertThat(Target.resolve("999", all)).isEqualTo(new Resolution.NotFound("999", all));
  }
}
