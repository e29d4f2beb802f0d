package dev.katadbg.delve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DelveGoSupportTest {
  @Test
  void knownReleasesHaveExactWindows() {
    var w = DelveGoSupport.window(new Semver(1, 24, 0));
    assertThat(w.exact()).isTrue();
    assertThat(w.contains(21)).isTrue();
    assertThat(w.contains(24)).isTrue();
    assertThat(w.contains(20)).isFalse();
    assertThat(w.contains(25)).isFalse();
    assertThat(DelveGoSupport.window(new Semver(1, 20, 2)).toString()).isEqualTo("Go 1.18-1.20");
  }

  @Test
  void newerDelveIsInferredToSupportItsOwnGo() {
    var w = DelveGoSupport.window(new Semver(1, 30, 1));
    assertThat(w.exact()).isFalse();
    assertThat(w.maxGoMinor()).isEqualTo(30);
  }

  @Test
  void otherMajorIsRejected() {
    assertThatThrownBy(() -> DelveGoSupport.window(new Semver(2, 0, 0)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
