package dev.katadbg.testenv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

  private static ContainerdConfig config2(boolean cri) {
    return new ContainerdConfig(BASE.resolve("root"), BASE.resolve("state"), BASE.resolve("c.sock"),
        BASE.resolve("c.sock.ttrpc"), BASE.resolve("opt"), cri, 2);
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

  @Test
  void containerd2GetsItsNativeVersion3WithEveryPathPrivate() {
    TomlParseResult toml = parse(config2(false).toToml());

    assertThat(toml.getLong("version")).isEqualTo(3);
    assertThat(toml.getString("root")).isEqualTo(BASE + "/root");
    assertThat(toml.getString("state")).isEqualTo(BASE + "/state");
    assertThat(toml.getString("grpc.address")).isEqualTo(BASE + "/c.sock");
    assertThat(toml.getString("ttrpc.address")).isEqualTo(BASE + "/c.sock.ttrpc");
    assertThat(toml.getString(List.of("plugins", "io.containerd.internal.v1.opt", "path"))).isEqualTo(BASE + "/opt");
    assertThat(toml.getBoolean(List.of("plugins", "io.containerd.nri.v1.nri", "disable"))).isTrue();
  }

  @Test
  void containerd2DisablesOnlyTheCriService() {
    TomlParseResult toml = parse(config2(false).toToml());

    assertThat(toml.getArray("disabled_plugins").toList()).containsExactly("io.containerd.grpc.v1.cri");
  }

  @Test
  void containerd2ReadsRestrictOomScoreAdjFromTheCriRuntimePlugin() {
    TomlParseResult toml = parse(config2(true).toToml());

    assertThat(toml.getArray("disabled_plugins").toList()).isEmpty();
    assertThat(toml.getBoolean(List.of("plugins", "io.containerd.cri.v1.runtime", "restrict_oom_score_adj"))).isTrue();
    assertThat(toml.contains(List.of("plugins", "io.containerd.grpc.v1.cri"))).isFalse();
  }

  @Test
  void majorVersionComesFromContainerdsVersionLine() {
    assertThat(ContainerdConfig.majorVersion(
        "containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3\n")).isEqualTo(1);
    assertThat(ContainerdConfig.majorVersion(
        "containerd github.com/containerd/containerd 1.7.24~ds1 1.7.24~ds1-6+deb13u1\n")).isEqualTo(1);
    assertThat(ContainerdConfig.majorVersion("containerd github.com/containerd/containerd/v2 2.1.9+unknown \n"))
        .isEqualTo(2);
    assertThat(ContainerdConfig.majorVersion("containerd github.com/containerd/containerd/v2 v2.1.9 abc123"))
        .isEqualTo(2);
    assertThatThrownBy(() -> ContainerdConfig.majorVersion("Usage: containerd [options]"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
