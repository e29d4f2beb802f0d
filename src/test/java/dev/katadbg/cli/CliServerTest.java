package dev.katadbg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The resident server's protocol and lifecycle on real Unix sockets, with the request written
 * here as katadbg-client (src/main/c/client.c) writes it; the C client itself is exercised end
 * to end by CliClientIT.
 */
class CliServerTest {
  @TempDir Path dir;

  record Reply(String out, String err, Integer exit, boolean refused) {}

  static byte[] request(List<String> args, Map<String, String> env) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    DataOutputStream d = new DataOutputStream(b);
    d.write(CliServer.MAGIC);
    d.writeInt(args.size());
    for (String a : args) {
      byte[] x = a.getBytes(StandardCharsets.UTF_8);
      d.writeInt(x.length);
      d.write(x);
    }
    d.writeInt(env.size());
    for (var e : env.entrySet()) {
      byte[] x = (e.getKey() + "=" + e.getValue()).getBytes(StandardCharsets.UTF_8);
      d.writeInt(x.length);
      d.write(x);
    }
    return b.toByteArray();
  }

  static Reply read(InputStream in) throws IOException {
    DataInputStream r = new DataInputStream(in);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    while (true) {
      int kind = r.read();
      if (kind < 0) {
        return new Reply(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
            null, false);
      }
      byte[] body = r.readNBytes(r.readInt());
      switch (kind) {
        case 'o' -> out.write(body);
        case 'e' -> err.write(body);
        case 'r' -> {
          return new Reply("", "", null, true);
        }
        case 'x' -> {
          return new Reply(out.toString(StandardCharsets.UTF_8),
              err.toString(StandardCharsets.UTF_8),
              new DataInputStream(new ByteArrayInputStream(body)).readInt(), false);
        }
        default -> throw new AssertionError("frame kind " + kind);
      }
    }
  }

  Reply callInMemory(List<String> args, Map<String, String> env) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CliServer.call(new ByteArrayInputStream(request(args, env)), out);
    return read(new ByteArrayInputStream(out.toByteArray()));
  }

  @Test
  void aServedCommandPrintsAndExitsExactlyAsMainRunDoes() throws Exception {
    CliRun cli = new CliRun(dir);
    for (List<String> args : List.of(List.of("sessions", "--json"), List.of("sessions"),
        List.of("state", "nosuch"), List.of("--version"), List.of("sessions", "--bogus"))) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), cli.env,
          args.toArray(String[]::new));

      Reply r = callInMemory(args, cli.env);

      assertThat(r).as(args.toString()).isEqualTo(new Reply(out.toString(), err.toString(), code,
          false));
    }
  }

  @Test
  void commandsThatNeedTheCallersTerminalStdinOrDirectoryAreRefused() throws Exception {
    for (List<String> args : List.of(List.of("run", "x"), List.of("connect"),
        List.of("doctor", "--shim", "rel/shim"), List.of("install", "containerd"),
        List.of("ide", "vscode"))) {
      assertThat(CliServer.serves(args)).as(args.toString()).isFalse();
      assertThat(callInMemory(args, Map.of()).refused()).isTrue();
    }
    for (List<String> args : List.of(List.<String>of(), List.of("--help"), List.of("-V"),
        List.of("run", "--help"), List.of("sessions", "--json"), List.of("break", "x", "main.f"),
        List.of("stop", "--kill", "x"))) {
      assertThat(CliServer.serves(args)).as(args.toString()).isTrue();
    }
  }

  @Test
  void aRequestThatIsNotOneIsRejected() {
    assertThatThrownBy(() -> CliServer.call(new ByteArrayInputStream("GET / HTTP/1.1\r\n"
        .getBytes(StandardCharsets.US_ASCII)), OutputStream.nullOutputStream()))
        .isInstanceOf(IOException.class);
    byte[] huge = {'K', 'D', 'B', '1', 0x7f, 0, 0, 0};
    assertThatThrownBy(() -> CliServer.call(new ByteArrayInputStream(huge),
        OutputStream.nullOutputStream())).isInstanceOf(IOException.class).hasMessageContaining(
        "bad count");
  }

  Reply callOverSocket(Path socket, List<String> args, Map<String, String> env)
      throws IOException {
    try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      Channels.newOutputStream(c).write(request(args, env));
      c.shutdownOutput();
      return read(Channels.newInputStream(c));
    }
  }

  @Test
  void itServesOnAnOwnerOnlySocketAndExitsWhenIdleRemovingIt() throws Exception {
    Path socket = dir.resolve("cli.sock");
    CliServer server = new CliServer(socket, Duration.ofSeconds(1));
    CompletableFuture<Void> serving = CompletableFuture.runAsync(() -> {
      try {
        server.serve();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(socket));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
        .isEqualTo("rw-------");

    List<CompletableFuture<Reply>> calls = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      calls.add(CompletableFuture.supplyAsync(() -> {
        try {
          return callOverSocket(socket, List.of("--version"), Map.of());
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }));
    }
    for (CompletableFuture<Reply> c : calls) {
      assertThat(c.get(10, TimeUnit.SECONDS).exit()).isZero();
    }
    assertThat(callOverSocket(socket, List.of("run"), Map.of()).refused()).isTrue();

    // a second server on the same socket leaves it to the first
    new CliServer(socket, Duration.ofSeconds(1)).serve();
    assertThat(callOverSocket(socket, List.of("--version"), Map.of()).exit()).isZero();

    serving.get(20, TimeUnit.SECONDS);
    assertThat(socket).doesNotExist();
  }

  @Test
  void aSocketLeftByADeadServerIsTakenOverAndARemovedOneEndsTheServer() throws Exception {
    Path socket = dir.resolve("stale.sock");
    // what a killed server leaves: a socket file nobody listens on
    java.nio.channels.ServerSocketChannel dead = java.nio.channels.ServerSocketChannel.open(
        java.net.StandardProtocolFamily.UNIX);
    dead.bind(UnixDomainSocketAddress.of(socket));
    dead.close();
    assertThat(socket).exists();

    CompletableFuture<Void> serving = CompletableFuture.runAsync(() -> {
      try {
        new CliServer(socket, Duration.ofMinutes(10)).serve();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    Reply r = Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
        .until(() -> callOverSocket(socket, List.of("--version"), Map.of()), x -> x.exit() != null);
    assertThat(r.out()).startsWith("katadbg ");

    Files.delete(socket);
    serving.get(10, TimeUnit.SECONDS);
  }

  @Test
  void theLauncherSendsTheServerExactlyTheCommandsItServes() throws Exception {
    String launcher = Files.readString(Path.of("src/main/dist/bin/katadbg"));
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\n  (sessions\\|[^)]*)\\) ;;")
        .matcher(launcher);
    assertThat(m.find()).as("the launcher's case of served commands").isTrue();
    java.util.Set<String> routed = new java.util.TreeSet<>(List.of(m.group(1).split("\\|")));

    java.util.Set<String> served = new java.util.TreeSet<>(CliServer.SERVED);
    served.addAll(CliServer.GLOBAL_INFO);
    served.add("\"\"");
    assertThat(routed).isEqualTo(served);
  }
}
