package dev.katadbg.delve;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SemverTest {
  @Test
  void parses() {
    assertThat(Semver.parse("1.24.0")).contains(new Semver(1, 24, 0));
    assertThat(Semver.parse("v1.21.2")).contains(new Semver(1, 21, 2));
    assertThat(Semver.parse("1.22.0-rc.1")).contains(new Semver(1, 22, 0));
    assertThat(Semver.parse(" 1.2.3+dirty ")).contains(new Semver(1, 2, 3));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "1.24", "1.x.0", "one", "1.2.3.4", "1.2.3abc"})
  void rejects(String text) {
    assertThat(Semver.parse(text)).isEmpty();
  }

  @Test
  void ordersNumerically() {
    assertThat(new Semver(1, 9, 0)).isLessThan(new Semver(1, 10, 0));
    assertThat(new Semver(1, 20, 2)).isLessThan(new Semver(1, 21, 0));
    assertThat(new Semver(1, 21, 0).atLeast(new Semver(1, 21, 0))).isTrue();
    assertThat(new Semver(2, 0, 0).atLeast(new Semver(1, 99, 99))).isTrue();
    assertThat(new Semver(1, 24, 0)).hasToString("1.24.0");
  }
}
