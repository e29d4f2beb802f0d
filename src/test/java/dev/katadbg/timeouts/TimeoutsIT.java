package dev.katadbg.timeouts;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.katadbg.cli.Main;
import dev.katadbg.testenv.PrivateContainerd;
import dev.katadbg.testenv.TestEnv;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code katadbg timeouts}, {@code raise} and {@code restore} on real files: a real private
 * containerd's config (whose {@code config dump} and restart must show the raised values) and
 * Kata and CRI-O files written from the shipped layouts (test resources).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TimeoutsIT {
  @RegisterExtension PrivateContainerd containerd = PrivateContainerd.create();

  TestEnv env;
  Path dir;
  Path kata;
  Path crioConf;
  Path crioDir;
  Path backups;
  final Map<Path, byte[]> originals = new LinkedHashMap<>();

  @BeforeEach
  void setUp() throws IOException {
    env = TestEnv.require(TestEnv.Part.CONTAINERD);
    dir = Files.createDirectories(containerd.baseDir().resolve("timeouts"));
    kata = copy("kata-configuration.toml", dir.resolve("configuration.toml"));
    crioConf = copy("crio.conf", dir.resolve("crio.conf"));
    crioDir = Files.createDirectories(dir.resolve("crio.conf.d"));
    copy("crio-50-katadbg.conf", crioDir.resolve("50-katadbg.conf"));
    backups = dir.resolve("backups");
    // A comment in containerd's file must survive the edit too.
    Files.writeString(containerd.configPath(), Files.readString(containerd.configPath())
        + "\n# Timeouts tuned for this host.\n[timeouts]\n  # shim.load as shipped\n"
        + "  \"io.containerd.timeout.shim.load\" = \"5s\"\n");
    Files.setPosixFilePermissions(containerd.configPath(),
        PosixFilePermissions.fromString("rw-r-----"));
    containerd.restart();
    for (Path p : List.of(containerd.configPath(), kata, crioDir.resolve("50-katadbg.conf"))) {
      originals.put(p, Files.readAllBytes(p));
    }
  }

  Path copy(String resource, Path to) throws IOException {
    try (InputStream in = getClass().getResourceAsStream(resource)) {
      assertThat(in).as(resource).isNotNull();
      Files.write(to, in.readAllBytes());
    }
    return to;
  }

  record Run(int exit, String out, String err) {}

  Run katadbg(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    if (!args[args.length - 1].equals("restore") && !List.of(args).contains("restore")) {
      all.addAll(List.of("--containerd", env.containerd().toString(), "--containerd-config",
          containerd.configPath().toString(), "--crio-config", crioConf.toString(),
          "--crio-config-dir", crioDir.toString(), "--kata-config", kata.toString()));
    }
    if (List.of(args).contains("raise") || List.of(args).contains("restore")) {
      all.addAll(List.of("--backup-dir", backups.toString()));
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.run(new PrintWriter(out), new PrintWriter(err),
        Map.of("PATH", TestEnv.SYSTEM_PATH), all.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  static String value(JsonArray a, String key) {
    for (var e : a) {
      JsonObject o = e.getAsJsonObject();
      if (o.get("key").getAsString().equals(key)) {
        return o.get("value").getAsString() + "|" + o.get("source").getAsString();
      }
    }
    throw new AssertionError("no " + key + " in " + a);
  }

  String dump() throws IOException, InterruptedException {
    Process p = new ProcessBuilder(env.containerd().toString(), "--config",
        containerd.configPath().toString(), "config", "dump").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    return out;
  }

  @Test
  void readsTheValuesInForceFromTheRealFiles() {
    Run r = katadbg("timeouts", "--json");
    assertThat(r.exit).as(r.err).isZero();
    JsonArray a = JsonParser.parseString(r.out).getAsJsonArray();
    assertThat(value(a, "io.containerd.timeout.shim.load")).isEqualTo("5s|file");
    assertThat(value(a, "io.containerd.timeout.task.state")).isEqualTo("2s|default");
    assertThat(value(a, "io.containerd.timeout.shim.shutdown")).isEqualTo("3s|default");
    assertThat(value(a, "[crio.runtime.runtimes.katadbg] container_create_timeout"))
        .isEqualTo("240|default");
    assertThat(value(a, "[agent.kata] dial_timeout")).isEqualTo("45|file");
    assertThat(value(a, "[runtime] create_container_timeout")).isEqualTo("60|file");
    assertThat(value(a, "runtimeRequestTimeout")).startsWith("2m");
    assertThat(value(a, "VM start wait")).isEqualTo("10s|hard_coded");

    Run human = katadbg("timeouts");
    assertThat(human.out).contains("kubelet").contains("crictl -T").contains("dial_timeout");
    assertThat(human.out.lines()).as("wrapped to the default 100 columns")
        .allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(100));
  }

  @Test
  void raiseIsVisibleInContainerdsDumpAndRestoreIsByteForByte() throws Exception {
    Run dry = katadbg("timeouts", "raise", "--to", "45m", "--dry-run");
    assertThat(dry.exit).as(dry.err).isZero();
    assertThat(dry.out).contains("would change " + containerd.configPath())
        .contains("[timeouts] io.containerd.timeout.task.state: (default) -> 45m");
    for (var e : originals.entrySet()) {
      assertThat(Files.readAllBytes(e.getKey())).as("dry run wrote " + e.getKey())
          .isEqualTo(e.getValue());
    }

    Run raise = katadbg("timeouts", "raise", "--to", "45m");
    assertThat(raise.exit).as(raise.err).isZero();
    assertThat(raise.out).contains("then: restart containerd")
        .contains("warning: containerd io.containerd.timeout.shim.load (5s) is not raised")
        .contains("hard-coded");
    String cd = Files.readString(containerd.configPath());
    assertThat(cd).contains("# Timeouts tuned for this host.").contains("# shim.load as shipped")
        .contains("\"io.containerd.timeout.task.state\" = \"45m\"");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(
        containerd.configPath()))).isEqualTo("rw-r-----");
    String k = Files.readString(kata);
    assertThat(k).contains("# Agent dial timeout in seconds.").contains("dial_timeout = 2700")
        .contains("create_container_timeout = 2700").contains("#enable_debug = true");
    assertThat(Files.readString(crioDir.resolve("50-katadbg.conf")))
        .contains("# katadbg: the debug wrapper").contains("container_create_timeout = 2700");

    containerd.restart(); // the real containerd runs with the edited file
    String dump = dump();
    assertThat(dump).contains("\"io.containerd.timeout.task.state\" = \"45m\"")
        .contains("\"io.containerd.timeout.shim.cleanup\" = \"45m\"")
        .contains("\"io.containerd.timeout.shim.shutdown\" = \"45m\"")
        .contains("\"io.containerd.timeout.shim.load\" = \"5s\"");
    JsonArray after = JsonParser.parseString(katadbg("timeouts", "--json").out).getAsJsonArray();
    assertThat(value(after, "io.containerd.timeout.task.state")).isEqualTo("45m|file");

    Run again = katadbg("timeouts", "raise", "--to", "45m");
    assertThat(again.exit).isEqualTo(1);
    assertThat(again.err).contains("already raised").contains("timeouts restore");

    Run restore = katadbg("timeouts", "restore");
    assertThat(restore.exit).as(restore.err).isZero();
    for (var e : originals.entrySet()) {
      assertThat(Files.readAllBytes(e.getKey())).as(e.getKey().toString()).isEqualTo(e.getValue());
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(
        containerd.configPath()))).isEqualTo("rw-r-----");
    containerd.restart();
    assertThat(dump()).contains("\"io.containerd.timeout.task.state\" = \"2s\"");
    assertThat(katadbg("timeouts", "restore").exit).isEqualTo(3);
  }

  @Test
  void restoreRefusesToOverwriteALaterEdit() throws IOException {
    assertThat(katadbg("timeouts", "raise").exit).isZero();
    Files.writeString(kata, Files.readString(kata) + "\n# edited by hand later\n");

    Run r = katadbg("timeouts", "restore");

    assertThat(r.exit).isEqualTo(1);
    assertThat(r.err).contains("changed since the raise").contains(kata.toString());
    assertThat(Files.readString(kata)).contains("# edited by hand later");
    assertThat(katadbg("timeouts", "restore", "--force").exit).isZero();
    assertThat(Files.readAllBytes(kata)).isEqualTo(originals.get(kata));
  }

  @Test
  void runtimeRsTimeoutsAreReadAndRaisedInMilliseconds() throws IOException {
    copy("kata-runtime-rs-configuration.toml", kata);
    JsonArray a = JsonParser.parseString(katadbg("timeouts", "--json").out).getAsJsonArray();
    assertThat(value(a, "[agent.kata] request_timeout_ms")).isEqualTo("30000|file");
    assertThat(value(a, "[agent.kata] reconnect_timeout_ms")).isEqualTo("3000|file");

    assertThat(katadbg("timeouts", "raise", "--to", "10m").exit).isZero();
    assertThat(Files.readString(kata)).contains("request_timeout_ms = 600000")
        .contains("reconnect_timeout_ms = 600000")
        .contains("# Agent request timeout value in millisecond (default: 30000)");
  }

  @Test
  void tooShortDurationIsAUsageError() {
    Run r = katadbg("timeouts", "raise", "--to", "10s", "--dry-run");
    assertThat(r.exit).isEqualTo(2);
    assertThat(r.err).contains("at least 30s");
  }
}
