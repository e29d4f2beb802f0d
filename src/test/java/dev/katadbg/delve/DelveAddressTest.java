package dev.katadbg.delve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DelveAddressTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          # input              | listen arg           | loopback | unix
          127.0.0.1:4444       | 127.0.0.1:4444       | true     | false
          127.1.2.3:1          | 127.1.2.3:1          | true     | false
          127.0.0.1:0          | 127.0.0.1:0          | true     | false
          10.0.0.5:65535       | 10.0.0.5:65535       | false    | false
          0.0.0.0:2345         | 0.0.0.0:2345         | false    | false
          localhost:2345       | localhost:2345       | true     | false
          LocalHost:2345       | LocalHost:2345       | true     | false
          build-host.example:1 | build-host.example:1 | false    | false
          [::1]:2345           | [::1]:2345           | true     | false
          [0:0:0:0:0:0:0:1]:7  | [0:0:0:0:0:0:0:1]:7  | true     | false
          [::ffff:127.0.0.1]:7 | [::ffff:127.0.0.1]:7 | true     | false
          [fe80::1]:2345       | [fe80::1]:2345       | false    | false
          [::]:2345            | [::]:2345            | false    | false
          unix:/run/dlv.sock   | unix:/run/dlv.sock   | true     | true
          """)
  void parsesGoodAddresses(String input, String listenArg, boolean loopback, boolean unix) {
    DelveAddress a = DelveAddress.parse(input);

    assertThat(a.toListenArg()).isEqualTo(listenArg);
    assertThat(a).hasToString(listenArg);
    assertThat(a.isLoopback()).isEqualTo(loopback);
    assertThat(a.isUnix()).isEqualTo(unix);
    assertThat(DelveAddress.parse(a.toListenArg())).isEqualTo(a);
  }

  @ParameterizedTest(name = "\"{0}\"")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          # input             | message part
          ''                  | expected host:port
          127.0.0.1           | expected host:port
          :2345               | host is empty
          127.0.0.1:          | port '' is not a number
          127.0.0.1:http      | port 'http' is not a number
          127.0.0.1:-1        | port '-1' is not a number
          127.0.0.1:65536     | port 65536 is out of range
          127.0.0.1:123456    | port '123456' is not a number
          256.0.0.1:1         | '256.0.0.1' is not an IPv4 address
          1.2.3:1             | '1.2.3' is not an IPv4 address
          ::1:2345            | IPv6 host must be written [addr]:port
          [::1:2345           | IPv6 host must be written [addr]:port
          []:2345             | '' is not an IPv6 address
          [nope]:2345         | 'nope' is not an IPv6 address
          [1::2::3]:2345      | '1::2::3' is not an IPv6 address
          bad_host:1          | 'bad_host' is not a valid host name
          -x.example:1        | '-x.example' is not a valid host name
          unix:               | unix socket path is empty
          unix:dlv.sock       | unix socket path must be absolute
          """)
  void rejectsBadAddresses(String input, String messagePart) {
    assertThatThrownBy(() -> DelveAddress.parse(input))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid delve address '" + input + "': ")
        .hasMessageContaining(messagePart);
  }

  @Test
  void accessors() {
    DelveAddress tcp = DelveAddress.parse("[::1]:2345");
    assertThat(tcp.host()).contains("::1");
    assertThat(tcp.port()).contains(2345);
    assertThat(tcp.unixPath()).isEmpty();

    DelveAddress unix = DelveAddress.parse("unix:/run/k/dlv.sock");
    assertThat(unix.unixPath()).contains(Path.of("/run/k/dlv.sock"));
    assertThat(unix.host()).isEmpty();
    assertThat(unix.port()).isEmpty();
  }

  @Test
  void withPortKeepsTheHost() {
    assertThat(DelveAddress.parse("[::1]:0").withPort(80)).hasToString("[::1]:80");
    assertThat(DelveAddress.parse("localhost:0").withPort(65535)).hasToString("localhost:65535");
    assertThatThrownBy(() -> DelveAddress.parse("127.0.0.1:0").withPort(65536))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DelveAddress.parse("unix:/x").withPort(1))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void freeLoopbackPortIsBindable() throws Exception {
    int port = DelveAddress.freeLoopbackPort("127.0.0.1");
    assertThat(port).isBetween(1, 65535);
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
    }
  }

  @Test
  void freeLoopbackPortRefusesOtherHosts() {
    assertThatThrownBy(() -> DelveAddress.freeLoopbackPort("0.0.0.0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a loopback host");
  }
}
