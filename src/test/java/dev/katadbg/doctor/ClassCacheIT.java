package dev.katadbg.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.katadbg.testenv.TestEnv;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built launchers and their class cache, installed the two ways a user copies a directory:
 * {@code cp -a} keeps the jars' timestamps and the cache is used; {@code cp -r} does not, the
 * JVM would reject the cache, so the launchers leave it out (the JVM starts, silently, without
 * it) and {@code doctor} says how to get it back. {@code sh -x} shows the exec line the
 * launcher really ran.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ClassCacheIT {
  @TempDir Path dir;
  Path dist;

  @BeforeEach
  void built() {
    dist = TestEnv.require().dist();
    assertThat(dist.resolve("lib/" + ClassCacheCheck.STAMP)).as("mvn package trains the cache")
        .isRegularFile();
  }

  record Run(int exit, String out, String err) {}

  Run run(String... command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().remove("KATADBG_JAVA");
    pb.environment().put("KATADBG_CONFIG", dir.resolve("none.toml").toString());
    // The launcher's own JVM, not a resident server that would outlive this copy.
    pb.environment().put("KATADBG_SERVER", "0");
    Process p = pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .start();
    var err = p.getErrorStream();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String e = new String(err.readAllBytes(), StandardCharsets.UTF_8);
    return new Run(p.waitFor(), out, e);
  }

  Path install(String how) throws Exception {
    Path to = dir.resolve(how.replace("-", ""));
    assertThat(run("cp", how, dist.toString(), to.toString()).exit()).isZero();
    return to;
  }

  JsonObject check(Path home, String name) throws Exception {
    Run r = run(home.resolve("bin/katadbg").toString(), "doctor", "--json");
    JsonArray a = JsonParser.parseString(r.out()).getAsJsonArray();
    List<String> seen = new ArrayList<>();
    for (JsonElement e : a) {
      JsonObject o = e.getAsJsonObject();
      seen.add(o.get("name").getAsString());
      if (o.get("name").getAsString().equals(name)) {
        return o;
      }
    }
    throw new AssertionError("no " + name + " check in " + seen);
  }

  String cacheStatus(Path home) throws Exception {
    JsonObject o = check(home, "class-cache");
    return o.get("status").getAsString() + ": " + o.get("detail").getAsString();
  }

  @Test
  void doctorFromAnInstalledCopyNamesThatCopysWrapperInItsFix() throws Exception {
    Path home = install("-a");

    JsonObject wrapper = check(home, "wrapper");

    if (!wrapper.get("status").getAsString().equals("ok")) {
      assertThat(wrapper.get("fix").getAsString())
          .startsWith("ln -s " + home.resolve("bin/containerd-shim-katadbg-v2") + " ");
    }
  }

  @Test
  void aCopyWithTimestampsUsesTheCache() throws Exception {
    Path home = install("-a");

    Run traced = run("sh", "-x", home.resolve("bin/katadbg").toString(), "--version");

    assertThat(traced.exit()).isZero();
    assertThat(traced.err()).containsPattern("-XX:(AOTCache|SharedArchiveFile)=" + home);
    assertThat(cacheStatus(home)).startsWith("ok: ");
  }

  @Test
  void aCopyWithNewTimestampsRunsWithoutTheCacheSilentlyAndDoctorWarns() throws Exception {
    Path home = install("-r");

    Run traced = run("sh", "-x", home.resolve("bin/katadbg").toString(), "--version");
    Run plain = run(home.resolve("bin/katadbg").toString(), "--version");

    assertThat(traced.exit()).isZero();
    assertThat(traced.err()).doesNotContain("-XX:AOTCache").doesNotContain("SharedArchiveFile");
    assertThat(plain.exit()).isZero();
    assertThat(plain.err()).isEmpty();
    assertThat(plain.out()).contains("katadbg");
    assertThat(cacheStatus(home)).startsWith("warn: ").contains("does not match the jars");
  }
}
