package dev.katadbg.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katadbg.config.KatadbgConfig.OnFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KatadbgConfigTest {
  private static final Path SRC = Path.of("/etc/katadbg/config.toml");

  @Test
  void fullConfigIsRead() {
    KatadbgConfig c = KatadbgConfig.parse("""
        # the real shim
        [shim]
        binary = "/usr/local/bin/containerd-shim-kata-v2"

        [debugger]
        path = "/usr/local/bin/dlv"
        listen = "unix:"
        wait_for_client = false
        follow_exec_regex = "kata-v2 -namespace"
        breakpoints = ["main.main", "service.go:120"]
        start_timeout = "1m30s"
        on_failure = "passthrough"
        check_go_version = false
        kind = "gdb"
        gdb = "/opt/gdb/bin/gdb"
        gdbserver = "gdbserver-multiarch"

        [state]
        dir = "/run/katadbg-test"
        """, SRC);
    assertThat(c.shimBinary()).contains(Path.of("/usr/local/bin/containerd-shim-kata-v2"));
    assertThat(c.debugger().path()).isEqualTo("/usr/local/bin/dlv");
    assertThat(c.debugger().listen()).isEqualTo(new ListenPolicy.Unix(Optional.empty()));
    assertThat(c.debugger().waitForClient()).isFalse();
    assertThat(c.debugger().followExecRegex()).contains("kata-v2 -namespace");
    assertThat(c.debugger().breakpoints()).containsExactly("main.main", "service.go:120");
    assertThat(c.debugger().startTimeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(c.debugger().onFailure()).isEqualTo(OnFailure.PASSTHROUGH);
    assertThat(c.debugger().checkGoVersion()).isFalse();
    assertThat(c.debugger().kind()).isEqualTo(KatadbgConfig.Kind.GDB);
    assertThat(c.debugger().gdb()).isEqualTo("/opt/gdb/bin/gdb");
    assertThat(c.debugger().gdbserver()).isEqualTo("gdbserver-multiarch");
    assertThat(c.stateDir()).isEqualTo(Path.of("/run/katadbg-test"));
  }

  @Test
  void autoKindChoosesByTheBinaryAndAFixedKindDoesNotReadIt() {
    assertThat(KatadbgConfig.Kind.AUTO.resolve(() -> true)).isEqualTo(KatadbgConfig.Kind.DELVE);
    assertThat(KatadbgConfig.Kind.AUTO.resolve(() -> false)).isEqualTo(KatadbgConfig.Kind.GDB);
    java.util.function.BooleanSupplier unread = () -> {
      throw new AssertionError("the binary was read for a fixed kind");
    };
    assertThat(KatadbgConfig.Kind.GDB.resolve(unread)).isEqualTo(KatadbgConfig.Kind.GDB);
    assertThat(KatadbgConfig.Kind.DELVE.resolve(unread)).isEqualTo(KatadbgConfig.Kind.DELVE);
  }

  @Test
  void emptyFileGivesTheDocumentedDefaults() {
    KatadbgConfig c = KatadbgConfig.parse("", SRC);
    assertThat(c.shimBinary()).isEmpty();
    assertThat(c.debugger().path()).isEqualTo("dlv");
    assertThat(c.debugger().listen()).isEqualTo(new ListenPolicy.Tcp("127.0.0.1", 0));
    assertThat(c.debugger().waitForClient()).isTrue();
    assertThat(c.debugger().onFailure()).isEqualTo(OnFailure.FAIL);
    assertThat(c.debugger().startTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.debugger().kind()).isEqualTo(KatadbgConfig.Kind.AUTO);
    assertThat(c.debugger().gdb()).isEqualTo("gdb");
    assertThat(c.debugger().gdbserver()).isEqualTo("gdbserver");
    assertThat(c.stateDir()).isEqualTo(Path.of("/run/katadbg"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "[debugger]\\nlisen = 'x'        | config.toml:2:1: unknown key debugger.lisen",
      "[debuger]\\npath = 'x'          | unknown table [debuger]",
      "[shim]\\nbinary = 'kata'        | config.toml:2:1: shim.binary must be an absolute path",
      "[shim]\\nbinary = 3             | shim.binary must be a string",
      "[debugger]\\nwait_for_client = 'yes' | debugger.wait_for_client must be true or false",
      "[debugger]\\nstart_timeout = '10 s' | debugger.start_timeout '10 s' is not a duration",
      "[debugger]\\nstart_timeout = 0    | debugger.start_timeout must be positive",
      "[debugger]\\non_failure = 'ignore' | debugger.on_failure must be \"fail\" or \"passthrough\"",
      "[debugger]\\nlisten = '127.0.0.1' | debugger.listen '127.0.0.1' is not HOST:PORT",
      "[debugger]\\nlisten = 'unix:rel' | debugger.listen unix socket path rel must be absolute",
      "[debugger]\\nbreakpoints = 'main.main' | debugger.breakpoints must be a list of strings",
      "[debugger]\\nbreakpoints = ['']  | debugger.breakpoints item 1 must be a non-empty string",
      "[debugger]\\nfollow_exec_regex = '(' | debugger.follow_exec_regex is not a valid regular",
      "shim = 1                        | shim must be a table",
      "[debugger]\\nkind = 'lldb'       | debugger.kind must be \"auto\", \"delve\" or \"gdb\"",
      "[debugger]\\ngdb = ''            | debugger.gdb and debugger.gdbserver must not be empty",
      "[shim\\nbinary='/x'              | config.toml:1:",
  })
  void badInputNamesFileLineAndKey(String toml, String expected) {
    assertThatThrownBy(() -> KatadbgConfig.parse(toml.replace("\\n", "\n"), Path.of("config.toml")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(expected)
        .hasMessageStartingWith("config.toml");
  }

  @Test
  void missingDefaultFileMeansDefaultsButMissingExplicitFileIsAnError(@TempDir Path dir) {
    Path missing = dir.resolve("nope.toml");
    assertThatThrownBy(() -> KatadbgConfig.load(Map.of(KatadbgConfig.ENV, missing.toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(missing + " (from KATADBG_CONFIG) does not exist");
  }

  @Test
  void loadReadsTheFileNamedByTheEnvironment(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("c.toml");
    Files.writeString(f, "[shim]\nbinary = \"/opt/shim\"\n");
    KatadbgConfig c = KatadbgConfig.load(Map.of(KatadbgConfig.ENV, f.toString()));
    assertThat(c.requireShimBinary()).isEqualTo(Path.of("/opt/shim"));
    assertThat(c.source()).contains(f);
  }

  @Test
  void requireShimBinarySaysWhatToSet() {
    assertThatThrownBy(() -> KatadbgConfig.parse("", SRC).requireShimBinary())
        .hasMessage("no real shim configured: set [shim] binary in /etc/katadbg/config.toml"
            + " (or point KATADBG_CONFIG at a config that does)");
  }

  @ParameterizedTest
  @CsvSource({"30s,30000", "1m30s,90000", "500ms,500", "2h,7200000", "1.5s,1500", "45,45000"})
  void goDurations(String text, long millis) {
    assertThat(GoDuration.parse(text).toMillis()).isEqualTo(millis);
  }

  @Test
  void listenPolicies() {
    Path dir = Path.of("/run/katadbg/sessions/x");
    assertThat(ListenPolicy.parse("127.0.0.1:0").resolve(dir, 4321)).isEqualTo("127.0.0.1:4321");
    assertThat(ListenPolicy.parse("127.0.0.1:2345").resolve(dir, 4321))
        .isEqualTo("127.0.0.1:2345");
    assertThat(ListenPolicy.parse("[::1]:0").resolve(dir, 7)).isEqualTo("[::1]:7");
    assertThat(ListenPolicy.parse("unix:").resolve(dir, 7))
        .isEqualTo("unix:/run/katadbg/sessions/x/dlv.sock");
    assertThat(ListenPolicy.parse("127.0.0.1:0").isRemote()).isFalse();
    assertThat(ListenPolicy.parse("localhost:0").isRemote()).isFalse();
    assertThat(ListenPolicy.parse("[::1]:0").isRemote()).isFalse();
    assertThat(ListenPolicy.parse("0.0.0.0:2345").isRemote()).isTrue();
    assertThat(ListenPolicy.parse("unix:/tmp/x.sock").isRemote()).isFalse();
  }
}
