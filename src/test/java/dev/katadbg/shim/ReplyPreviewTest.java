package dev.katadbg.shim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ReplyPreviewTest {
  @Test
  void printableBytesStayAndTheRestAreEscaped() {
    byte[] reply = {0, 1, 'o', 'k', ' ', (byte) 0xff, '"', '\\', '\t', '\r', '\n'};
    assertThat(ReplyPreview.of(reply))
        .isEqualTo("replied 11 bytes: \"\\x00\\x01ok \\xff\\\"\\\\\\t\\r\\n\"");
  }

  @Test
  void anAddressReadsAsItIs() {
    byte[] reply = "unix:///run/containerd/s/abc\n".getBytes(StandardCharsets.US_ASCII);
    assertThat(ReplyPreview.of(reply))
        .isEqualTo("replied 29 bytes: \"unix:///run/containerd/s/abc\\n\"");
  }

  @Test
  void aLongReplyIsCutAndSaysSo() {
    byte[] reply = "a".repeat(ReplyPreview.MAX + 5).getBytes(StandardCharsets.US_ASCII);
    assertThat(ReplyPreview.of(reply)).isEqualTo("replied " + (ReplyPreview.MAX + 5)
        + " bytes: \"" + "a".repeat(ReplyPreview.MAX) + "\"...");
    assertThat(ReplyPreview.of(new byte[0])).isEqualTo("replied 0 bytes: \"\"");
  }
}
