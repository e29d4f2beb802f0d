package dev.katadbg.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katadbg.config.KatadbgConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A shell script stands in for the shim: a real binary run as the runtime runs one. */
class ShimBinaryTest {
  @TempDir Path dir;

  Path script(String body) throws IOException {
    Path s = dir.resolve("shim");
    Files.writeString(s, "#!/bin/sh\n" + body);
    Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwx------"));
    return s;
  }

  ShimBinary binary(Path shim) throws IOException {
    Path work = Files.createDirectories(dir.resolve("work"));
    Bundle b = new Bundle(work, Files.createDirectories(work.resolve("c1")), Optional.empty());
    RunSpec spec = new RunSpec(shim, false, Optional.empty(), Optional.of(dir), "c1", "ns1",
        List.of("sh"), Optional.empty(), false);
    KatadbgConfig config = KatadbgConfig.parse("[state]\ndir = \"" + dir.resolve("state")
        + "\"\n", dir.resolve("katadbg.toml"));
    return new ShimBinary(spec, config, Map.of("FROM_CALLER", "yes"), b,
        work.resolve("events.sock"));
  }

  @Test
  void theAddressIsPlainTextOrJson() {
    assertThat(ShimBinary.parseAddress("unix:///run/s.sock\n")).isEqualTo("unix:///run/s.sock");
    assertThat(ShimBinary.parseAddress(" {\"address\":\"unix:///run/s.sock\",\"version\":3}"))
        .isEqualTo("unix:///run/s.sock");
    assertThatThrownBy(() -> ShimBinary.parseAddress(" \n"))
        .isInstanceOf(RunException.class).hasMessage("the shim's start printed no address");
  }

  @Test
  void startRunsInTheBundleWithContainerdsFlagsAndOurEnvironment() throws IOException {
    Path seen = dir.resolve("seen");
    ShimBinary b = binary(script("echo \"$PWD|$*|$GOMAXPROCS|$TTRPC_ADDRESS|$FROM_CALLER\" > "
        + seen + "\necho unix:///run/shim.sock\n"));
    List<String> notes = new ArrayList<>();
    ShimBinary.StartReply reply = b.start(notes::add);
    assertThat(reply.text()).isEqualTo("unix:///run/shim.sock\n");
    assertThat(reply.sessionDir()).isEmpty();
    assertThat(notes).isEmpty();
    Path work = dir.resolve("work");
    assertThat(Files.readString(seen)).isEqualTo(work.resolve("c1") + "|-namespace ns1"
        + " -address " + work.resolve("containerd.sock") + " -publish-binary /bin/true -id c1"
        + " start|2|" + work.resolve("events.sock") + "|yes\n");
  }

  @Test
  void deleteNamesTheBundleAndAFailureSaysTheLastLineOfStderr() throws IOException {
    Path seen = dir.resolve("seen");
    ShimBinary b = binary(script("echo \"$*\" > " + seen + "\necho first >&2\n"
        + "echo 'the real reason' >&2\necho >&2\nexit 3\n"));
    assertThatThrownBy(b::delete).isInstanceOf(RunException.class)
        .hasMessage("shim delete failed: the real reason");
    assertThat(Files.readString(seen)).endsWith(" -id c1 -bundle " + dir.resolve("work/c1")
        + " delete\n");
    assertThat(dir.resolve("work/shim-delete.stderr")).as("kept for the user").exists();
  }

  @Test
  void aSilentFailureSaysItsExitStatus() throws IOException {
    ShimBinary b = binary(script("exit 5\n"));
    assertThatThrownBy(() -> b.start(line -> { })).isInstanceOf(RunException.class)
        .hasMessage("shim start failed: exit status 5");
  }
}
