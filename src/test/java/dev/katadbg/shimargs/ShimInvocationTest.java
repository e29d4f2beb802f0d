package dev.katadbg.shimargs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShimInvocationTest {
  @Test
  void containerdStart() {
    ShimInvocation i = ShimInvocation.parse(List.of("-namespace", "k8s.io", "-address",
        "/run/containerd/containerd.sock", "-publish-binary", "/usr/bin/containerd", "-id",
        "abc", "-debug", "start"));
    assertThat(i.isStart()).isTrue();
    assertThat(i.id()).isEqualTo("abc");
    assertThat(i.namespace()).isEqualTo("k8s.io");
    assertThat(i.flag("debug")).contains("true");
    assertThat(i.flag("address")).contains("/run/containerd/containerd.sock");
  }

  @Test
  void crioStartWithEmptyAddress() {
    ShimInvocation i = ShimInvocation.parse(List.of("-namespace", "default", "-address", "",
        "-publish-binary", "/usr/bin/crio", "-id", "ctr1", "start"));
    assertThat(i.isStart()).isTrue();
    assertThat(i.flag("address")).contains("");
    assertThat(i.id()).isEqualTo("ctr1");
  }

  @Test
  void goFlagSpellingsAreEquivalent() {
    ShimInvocation i = ShimInvocation.parse(List.of("--namespace=ns", "-id=x", "--bundle", "/b",
        "delete"));
    assertThat(i.namespace()).isEqualTo("ns");
    assertThat(i.id()).isEqualTo("x");
    assertThat(i.flag("bundle")).contains("/b");
    assertThat(i.action()).contains("delete");
    assertThat(i.isStart()).isFalse();
  }

  @Test
  void daemonModeHasNoAction() {
    ShimInvocation i = ShimInvocation.parse(List.of("-namespace", "default", "-id", "x",
        "-address", "/a"));
    assertThat(i.action()).isEmpty();
    assertThat(i.isStart()).isFalse();
  }

  @Test
  void versionAndInfoAreNotStarts() {
    assertThat(ShimInvocation.parse(List.of("-v")).isStart()).isFalse();
    assertThat(ShimInvocation.parse(List.of("--version")).action()).isEmpty();
    assertThat(ShimInvocation.parse(List.of("-info")).action()).isEmpty();
    assertThat(ShimInvocation.parse(List.of("features")).action()).contains("features");
  }

  @Test
  void startFollowedByMoreWordsIsPassedThrough() {
    assertThat(ShimInvocation.parse(List.of("-id", "x", "start", "extra")).isStart()).isFalse();
  }

  @Test
  void unknownBooleanLookingFlagSwallowsTheNextWordLikeGoWould() {
    // Go's flag package would do the same for an unknown flag before rejecting it; the real
    // shim's own error is what the user must see, so such a call is never treated as a start.
    ShimInvocation i = ShimInvocation.parse(List.of("-bogus", "start"));
    assertThat(i.isStart()).isFalse();
  }
}
