package dev.katadbg.delve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class DelveVersionTest {
  @Test
  void parsesDelvesVersionBanner() {
    assertThat(DelveVersion.parseVersionText("Version: 1.24.0\nBuild: $Id$"))
        .contains(new Semver(1, 24, 0));
    assertThat(
            DelveVersion.parseVersionText(
                "Version: 1.20.2\nBuild: $Id: e0c278ad8e0126a312b553b8e171e81bcbd37f60 $"))
        .contains(new Semver(1, 20, 2));
    // As `dlv version` prints it, with the banner line first.
    assertThat(DelveVersion.parseVersionText("Delve Debugger\nVersion: 1.21.2\nBuild: $Id$"))
        .contains(new Semver(1, 21, 2));
    assertThat(DelveVersion.parseVersionText("Build: $Id$")).isEmpty();
    assertThat(DelveVersion.parseVersionText("Version: dev")).isEmpty();
    assertThat(DelveVersion.parseVersionText(null)).isEmpty();
  }

  @Test
  void followExecArrivedIn1_21() {
    assertThat(version(1, 20, 2).supportsFollowExec()).isFalse();
    assertThat(version(1, 21, 0).supportsFollowExec()).isTrue();
    assertThat(version(1, 24, 0).supportsFollowExec()).isTrue();
  }

  @Test
  void convertsTheRecordedReplies() {
    var old = version("getversion-1.20.2");
    assertThat(old.delveVersion()).isEqualTo(new Semver(1, 20, 2));
    assertThat(old.minSupportedGo()).contains(new Semver(1, 18, 0));
    assertThat(old.maxSupportedGo()).contains(new Semver(1, 20, 0));
    assertThat(old.supportsFollowExec()).isFalse();
  }

  @Test
  void unparsableVersionIsAnError() {
    var out = new Wire.GetVersionOut("Version: dev", 2, null, null, null);
    assertThatThrownBy(() -> WireConversions.version(out))
        .isInstanceOf(DelveException.class)
        .hasMessageContaining("unrecognised delve version text 'Version: dev'");
  }

  @Test
  void missingGoBoundsAreEmpty() {
    var v =
        WireConversions.version(
            new Wire.GetVersionOut("Version: 1.7.0\nBuild: x", 2, null, null, null));
    assertThat(v.targetGoVersion()).isEmpty();
    assertThat(v.minSupportedGo()).isEmpty();
    assertThat(v.maxSupportedGo()).isEmpty();
  }

  private static DelveVersion version(int major, int minor, int patch) {
    return new DelveVersion(
        new Semver(major, minor, patch), 2, "", Optional.empty(), Optional.empty());
  }

  private static DelveVersion version(String recorded) {
    var result =
        FakeDelveServer.json(FakeDelveServer.resource(recorded)).getAsJsonObject().get("result");
    return WireConversions.version(
        new com.google.gson.Gson().fromJson(result, Wire.GetVersionOut.class));
  }
}
