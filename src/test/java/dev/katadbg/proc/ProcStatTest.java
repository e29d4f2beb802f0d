package dev.katadbg.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProcStatTest {
  // A real line from this machine's /proc/self/stat, fields 1 to 52.
  private static final String SLEEP = "8898 (sleep) S 8884 8884 7290 0 -1 4194304 98 0 0 0 0 0 0 0"
      + " 20 0 1 0 35468123 5611520 220 18446744073709551615 94 95 96 0 0 0 0 0 0 0 0 0 17 1 0 0"
      + " 0 0 0 97 98 99 100 101 102 103 0\n";

  @Test
  void parsesTheFieldsWeUse() {
    ProcStat s = ProcStat.parse(SLEEP.getBytes(StandardCharsets.US_ASCII));

    assertThat(s).isEqualTo(new ProcStat(8898, "sleep", 'S', 8884, 35468123L));
  }

  @Test
  void commMayHoldSpacesParenthesesAndNewlines() {
    String line = SLEEP.replace("(sleep)", "(a) b (c)").replace("8898 ", "42 ");
    assertThat(ProcStat.parse(line.getBytes(StandardCharsets.UTF_8)).comm()).isEqualTo("a) b (c");

    String odd = SLEEP.replace("(sleep)", "() ) S 1 (\n)");
    ProcStat s = ProcStat.parse(odd.getBytes(StandardCharsets.UTF_8));
    assertThat(s.comm()).isEqualTo(") ) S 1 (\n");
    assertThat(s.state()).isEqualTo('S');
    assertThat(s.ppid()).isEqualTo(8884);
  }

  @Test
  void rejectsOtherShapes() {
    assertThatThrownBy(() -> ProcStat.parse("".getBytes(StandardCharsets.US_ASCII)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProcStat.parse("1 (x) S 0 1".getBytes(StandardCharsets.US_ASCII)))
        .hasMessageContaining("expected at least 22 fields");
    assertThatThrownBy(() -> ProcStat.parse(
            SLEEP.replace(" 35468123 ", " soon ").getBytes(StandardCharsets.US_ASCII)))
        .hasMessageStartingWith("bad number");
  }
}
