package dev.katadbg.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GoQuotingTest {
  @Test
  void unquotesInterpretedStrings() {
    assertThat(GoQuoting.unquote("\"all=-N -l\"")).isEqualTo("all=-N -l");
    assertThat(GoQuoting.unquote("\"\"")).isEmpty();
    assertThat(GoQuoting.unquote("\"a\\tb\\nc\\\\d\\\"e\"")).isEqualTo("a\tb\nc\\d\"e");
    assertThat(GoQuoting.unquote("\"\\a\\b\\f\\r\\v\"")).isEqualTo("\u0007\b\f\r\u000b");
    assertThat(GoQuoting.unquote("\"\\x41\\102\"")).isEqualTo("AB");
    // \x and octal escapes are bytes: two of them can form one UTF-8 character.
    assertThat(GoQuoting.unquote("\"\\xc3\\xa9\"")).isEqualTo("é");
    assertThat(GoQuoting.unquote("\"\\u00e9\\U0001F600\"")).isEqualTo("é\uD83D\uDE00");
    assertThat(GoQuoting.unquote("\"日本\"")).isEqualTo("日本");
  }

  @Test
  void unquotesRawStringsDroppingCarriageReturns() {
    assertThat(GoQuoting.unquote("`a \\n \"b\"`")).isEqualTo("a \\n \"b\"");
    assertThat(GoQuoting.unquote("`a\r\nb`")).isEqualTo("a\nb");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "\"", "plain", "\"abc", "`abc", "\"a\"b\"", "`a`b`", "\"a\\\"", "\"\\'\"", "\"\\q\"",
      "\"\\x4\"", "\"\\xZZ\"", "\"\\400\"", "\"\\ud800\"", "\"\\U00110000\"", "\"\\UFFFFFFFF\"",
      "\"a\nb\"", "\"a\\"})
  void rejectsInvalidLiterals(String literal) {
    assertThatThrownBy(() -> GoQuoting.unquote(literal))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void quotedPrefixSkipsEscapedQuotes() {
    assertThat(GoQuoting.quotedPrefixLength("\"a\\\"b\"=c")).isEqualTo(6);
    assertThat(GoQuoting.quotedPrefixLength("`a\"b`=c")).isEqualTo(5);
    assertThatThrownBy(() -> GoQuoting.quotedPrefixLength("\"abc"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
