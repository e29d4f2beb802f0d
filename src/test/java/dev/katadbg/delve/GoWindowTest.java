package dev.katadbg.delve;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GoWindowTest {
  static DelveVersion delve(String producer, String min, String max) {
    return new DelveVersion(new Semver(1, 20, 2), 2, producer, Semver.parse(min),
        Semver.parse(max));
  }

  @Test
  void insideTheWindowOrUnknownIsFine() {
    assertThat(GoWindow.problem(delve("Go cmd/compile go1.24.4", "1.21.0", "1.24.0"))).isEmpty();
    assertThat(GoWindow.problem(delve("Go cmd/compile go1.21", "1.21.0", "1.24.0"))).isEmpty();
    assertThat(GoWindow.problem(delve("", "1.21.0", "1.24.0"))).isEmpty();
    assertThat(GoWindow.problem(delve("Go cmd/compile go1.30.1", "x", "y"))).isEmpty();
  }

  @Test
  void newerAndOlderAreNamedWithTheWindow() {
    assertThat(GoWindow.problem(delve("Go cmd/compile go1.24.4", "1.17.0", "1.20.0")))
        .contains("go1.24, newer than Delve 1.20.2 supports (Go 1.17 to 1.20)");
    assertThat(GoWindow.problem(delve("Go cmd/compile go1.19.8", "1.21.0", "1.24.0")))
        .contains("go1.19, older than Delve 1.20.2 supports (Go 1.21 to 1.24)");
    assertThat(GoWindow.problem(delve("go1.19", "1.21.0", "")))
        .get().asString().contains("(Go 1.21 to ?)");
    assertThat(GoWindow.problem(delve("go1.25", "", "1.24.0"))).isPresent();
  }
}
