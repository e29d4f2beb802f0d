package dev.katadbg.manager;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UnifiedDiffTest {
  @Test
  void equalTextsHaveNoDiff() {
    assertThat(UnifiedDiff.diff("a", "b", "x\n", "x\n")).isEmpty();
  }

  @Test
  void anAdditionInTheMiddleIsOneHunkWithContext() {
    String from = "1\n2\n3\n4\n5\n6\n7\n8\n";
    String to = "1\n2\n3\n4\nnew\n5\n6\n7\n8\n";
    assertThat(UnifiedDiff.diff("a", "b", from, to)).isEqualTo("""
        --- a
        +++ b
        @@ -2,6 +2,7 @@
         2
         3
         4
        +new
         5
         6
         7
        """);
  }

  @Test
  void distantChangesAreSeparateHunks() {
    String from = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n";
    String to = "A\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nL\n";
    assertThat(UnifiedDiff.diff("x", "y", from, to)).isEqualTo("""
        --- x
        +++ y
        @@ -1,4 +1,4 @@
        -a
        +A
         b
         c
         d
        @@ -9,4 +9,4 @@
         i
         j
         k
        -l
        +L
        """);
  }

  @Test
  void aNewFileIsAllAdditions() {
    assertThat(UnifiedDiff.diff("/dev/null", "f", "", "x\ny\n")).isEqualTo("--- /dev/null\n+++ f\n@@ -0,0 +1,2 @@\n+x\n+y\n");
  }
}
