package dev.katadbg.gdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeeperTest {
  static Keeper.Spec spec(String listen, int pid) {
    return new Keeper.Spec(Path.of("/usr/bin/gdb"), Path.of("/usr/bin/gdbserver"),
        Path.of("/shim"), listen, pid, Path.of("/tmp/s"), Map.of());
  }

  @Test
  void gdbserverListensOnHostAndPortOnly() {
    assertThat(spec("127.0.0.1:4000", 5).listen()).isEqualTo("127.0.0.1:4000");
    assertThatThrownBy(() -> spec("unix:/run/x.sock", 5))
        .hasMessageContaining("gdbserver 13 has no unix sockets");
    assertThatThrownBy(() -> spec("127.0.0.1", 5)).hasMessageContaining("HOST:PORT");
    assertThatThrownBy(() -> spec("127.0.0.1:4000", 0)).hasMessageContaining("positive");
  }

  @Test
  void parametersAreQuotedAsCStrings() {
    assertThat(Keeper.quote("github.com/x/task.(*service).Create"))
        .isEqualTo("\"github.com/x/task.(*service).Create\"");
    assertThat(Keeper.quote("a \"b\" \\c")).isEqualTo("\"a \\\"b\\\" \\\\c\"");
  }

  @Test
  void oneCommandPerCallAndOnlyMiCommands() {
    Keeper k = Keeper.in(Path.of("/nonexistent"));
    assertThatThrownBy(() -> k.call("-exec-continue\n-exec-interrupt", java.time.Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> k.call("continue", java.time.Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
