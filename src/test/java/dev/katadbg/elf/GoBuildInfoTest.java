package dev.katadbg.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GoBuildInfoTest {
  // The layout of `go version -m` for a module build, tabs and all (runtime/debug/mod.go).
  private static final String MODULE_BUILD = String.join("\n",
      "path\tgithub.com/containerd/containerd/cmd/containerd-shim-runc-v2",
      "mod\tgithub.com/containerd/containerd\t(devel)\t",
      "dep\tgithub.com/containerd/cgroups/v3\tv3.0.2\th1:f5WFqIVSgo5IZ=",
      "dep\tgithub.com/gogo/protobuf\tv1.3.2\th1:Ov1cvc58UF3b5XjBnZv7+opcTcQFZebYjWzi34vdm4Q=",
      "=>\tgithub.com/gogo/protobuf\tv1.3.3\th1:abc=",
      "dep\tgithub.com/local/thing\tv0.0.0",
      "=>\t../thing\t\t",
      "future\tline a newer Go might add",
      "build\t-buildmode=exe",
      "build\t-gcflags=\"all=-N -l\"",
      "build\t-ldflags=\"-s -w -X 'main.version=1.0'\"",
      "build\tCGO_ENABLED=1",
      "build\tCGO_CFLAGS=",
      "build\t\"odd=key\"=`raw value`",
      "build\tvcs.modified=true",
      "unterminated\tlast line is ignored as Go ignores it");

  @Test
  void parsesModulesReplacementsAndSettings() {
    GoBuildInfo info = GoBuildInfo.parse("go1.24.4", MODULE_BUILD);

    assertThat(info.goVersion()).isEqualTo("go1.24.4");
    assertThat(info.mainPath())
        .isEqualTo("github.com/containerd/containerd/cmd/containerd-shim-runc-v2");
    assertThat(info.mainModule())
        .contains(new GoModule("github.com/containerd/containerd", "(devel)", ""));
    assertThat(info.deps()).containsExactly(
        new GoModule("github.com/containerd/cgroups/v3", "v3.0.2",
            "h1:f5WFqIVSgo5IZ="),
        new GoModule("github.com/gogo/protobuf", "v1.3.2",
            "h1:Ov1cvc58UF3b5XjBnZv7+opcTcQFZebYjWzi34vdm4Q=",
            Optional.of(new GoModule("github.com/gogo/protobuf", "v1.3.3", "h1:abc="))),
        new GoModule("github.com/local/thing", "v0.0.0", "",
            Optional.of(new GoModule("../thing", "", ""))));
    assertThat(info.settings()).containsExactly(
        Map.entry("-buildmode", "exe"),
        Map.entry("-gcflags", "all=-N -l"),
        Map.entry("-ldflags", "-s -w -X 'main.version=1.0'"),
        Map.entry("CGO_ENABLED", "1"),
        Map.entry("CGO_CFLAGS", ""),
        Map.entry("odd=key", "raw value"),
        Map.entry("vcs.modified", "true"));
    assertThat(info.ldflags()).contains("-s -w -X 'main.version=1.0'");
    assertThat(info.optimizationsDisabled()).isTrue();
  }

  @Test
  void emptyModuleInfo() {
    GoBuildInfo info = GoBuildInfo.parse("go1.16", "");

    assertThat(info.mainPath()).isEmpty();
    assertThat(info.mainModule()).isEmpty();
    assertThat(info.deps()).isEmpty();
    assertThat(info.settings()).isEmpty();
    assertThat(info.optimizationsDisabled()).isFalse();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(delimiter = '|', value = {
      "mod\\tonly-a-path\\n                | expected 2 or 3 columns, got 1",
      "dep\\ta\\tb\\tc\\td\\n                 | expected 2 or 3 columns, got 4",
      "dep\\t\\tv1\\n                       | module path is empty",
      "path\\tx\\n=>\\ta\\tb\\tc\\n              | replacement without a module",
      "dep\\ta\\tv1\\n=>\\tb\\tv2\\n              | expected 3 columns for a replacement",
      "build\\tnoequals\\n                 | build line missing",
      "build\\t=value\\n                   | empty key",
      "build\\tk=\"unterminated\\n         | not a quoted string",
      "build\\tk=\"bad \\q escape\"\\n      | unknown escape",
      "build\\t\"key\"value\\n             | quoted key not followed by",
  })
  void malformedLinesAreRejectedWithTheirLineNumber(String modInfo, String problem) {
    String text = modInfo.strip().replace("\\n", "\n").replace("\\t", "\t") + "\n";

    assertThatThrownBy(() -> GoBuildInfo.parse("go1.24.4", text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("module info line ")
        .hasMessageContaining(problem);
  }

  @ParameterizedTest(name = "[{index}] -gcflags {0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "all=-N -l          | true",
      "all=-l -N          | true",
      "all=  -N   -l -e   | true",
      "-N -l              | false",   // main package only: dependencies stay optimized
      "all=-N             | false",
      "all=-l             | false",
      "all=-N -l -l       | false",   // -l twice raises the inlining level
      "github.com/x/...=-N -l | false",
      "all=-N -l=4        | false",
  })
  void optimizationsDisabledOnlyForAllPackagesWithBothFlags(String gcflags, boolean expected) {
    GoBuildInfo info = new GoBuildInfo("go1.24.4", "x", Optional.empty(), List.of(),
        Map.of("-gcflags", gcflags));

    assertThat(info.optimizationsDisabled()).isEqualTo(expected);
  }

  @Test
  void quotedFlagFieldsCount() {
    GoBuildInfo info = new GoBuildInfo("go1.24.4", "x", Optional.empty(), List.of(),
        Map.of("-gcflags", "all='-N' \"-l\""));

    assertThat(info.optimizationsDisabled()).isTrue();
    assertThat(GoBuildInfo.splitFlags(" -a  'b c' \"d\" e")).containsExactly("-a", "b c", "d", "e");
  }

  @Test
  void noGcflagsMeansOptimized() {
    GoBuildInfo info = new GoBuildInfo("go1.24.4", "", Optional.empty(), List.of(), Map.of());

    assertThat(info.optimizationsDisabled()).isFalse();
    assertThat(info.gcflags()).isEmpty();
    assertThat(info.ldflags()).isEmpty();
  }

  @Test
  void recordsAreImmutableAndValidated() {
    GoBuildInfo info = GoBuildInfo.parse("go1.24.4", MODULE_BUILD);

    assertThatThrownBy(() -> info.settings().put("x", "y"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> info.deps().clear())
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> new GoBuildInfo(" ", "", Optional.empty(), List.of(), Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
    GoModule replaced = new GoModule("a", "v1", "", Optional.of(new GoModule("b", "v2", "")));
    assertThatThrownBy(() -> new GoModule("c", "v1", "", Optional.of(replaced)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("replacement of c is itself replaced");
  }
}
