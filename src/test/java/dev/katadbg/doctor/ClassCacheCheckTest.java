package dev.katadbg.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassCacheCheckTest {
  @TempDir Path dir;
  Path lib;

  @BeforeEach
  void jars() throws Exception {
    lib = Files.createDirectories(dir.resolve("lib"));
    // names whose byte order differs from a case-insensitive one: "Z" sorts before "a"
    for (String name : List.of("katadbg.jar", "Zeta-1.0.jar", "protobuf-java-util-4.jar",
        "protobuf-java-4.jar", "notajar.txt")) {
      Files.writeString(lib.resolve(name), "x".repeat(name.length()));
      Files.setLastModifiedTime(lib.resolve(name),
          FileTime.from(Instant.parse("2026-12-06T10:00:00Z").plusSeconds(name.length())));
    }
  }

  Host host() {
    return new Host(new DoctorOptions(Optional.empty(), RuntimeManager.CONTAINERD, "katadbg",
        Path.of("containerd"), dir.resolve("c.toml"), dir.resolve("crio.conf"), dir, Map.of()));
  }

  CheckResult check() {
    return new ClassCacheCheck(Optional.of(lib)).run(host());
  }

  /** The launchers' own computation, by the real stat(1) and sh (dash) glob. */
  String launcherStamp() throws Exception {
    Process p = new ProcessBuilder("sh", "-c", "stat --printf '%Y:%s,' \"$1\"/*.jar", "sh",
        lib.toString()).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).isZero();
    return out;
  }

  @Test
  void stampIsWhatTheLaunchersComputeWithStat() throws Exception {
    assertThat(ClassCacheCheck.stampOf(lib)).isEqualTo(launcherStamp()).contains(",");
  }

  @Test
  void matchingStampIsOk() throws Exception {
    Files.writeString(lib.resolve(ClassCacheCheck.STAMP), "aot " + launcherStamp() + "\n");

    CheckResult r = check();

    assertThat(r.status()).as(r.detail()).isEqualTo(Status.OK);
    assertThat(r.detail()).contains("aot class cache matches");
  }

  @Test
  void aJarWithANewTimestampAsCpWithoutPLeavesItWarnsWithCpA() throws Exception {
    Files.writeString(lib.resolve(ClassCacheCheck.STAMP), "aot " + launcherStamp() + "\n");
    Files.setLastModifiedTime(lib.resolve("katadbg.jar"), FileTime.from(Instant.now()));

    CheckResult r = check();

    assertThat(r.status()).isEqualTo(Status.WARN);
    assertThat(r.detail()).contains("does not match the jars");
    assertThat(r.fix()).get().asString().contains("cp -a");
  }

  @Test
  void anAddedJarDoesNotMatch() throws Exception {
    Files.writeString(lib.resolve(ClassCacheCheck.STAMP), "jsa " + launcherStamp() + "\n");
    Files.writeString(lib.resolve("extra.jar"), "y");

    assertThat(check().status()).isEqualTo(Status.WARN);
  }

  @Test
  void noStampWarns() {
    CheckResult r = check();

    assertThat(r.status()).isEqualTo(Status.WARN);
    assertThat(r.detail()).contains("no class cache");
  }

  @Test
  void outsideAnInstallationThereIsNothingToCheck() {
    CheckResult r = new ClassCacheCheck(Optional.empty()).run(host());

    assertThat(r.status()).isEqualTo(Status.OK);
    assertThat(r.detail()).contains("not run from an installed katadbg");
  }
}
