package dev.katadbg.delve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.katadbg.testenv.TestEnv;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * DelveGoSupport's table and {@code dlv version} parsing against the real Delves: the window a
 * running server reports in GetVersion (the only place Delve states it) must equal the table's.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class DelveGoSupportIT {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"trixie", "bookworm"})
  void tableMatchesWhatTheRealServerReports(String release) throws Exception {
    TestEnv env = TestEnv.require(TestEnv.Part.DLV, TestEnv.Part.OLD_DLV, TestEnv.Part.DEBUG_SHIM);
    Path dlv = release.equals("trixie") ? env.dlv() : env.oldDlv();

    Semver fromCli = DelveGoSupport.version(dlv, Duration.ofSeconds(20));
    DelveGoSupport.GoWindow table = DelveGoSupport.window(fromCli);

    // The shim is built by Go 1.24, too new for 1.20.2: skip Delve's check so it starts at all.
    var spec = new LaunchSpec(dlv, new LaunchSpec.Exec(env.debugShim(), List.of(),
        LaunchSpec.Redirects.none()), DelveAddress.parse("127.0.0.1:0"), dir,
        DelveDeps.environment(dir), dir.resolve("dlv.log"), false);
    DelveProcess process = new DelveLauncher().launch(spec);
    try (DelveClient client = process.connect(Duration.ofSeconds(30))) {
      DelveVersion v = client.version();
      assertThat(v.delveVersion()).isEqualTo(fromCli);
      assertThat(v.minSupportedGo()).isPresent();
      assertThat(v.maxSupportedGo()).isPresent();
      assertThat(table.exact()).isTrue();
      assertThat(table.minGoMinor()).isEqualTo(v.minSupportedGo().get().minor());
      assertThat(table.maxGoMinor()).isEqualTo(v.maxSupportedGo().get().minor());
    } finally {
      process.handle().descendants().forEach(ProcessHandle::destroyForcibly);
      process.kill();
    }
  }
}
