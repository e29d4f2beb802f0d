package dev.katadbg.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The .go.buildinfo layouts, written by hand from the format described in GoBuildInfoReader. */
class GoBuildInfoReaderTest {
  private static final long RODATA = 0x4a0000;
  private static final int PROGBITS = SyntheticElf.SHT_PROGBITS;

  @TempDir Path tmp;

  @Test
  void modernInlineLayout() throws IOException {
    String modInfo = "path\texample.com/hello\nmod\texample.com/hello\t(devel)\t\n"
        + "build\t-ldflags=\"-s -w\"\n";
    ElfBinary elf = write(SyntheticElf.elf64()
        .section(".go.buildinfo", SyntheticElf.modernBuildInfo("go1.22.0", modInfo)));

    GoBuildInfo info = elf.goBuildInfo().orElseThrow();
    assertThat(info.goVersion()).isEqualTo("go1.22.0");
    assertThat(info.mainPath()).isEqualTo("example.com/hello");
    assertThat(info.ldflags()).contains("-s -w");
  }

  @Test
  void longModuleInfoUsesMultiByteLengths() throws IOException {
    StringBuilder modInfo = new StringBuilder("path\tbig\n");
    for (int i = 0; i < 3000; i++) {
      modInfo.append("dep\texample.com/m").append(i)
          .append("\tv1.0.").append(i).append("\th1:x=\n");
    }
    ElfBinary elf = write(SyntheticElf.elf64()
        .section(".go.buildinfo", SyntheticElf.modernBuildInfo("go1.24.4", modInfo.toString())));

    assertThat(elf.goBuildInfo().orElseThrow().deps()).hasSize(3000);
  }

  @Test
  void pre118PointerLayoutLittleEndian64() throws IOException {
    ElfBinary elf = write(pointerLayout(SyntheticElf.elf64(), 8, ByteOrder.LITTLE_ENDIAN,
        "go1.16.15", "path\texample.com/old\nmod\texample.com/old\t(devel)\t\n"));

    GoBuildInfo info = elf.goBuildInfo().orElseThrow();
    assertThat(info.goVersion()).isEqualTo("go1.16.15");
    assertThat(info.mainPath()).isEqualTo("example.com/old");
    assertThat(info.mainModule()).map(GoModule::version).contains("(devel)");
  }

  @Test
  void pre118PointerLayoutBigEndian32() throws IOException {
    ElfBinary elf = write(pointerLayout(SyntheticElf.elf32BigEndian(), 4, ByteOrder.BIG_ENDIAN,
        "go1.13", ""));

    GoBuildInfo info = elf.goBuildInfo().orElseThrow();
    assertThat(info.goVersion()).isEqualTo("go1.13");
    // GOPATH builds before 1.18 carry an empty module info string.
    assertThat(info.mainPath()).isEmpty();
    assertThat(info.settings()).isEmpty();
  }

  @Test
  void danglingPointerIsAnError() throws IOException {
    ByteBuffer blob =
        ByteBuffer.wrap(SyntheticElf.magicHeader(8, 0)).order(ByteOrder.LITTLE_ENDIAN);
    blob.putLong(16, 0xdead0000L).putLong(24, 0xdead0010L);
    Path f = Files.write(tmp.resolve("dangling"), SyntheticElf.elf64()
        .section(".go.buildinfo", blob.array()).build());

    assertThatThrownBy(() -> ElfBinary.read(f))
        .isInstanceOf(ElfException.class)
        .hasMessage(f + ": .go.buildinfo: address 0xdead0000 is not in any section with file data");
  }

  @Test
  void lengthPastTheSectionIsAnError() throws IOException {
    ByteArrayOutputStream blob = new ByteArrayOutputStream();
    blob.writeBytes(SyntheticElf.magicHeader(8, 2));
    blob.writeBytes(new byte[] {(byte) 0xff, (byte) 0xff, 0x03}); // 65535 bytes, 3 present
    blob.writeBytes("go1".getBytes(StandardCharsets.UTF_8));
    Path f = Files.write(tmp.resolve("long"), SyntheticElf.elf64()
        .section(".go.buildinfo", blob.toByteArray()).build());

    assertThatThrownBy(() -> ElfBinary.read(f))
        .isInstanceOf(ElfException.class)
        .hasMessage(f + ": .go.buildinfo: Go version: length 65535 runs past the end of the "
            + "section (3 bytes left)");
  }

  @Test
  void missingMagicIsAnError() throws IOException {
    Path f = Files.write(tmp.resolve("nomagic"), SyntheticElf.elf64()
        .section(".go.buildinfo", new byte[64]).build());

    assertThatThrownBy(() -> ElfBinary.read(f))
        .hasMessage(f + ": .go.buildinfo: no \"\\xff Go buildinf:\" header in 64 bytes");
  }

  @Test
  void overlongVarintIsAnError() throws IOException {
    ByteArrayOutputStream blob = new ByteArrayOutputStream();
    blob.writeBytes(SyntheticElf.magicHeader(8, 2));
    for (int i = 0; i < 12; i++) {
      blob.write(0xff);
    }
    Path f = Files.write(tmp.resolve("varint"), SyntheticElf.elf64()
        .section(".go.buildinfo", blob.toByteArray()).build());

    assertThatThrownBy(() -> ElfBinary.read(f)).hasMessageContaining("overflows 64 bits");
  }

  private ElfBinary write(SyntheticElf elf) throws IOException {
    return ElfBinary.read(Files.write(tmp.resolve("synthetic"), elf.build()));
  }

  /**
   * Go 1.13–1.17: the header holds two pointers to Go string headers {data, len} in .rodata
   * (here: the two headers first, then the bytes).
   */
  private static SyntheticElf pointerLayout(
      SyntheticElf elf, int pointerSize, ByteOrder order, String version, String modInfo) {
    byte[] versionBytes = version.getBytes(StandardCharsets.UTF_8);
    byte[] modBytes = SyntheticElf.wrapSentinels(modInfo);
    int headers = 4 * pointerSize;
    ByteBuffer rodata = ByteBuffer.allocate(headers + versionBytes.length + modBytes.length)
        .order(order);
    putPointer(rodata, 0, pointerSize, RODATA + headers);
    putPointer(rodata, pointerSize, pointerSize, versionBytes.length);
    putPointer(rodata, 2 * pointerSize, pointerSize, RODATA + headers + versionBytes.length);
    putPointer(rodata, 3 * pointerSize, pointerSize, modBytes.length);
    rodata.put(headers, versionBytes).put(headers + versionBytes.length, modBytes);

    ByteBuffer blob = ByteBuffer.wrap(SyntheticElf.magicHeader(pointerSize,
        order == ByteOrder.BIG_ENDIAN ? 1 : 0)).order(order);
    putPointer(blob, 16, pointerSize, RODATA);
    putPointer(blob, 16 + pointerSize, pointerSize, RODATA + 2L * pointerSize);
    return elf
        .section(".rodata", PROGBITS, ElfSection.SHF_ALLOC, RODATA, rodata.array())
        .section(".go.buildinfo", PROGBITS, ElfSection.SHF_ALLOC | 1, 0x500000, blob.array());
  }

  private static void putPointer(ByteBuffer b, int at, int size, long value) {
    if (size == 8) {
      b.putLong(at, value);
    } else {
      b.putInt(at, (int) value);
    }
  }
}
