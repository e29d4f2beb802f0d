package dev.katadbg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TextWrapTest {
  @Test
  void wrapsAtWordsWithAHangingIndentAndNoLineLongerThanTheWidth() {
    var lines = TextWrap.hanging("ok    name  ", "one two three four five six seven", 12, 24);
    assertThat(lines).containsExactly(
        "ok    name  one two",
        "            three four",
        "            five six",
        "            seven");
    assertThat(lines).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(24));
  }

  @Test
  void aWordLongerThanALineStaysWholeOnALineOfItsOwn() {
    assertThat(TextWrap.hanging("x ", "a /very/long/path/that/does/not/fit b", 2, 12))
        .containsExactly("x a", "  /very/long/path/that/does/not/fit", "  b");
  }

  @Test
  void shortTextIsOneLineAndRunsOfSpacesCountAsOne() {
    assertThat(TextWrap.hanging("- ", "add:  [shim]  binary", 2, 80))
        .containsExactly("- add: [shim] binary");
    assertThat(TextWrap.hanging("- ", "", 2, 80)).containsExactly("-");
  }

  @Test
  void theWidthComesFromColumnsWhenItIsANumber() {
    assertThat(TextWrap.width(Map.of())).isEqualTo(TextWrap.DEFAULT_WIDTH);
    assertThat(TextWrap.width(Map.of("COLUMNS", "132"))).isEqualTo(132);
    assertThat(TextWrap.width(Map.of("COLUMNS", "10"))).isEqualTo(TextWrap.MIN_WIDTH);
    assertThat(TextWrap.width(Map.of("COLUMNS", "wide"))).isEqualTo(TextWrap.DEFAULT_WIDTH);
  }
}
