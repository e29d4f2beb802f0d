package dev.katadbg.testenv;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tomlj.Toml;
import org.tomlj.TomlParseResult;

class ContainerdConfigTest {

  private static final Path BASE = Path.of("/run/katadbg-test/cd-0123456789abcdef");

  private static ContainerdConfig config(boolean cri) {
    return new ContainerdConfig(BASE.resolve("root"), BASE.resolve("state"), BASE.resolve("c.sock"),
        BASE.resolve("c.sock.ttrpc"), BASE.resolve("opt"), cri);
  }

  private static TomlParseResult parse(String toml) {
    TomlParseResult result = Toml.parse(toml);
    assertThat(result.errors()).isEmpty();
    return result;
  }

  @Test
  void everyPathIsPrivate() {
    TomlParseResult toml = parse(config(false).toToml());

    assertThat(toml.getLong("version")).isEqualTo(2);
    assertThat(toml.getString("root")).isEqualTo(BASE + "/root");
    assertThat(toml.getString("state")).isEqualTo(BASE + "/state");
    assertThat(toml.getString("grpc.address")).isEqualTo(BASE + "/c.sock");
    assertThat(toml.getString("ttrpc.address")).isEqualTo(BASE + "/c.sock.ttrpc");
    assertThat(toml.getString(List.of("plugins", "io.containerd.internal.v1.opt", "path"))).isEqualTo(BASE + "/opt");
  }

  @Test
  void criIsDisabledByDefault() {
    TomlParseResult toml = parse(config(false).toToml());

    assertThat(toml.getArray("disabled_plugins").toList()).containsExactly("io.containerd.grpc.v1.cri");
    assertThat(toml.contains(List.of("plugins", "io.containerd.grpc.v1.cri"))).isFalse();
  }

  @Test
  void enabledCriRestrictsOomScoreAdj() {
    TomlParseResult toml = parse(config(true).toToml());

    assertThat(toml.getArray("disabled_plugins").toList()).isEmpty();
    assertThat(toml.getBoolean(List.of("plugins", "io.containerd.grpc.v1.cri", "restrict_oom_score_adj"))).isTrue();
  }

  @Test
  void quotesWhatTomlNeedsEscaped() {
    String odd = "/a \"quoted\" \\ path\t";
    TomlParseResult toml = parse("x = " + ContainerdConfig.quote(odd));

    assertThat(toml.getString("x")).isEqualTo(odd);
  }
}
