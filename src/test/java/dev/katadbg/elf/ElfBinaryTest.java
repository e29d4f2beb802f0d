package dev.katadbg.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.katadbg.testsupport.Deps;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

// Malformed input must fail fast; a hang would show up here instead of in katadbg.
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ElfBinaryTest {
  private static final String GO_ROOT = "trixie/usr/lib/go-1.24";
  private static final Path DEBIAN_SHIM = Path.of("/usr/bin/containerd-shim-runc-v2");

  @TempDir Path tmp;

  // --- real binaries on this machine ---------------------------------------------------------

  @Test
  void debugShimBuiltByGo124HasCompressedDwarfAndNoOptimizations() throws IOException {
    ElfBinary elf = ElfBinary.read(Deps.dep("shim/containerd-shim-runc-v2"));

    assertThat(elf.is64Bit()).isTrue();
    assertThat(elf.byteOrder()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
    assertThat(elf.machine()).isEqualTo(62);
    assertThat(elf.hasDwarf()).isTrue();
    assertThat(elf.hasSymbols()).isTrue();
    // Go 1.24 compresses DWARF in place instead of writing .zdebug_* sections.
    assertThat(elf.section(".debug_info")).get()
        .satisfies(s -> assertThat(s.isCompressed()).isTrue());
    assertThat(elf.sections()).extracting(ElfSection::name)
        .contains(".text", ".gopclntab", ".go.buildinfo", ".debug_line", ".debug_frame",
            ".symtab", ".shstrtab")
        .doesNotContain(".zdebug_info");
    assertThat(elf.sections().get(0).name()).isEmpty();

    GoBuildInfo info = elf.goBuildInfo().orElseThrow();
    assertThat(info.goVersion()).isEqualTo("go1.24.4");
    assertThat(info.gcflags()).contains("all=-N -l");
    assertThat(info.optimizationsDisabled()).isTrue();
    assertThat(info.ldflags()).isEmpty();
    assertThat(info.settings())
        .containsEntry("CGO_ENABLED", "1")
        .containsEntry("GOOS", "linux")
        .containsEntry("-buildmode", "exe")
        .containsEntry("CGO_CFLAGS", "");
    // Built in GOPATH mode from a temporary directory: a path but no main module.
    assertThat(info.mainPath()).startsWith("_/");
    assertThat(info.mainModule()).isEmpty();
  }

  @Test
  void debiansShimIsAStrippedGo119BuildWithoutModules() throws IOException {
    ElfBinary elf = ElfBinary.read(Deps.require(DEBIAN_SHIM));

    assertThat(elf.hasDwarf()).isFalse();
    assertThat(elf.hasSymbols()).isFalse();
    assertThat(elf.section(".gnu_debuglink")).isPresent();
    GoBuildInfo info = elf.goBuildInfo().orElseThrow();
    assertThat(info.goVersion()).startsWith("go1.19.");
    assertThat(info.mainPath())
        .isEqualTo("github.com/containerd/containerd/cmd/containerd-shim-runc-v2");
    assertThat(info.mainModule()).isEmpty();
    assertThat(info.deps()).isEmpty();
    assertThat(info.settings()).containsEntry("-trimpath", "true").containsEntry("GOARCH", "amd64");
    assertThat(info.gcflags()).isEmpty();
    assertThat(info.optimizationsDisabled()).isFalse();
  }

  @Test
  void trixieDelveIsAStrippedGo124Build() throws IOException {
    ElfBinary elf = ElfBinary.read(Deps.dep("trixie/usr/bin/dlv"));

    assertThat(elf.hasDwarf()).isFalse();
    assertThat(elf.hasSymbols()).isFalse();
    GoBuildInfo info = elf.goBuildInfo().orElseThrow();
    assertThat(info.goVersion()).isEqualTo("go1.24.4");
    assertThat(info.mainPath()).isEqualTo("github.com/go-delve/delve/cmd/dlv");
    assertThat(info.setting("-tags")).contains("exp.linuxppc64le,exp.linuxriscv64");
  }

  @Test
  void cBinaryHasNoGoBuildInfo() throws IOException {
    ElfBinary elf = ElfBinary.read(Path.of("/usr/bin/ls"));

    assertThat(elf.goBuildInfo()).isEmpty();
    assertThat(elf.hasDwarf()).isFalse();
    assertThat(elf.section(".text")).isPresent();
    assertThat(elf.type()).isEqualTo(3); // a PIE is ET_DYN
  }

  /** Our decoding must agree with the go tool's own reader (debug/buildinfo) field by field. */
  @ParameterizedTest
  @ValueSource(strings = {"shim", "debian-shim", "dlv"})
  void buildInfoEqualsWhatGoVersionMPrints(String which) throws Exception {
    Path file = switch (which) {
      case "shim" -> Deps.dep("shim/containerd-shim-runc-v2");
      case "dlv" -> Deps.dep("trixie/usr/bin/dlv");
      default -> Deps.require(DEBIAN_SHIM);
    };
    String out = runGo(tmp, "version", "-m", file.toString());
    String[] lines = out.split("\n");
    String version = lines[0].substring(lines[0].lastIndexOf(' ') + 1);
    StringBuilder modInfo = new StringBuilder();
    for (int i = 1; i < lines.length; i++) {
      modInfo.append(lines[i].substring(1)).append('\n'); // go indents each line with a tab
    }

    assertThat(ElfBinary.read(file).goBuildInfo())
        .contains(GoBuildInfo.parse(version, modInfo.toString()));
  }

  @Test
  void goBuildWithStrippingLdflagsHasNoDwarfAndReportsLdflags() throws Exception {
    Path main = tmp.resolve("main.go");
    Files.writeString(main, "package main\n\nfunc main() { println(\"hello\") }\n");
    Path out = tmp.resolve("hello");
    runGo(tmp, "build", "-ldflags=-s -w", "-o", out.toString(), main.toString());

    ElfBinary elf = ElfBinary.read(out);

    assertThat(elf.hasDwarf()).isFalse();
    assertThat(elf.hasSymbols()).isFalse();
    GoBuildInfo info = elf.goBuildInfo().orElseThrow();
    assertThat(info.ldflags()).contains("-s -w");
    assertThat(info.optimizationsDisabled()).isFalse();
    assertThat(info.mainPath()).isEqualTo("command-line-arguments");
    assertThat(info.goVersion()).isEqualTo(runGo(tmp, "env", "GOVERSION").strip());
  }

  /** Runs Go 1.24 from .deps offline, with caches in {@code dir} (never the shared .deps ones). */
  private static String runGo(Path dir, String... args) throws Exception {
    Path goRoot = Deps.dep(GO_ROOT);
    List<String> command = new ArrayList<>();
    command.add(goRoot.resolve("bin/go").toString());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
    Map<String, String> env = pb.environment();
    env.put("GOROOT", goRoot.toString());
    env.put("GO111MODULE", "off");
    env.put("GOTOOLCHAIN", "local");
    env.put("GOFLAGS", "");
    env.put("GOCACHE", dir.resolve("gocache").toString());
    env.put("GOPATH", dir.resolve("gopath").toString());
    Path log = dir.resolve("go-stderr.txt");
    pb.redirectError(log.toFile());
    Process p = pb.start();
    String stdout;
    try (InputStream in = p.getInputStream()) {
      stdout = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      if (!p.waitFor(100, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    assertThat(p.exitValue())
        .as("go %s: %s", String.join(" ", args), Files.readString(log))
        .isZero();
    return stdout;
  }

  // --- malformed input ----------------------------------------------------------------------

  @Test
  void emptyFile() throws IOException {
    Path f = Files.createFile(tmp.resolve("empty"));

    assertThatThrownBy(() -> ElfBinary.read(f))
        .isInstanceOf(ElfException.class)
        .hasMessage(f + ": not an ELF file (empty)")
        .satisfies(e -> assertThat(((ElfException) e).file()).isEqualTo(f));
  }

  @Test
  void randomBytesAreNotElf() throws IOException {
    byte[] junk = new byte[4096];
    new Random(42).nextBytes(junk);
    junk[0] = 0x12;
    Path f = Files.write(tmp.resolve("junk"), junk);

    assertThatThrownBy(() -> ElfBinary.read(f))
        .isInstanceOf(ElfException.class)
        .hasMessageContaining(f.toString())
        .hasMessageContaining("not an ELF file");
  }

  @Test
  void truncatedElfHeader() throws IOException {
    byte[] head = new byte[40];
    try (InputStream in = Files.newInputStream(Path.of("/usr/bin/ls"))) {
      assertThat(in.readNBytes(head, 0, head.length)).isEqualTo(head.length);
    }
    Path f = Files.write(tmp.resolve("head"), head);

    assertThatThrownBy(() -> ElfBinary.read(f))
        .isInstanceOf(ElfException.class)
        .hasMessage(f + ": truncated ELF header (40 of 64 bytes)");
  }

  @Test
  void magicOnly() throws IOException {
    Path f = Files.write(tmp.resolve("magic"), new byte[] {0x7f, 'E', 'L', 'F', 2});

    assertThatThrownBy(() -> ElfBinary.read(f)).hasMessage(f + ": truncated ELF header (5 bytes)");
  }

  @Test
  void sectionTablePastEndOfFile() throws IOException {
    SyntheticElf elf = SyntheticElf.elf64().section(".data", new byte[] {1, 2, 3});
    byte[] bytes = elf.build();
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(elf.shoffField(), 1L << 40);
    Path f = Files.write(tmp.resolve("far"), bytes);

    assertThatThrownBy(() -> ElfBinary.read(f))
        .isInstanceOf(ElfException.class)
        .hasMessageStartingWith(f + ": section header table (offset 1099511627776, 64 bytes)")
        .hasMessageContaining("extends past end of file");
  }

  @Test
  void truncatedRealBinaryIsReportedNotMisread() throws IOException {
    Path shim = Deps.dep("shim/containerd-shim-runc-v2");
    byte[] firstMegabyte = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(shim)) {
      assertThat(in.readNBytes(firstMegabyte, 0, firstMegabyte.length))
          .isEqualTo(firstMegabyte.length);
    }
    Path f = Files.write(tmp.resolve("partial"), firstMegabyte);

    assertThatThrownBy(() -> ElfBinary.read(f))
        .isInstanceOf(ElfException.class)
        .hasMessageContaining("extends past end of file (1048576 bytes)");
  }

  @Test
  void sectionExtendingPastEndOfFile() throws IOException {
    SyntheticElf elf = SyntheticElf.elf64().section(".data", new byte[] {1, 2, 3});
    byte[] bytes = elf.build();
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int shoff = (int) b.getLong(elf.shoffField());
    b.putLong(shoff + 64 + 32, 1L << 30); // section 1's sh_size
    Path f = Files.write(tmp.resolve("bigsection"), bytes);

    assertThatThrownBy(() -> ElfBinary.read(f))
        .hasMessageStartingWith(f + ": section .data (offset")
        .hasMessageContaining("1073741824 bytes) extends past end of file");
  }

  @Test
  void implausibleExtendedSectionCount() throws IOException {
    SyntheticElf elf = SyntheticElf.elf64().section(".data", new byte[] {1});
    byte[] bytes = elf.build();
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int shoff = (int) b.getLong(elf.shoffField());
    b.putShort(elf.shnumField(), (short) 0); // count is in section 0's sh_size...
    b.putLong(shoff + 32, 1L << 40); // ...which claims a trillion sections
    Path f = Files.write(tmp.resolve("count"), bytes);

    assertThatThrownBy(() -> ElfBinary.read(f))
        .isInstanceOf(ElfException.class)
        .hasMessageContaining("section count 1099511627776 is implausible");
  }

  @Test
  void unsupportedClass() throws IOException {
    byte[] bytes = SyntheticElf.elf64().build();
    bytes[4] = 3;
    Path f = Files.write(tmp.resolve("class3"), bytes);

    assertThatThrownBy(() -> ElfBinary.read(f))
        .hasMessage(f + ": unsupported ELF class 3 (expected 1 or 2)");
  }

  @Test
  void notARegularFile() {
    assertThatThrownBy(() -> ElfBinary.read(Path.of("/dev/zero")))
        .isInstanceOf(ElfException.class)
        .hasMessage("/dev/zero: not a regular file");
    assertThatThrownBy(() -> ElfBinary.read(tmp))
        .hasMessage(tmp + ": not a regular file");
    assertThatThrownBy(() -> ElfBinary.read(tmp.resolve("missing")))
        .hasMessage(tmp.resolve("missing") + ": no such file");
  }

  @Test
  void elf32BigEndianWithSectionsIsRead() throws IOException {
    byte[] debug = {1, 2, 3, 4};
    Path f = Files.write(tmp.resolve("be32"), SyntheticElf.elf32BigEndian()
        .section(".zdebug_info", debug)
        .section(".symtab", ElfSection.SHT_SYMTAB, 0, 0, new byte[16])
        .section(".bss", ElfSection.SHT_NOBITS, ElfSection.SHF_ALLOC, 0x4000, new byte[0])
        .build());

    ElfBinary elf = ElfBinary.read(f);

    assertThat(elf.is64Bit()).isFalse();
    assertThat(elf.byteOrder()).isEqualTo(ByteOrder.BIG_ENDIAN);
    assertThat(elf.machine()).isEqualTo(8);
    assertThat(elf.sections()).extracting(ElfSection::name)
        .containsExactly("", ".zdebug_info", ".symtab", ".bss", ".shstrtab");
    assertThat(elf.hasDwarf()).isTrue();
    assertThat(elf.hasSymbols()).isTrue();
    assertThat(elf.section(".bss").orElseThrow().address()).isEqualTo(0x4000);
    assertThat(elf.goBuildInfo()).isEmpty();
  }

  @Test
  void dwarfSectionWithoutFileDataDoesNotCount() throws IOException {
    // objcopy --only-keep-debug turns sections into SHT_NOBITS; an empty .debug_info is useless.
    Path f = Files.write(tmp.resolve("nobits"), SyntheticElf.elf64()
        .section(".debug_info", ElfSection.SHT_NOBITS, 0, 0, new byte[0])
        .build());

    assertThat(ElfBinary.read(f).hasDwarf()).isFalse();
  }

  @Test
  void everyTruncationOfAValidFileFailsCleanly() throws IOException {
    byte[] whole = SyntheticElf.elf64()
        .section(".go.buildinfo", SyntheticElf.modernBuildInfo("go1.24.4",
            "path\tx\nbuild\t-ldflags=\"-s -w\"\n"))
        .build();
    assertThat(ElfBinary.read(Files.write(tmp.resolve("whole"), whole)).goBuildInfo()
        .flatMap(GoBuildInfo::ldflags)).contains("-s -w");

    for (int length = 0; length < whole.length; length++) {
      Path f = Files.write(tmp.resolve("cut"), java.util.Arrays.copyOf(whole, length));
      assertThatThrownBy(() -> ElfBinary.read(f))
          .as("first %d bytes", length)
          .isInstanceOf(ElfException.class);
    }
  }

  /**
   * Random corruption must end in a result or an {@link ElfException}, never in an unchecked
   * exception from a bad index, an OutOfMemoryError or a hang.
   */
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
  void randomCorruptionFailsCleanly(long seed) throws IOException {
    byte[] whole = SyntheticElf.elf64()
        .section(".data", new byte[] {1, 2, 3})
        .section(".go.buildinfo", SyntheticElf.modernBuildInfo("go1.24.4",
            "path\tx\nmod\tx\t(devel)\t\ndep\ty\tv1.0.0\th1:abc=\n=>\tz\tv1.1.0\th1:def=\n"
                + "build\t-gcflags=\"all=-N -l\"\n"))
        .build();
    Random random = new Random(seed);
    for (int round = 0; round < 200; round++) {
      byte[] bytes = whole.clone();
      int flips = 1 + random.nextInt(4);
      for (int i = 0; i < flips; i++) {
        // Keep the magic so the interesting code runs, and aim at headers as often as data.
        int at = 4 + random.nextInt(bytes.length - 4);
        bytes[at] = (byte) random.nextInt(256);
      }
      Path f = Files.write(tmp.resolve("fuzz"), bytes);
      assertThatCode(() -> {
        try {
          ElfBinary.read(f);
        } catch (ElfException expected) {
          assertThat(expected).hasMessageStartingWith(f + ": ");
        }
      }).as("seed %d round %d", seed, round).doesNotThrowAnyException();
    }
  }
}
