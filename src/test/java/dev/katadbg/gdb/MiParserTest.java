package dev.katadbg.gdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** gdb 13's MI output, as the keeper's file holds it (lines taken from real sessions). */
class MiParserTest {
  @Test
  void aResultRecordWithItsTokenAndNestedValues() {
    MiRecord r = MiParser.parse("5^done,bkpt={number=\"1\",type=\"breakpoint\",disp=\"keep\","
        + "enabled=\"y\",addr=\"0x000055dc721efb56\","
        + "func=\"rustshim::service::TaskService::connect\",file=\"src/service.rs\","
        + "fullname=\"/work/src/service.rs\",line=\"122\",thread-groups=[\"i1\"],times=\"0\","
        + "original-location=\"rustshim::service::TaskService::connect\"}");
    assertThat(r.token()).hasValue(5);
    assertThat(r.kind()).isEqualTo(MiRecord.Kind.RESULT);
    assertThat(r.name()).isEqualTo("done");
    assertThat(r.answers(5)).isTrue();
    assertThat(r.answers(6)).isFalse();
    GdbBreakpoint b = GdbBreakpoint.of(r.fields().tuple("bkpt").orElseThrow());
    assertThat(b).isEqualTo(new GdbBreakpoint(1, "rustshim::service::TaskService::connect",
        "rustshim::service::TaskService::connect", "/work/src/service.rs", 122,
        "0x000055dc721efb56", 0));
    assertThat(b.pending()).isFalse();
  }

  @Test
  void threadsOfAStoppedTargetWithTheirFrames() {
    MiRecord r = MiParser.parse("6^done,threads=[{id=\"1\",target-id=\"Thread 20774.20774\","
        + "name=\"containerd-shim\",frame={level=\"0\",addr=\"0x00007f0eb0a94b70\","
        + "func=\"_start\",args=[],from=\"/lib64/ld-linux-x86-64.so.2\",arch=\"i386:x86-64\"},"
        + "state=\"stopped\",core=\"1\"},{id=\"2\",target-id=\"Thread 20774.20790\","
        + "name=\"client_handler\",state=\"running\",core=\"0\"}],current-thread-id=\"1\"");
    List<GdbThread> threads = r.fields().items("threads").stream()
        .map(v -> GdbThread.of((MiValue.Tuple) v)).toList();
    assertThat(threads).containsExactly(
        new GdbThread(1, 20774, "containerd-shim", true,
            Optional.of(new GdbFrame("_start", "", 0, "0x00007f0eb0a94b70"))),
        new GdbThread(2, 20790, "client_handler", false, Optional.empty()));
    assertThat(r.fields().text("current-thread-id")).hasValue("1");
  }

  @Test
  void aListOfResultsKeepsItsValuesInOrder() {
    MiRecord r = MiParser.parse("17^done,stack=[frame={level=\"0\",addr=\"0x1\",func=\"a\","
        + "file=\"x.rs\",fullname=\"/s/x.rs\",line=\"64\"},frame={level=\"1\",addr=\"0x2\","
        + "func=\"b\",file=\"y.rs\",line=\"9\"}]");
    assertThat(r.fields().items("stack").stream().map(v -> GdbFrame.of((MiValue.Tuple) v)))
        .containsExactly(new GdbFrame("a", "/s/x.rs", 64, "0x1"),
            new GdbFrame("b", "y.rs", 9, "0x2"));
  }

  @Test
  void asyncAndStreamRecords() {
    MiRecord stop = MiParser.parse("*stopped,reason=\"breakpoint-hit\",disp=\"keep\","
        + "bkptno=\"1\",frame={addr=\"0x1\",func=\"f\",args=[{name=\"self\",value=\"0x5\"},"
        + "{name=\"req\",value=\"...\"}]},thread-id=\"2\",stopped-threads=\"all\",core=\"0\"");
    assertThat(stop.kind()).isEqualTo(MiRecord.Kind.EXEC);
    assertThat(stop.token()).isEmpty();
    assertThat(stop.name()).isEqualTo("stopped");
    assertThat(stop.fields().text("bkptno")).hasValue("1");

    MiRecord console = MiParser.parse("~\"Thread 2 \\\"client_handler\\\" hit Breakpoint 1\\n\"");
    assertThat(console.kind()).isEqualTo(MiRecord.Kind.CONSOLE);
    assertThat(console.name()).isEqualTo("Thread 2 \"client_handler\" hit Breakpoint 1\n");

    assertThat(MiParser.parse("=thread-group-added,id=\"i1\"").kind())
        .isEqualTo(MiRecord.Kind.NOTIFY);
    assertThat(MiParser.parse("&\"warning: x\\n\"").kind()).isEqualTo(MiRecord.Kind.LOG);
    assertThat(MiParser.parse("(gdb) ").kind()).isEqualTo(MiRecord.Kind.PROMPT);
    assertThat(MiParser.parse("7^running").fields().fields()).isEmpty();
  }

  @Test
  void anErrorRecordCarriesGdbsMessage() {
    MiRecord r = MiParser.parse("173587280931^error,msg=\"Cannot execute this command while"
        + " the target is running.\\nUse the \\\"interrupt\\\" command to stop the target\"");
    assertThat(r.name()).isEqualTo("error");
    assertThat(r.errorMessage()).isEqualTo("Cannot execute this command while the target is"
        + " running.\nUse the \"interrupt\" command to stop the target");
  }

  @Test
  void octalEscapesAreBytesSoUtf8SurvivesAndNonPrintablesToo() {
    // gdb writes bytes it considers unprintable in octal: "é" is \303\251 in UTF-8.
    assertThat(MiParser.parse("~\"caf\\303\\251 \\001x\"").name()).isEqualTo("café \u0001x");
    assertThat(MiParser.parse("~\"tab\\there\"").name()).isEqualTo("tab\there");
  }

  @Test
  void linesThatAreNotMiAreRejectedWithWhere() {
    assertThatThrownBy(() -> MiParser.parse("daemon pid 5 serving"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("column 1");
    assertThatThrownBy(() -> MiParser.parse("5^done,x=\"unterminated"))
        .hasMessageContaining("unterminated string");
    assertThatThrownBy(() -> MiParser.parse("5^done,x={a=\"1\""))
        .hasMessageContaining("expected '}'");
    assertThatThrownBy(() -> MiParser.parse("5~\"x\"")).hasMessageContaining("no token");
    assertThatThrownBy(() -> MiParser.parse("")).hasMessageContaining("no record type");
  }
}
