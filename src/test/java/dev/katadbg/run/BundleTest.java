package dev.katadbg.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleTest {
  @TempDir Path dir;

  RunSpec fromRootfs(Path rootfs) {
    return new RunSpec(Path.of("/bin/true"), false, Optional.empty(), Optional.of(rootfs),
        "c1", "default", List.of("sh"), Optional.empty(), false);
  }

  RunSpec fromBundle(Path bundle) {
    return new RunSpec(Path.of("/bin/true"), false, Optional.of(bundle), Optional.empty(),
        "c1", "default", List.of(), Optional.empty(), false);
  }

  static long entries(Path d) throws IOException {
    try (var l = Files.list(d)) {
      return l.count();
    }
  }

  static boolean isFifo(Path p) throws IOException {
    return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class).isOther();
  }

  @Test
  void aRootfsGetsABundleNamedByTheIdInAPrivateWorkDirAndAllOfItGoes() throws IOException {
    Path state = dir.resolve("state");
    Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
    Bundle b = Bundle.create(state, fromRootfs(rootfs));

    assertThat(b.work().getParent()).isEqualTo(state.resolve("run"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(b.work())))
        .isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state)))
        .isEqualTo("rwx------");
    assertThat(b.dir()).isEqualTo(b.work().resolve("c1"));
    assertThat(Files.readString(b.dir().resolve("config.json"))).contains(rootfs.toString());
    assertThat(b.ownLog()).contains(b.dir().resolve("log"));
    assertThat(isFifo(b.dir().resolve("log"))).isTrue();
    assertThat(b.fifo(StdioRelays.Role.LOG)).isEqualTo(b.dir().resolve("log"));
    assertThat(b.fifo(StdioRelays.Role.STDERR)).isEqualTo(b.work().resolve("stderr"));
    assertThat(isFifo(b.makeFifo(StdioRelays.Role.STDOUT))).isTrue();

    b.remove(new StdioRelays(), line -> { });
    assertThat(entries(state.resolve("run"))).isZero();
  }

  @Test
  void aUsersBundleIsKeptWithoutTheLogWeMade() throws IOException {
    Path mine = Files.createDirectories(dir.resolve("bundles/c1"));
    Files.writeString(mine.resolve("config.json"), "{}");
    Bundle b = Bundle.create(dir.resolve("state"), fromBundle(mine));
    assertThat(b.dir()).isEqualTo(mine);
    assertThat(b.ownLog()).contains(mine.resolve("log"));

    b.remove(new StdioRelays(), line -> { });
    assertThat(mine.resolve("config.json")).exists();
    assertThat(mine.resolve("log")).doesNotExist();
    assertThat(entries(dir.resolve("state/run"))).isZero();
  }

  @Test
  void aLogTheBundleBroughtIsItsOwn() throws IOException {
    Path mine = Files.createDirectories(dir.resolve("bundles/c1"));
    Files.writeString(mine.resolve("config.json"), "{}");
    Files.writeString(mine.resolve("log"), "");
    Bundle b = Bundle.create(dir.resolve("state"), fromBundle(mine));
    assertThat(b.ownLog()).isEmpty();
    b.remove(new StdioRelays(), line -> { });
    assertThat(mine.resolve("log")).isRegularFile();
  }

  @Test
  void whatCannotBeABundleSaysWhyAndLeavesNoWorkDir() throws IOException {
    Path state = dir.resolve("state");
    assertThatThrownBy(() -> Bundle.create(state, fromRootfs(dir.resolve("missing"))))
        .isInstanceOf(RunException.class)
        .hasMessage("rootfs " + dir.resolve("missing") + " is not a directory");
    Path empty = Files.createDirectories(dir.resolve("empty"));
    assertThatThrownBy(() -> Bundle.create(state, fromBundle(empty)))
        .isInstanceOf(RunException.class).hasMessage("bundle " + empty + " has no config.json");
    assertThat(entries(state.resolve("run"))).isZero();
  }

  @Test
  void aLogFifoOutsideTheBundleIsRefused() {
    assertThatThrownBy(() -> new Bundle(dir, dir.resolve("c1"), Optional.of(dir.resolve("log"))))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
