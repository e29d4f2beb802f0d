package dev.katadbg.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.katadbg.cli.Main;
import dev.katadbg.testenv.PrivateContainerd;
import dev.katadbg.testenv.TestEnv;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code katadbg doctor} against the real parts: the DWARF debug runc shim and Debian's stripped
 * one, Delve 1.24 and bookworm's 1.20.2, and the configs of a real private containerd with the
 * CRI plugin — good, broken, and the containerd 1.x imports trap in both directions.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DoctorIT {
  static final String CRI = "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.";

  @RegisterExtension PrivateContainerd containerd = PrivateContainerd.create().withCri();

  TestEnv env;
  Path dir;
  Path katadbgConfig;
  String original;

  @BeforeEach
  void setUp() throws IOException {
    env = TestEnv.require(TestEnv.Part.DLV, TestEnv.Part.OLD_DLV, TestEnv.Part.DEBUG_SHIM,
        TestEnv.Part.DEBIAN_SHIM, TestEnv.Part.CONTAINERD);
    dir = Files.createDirectories(containerd.baseDir().resolve("doctor"));
    katadbgConfig = dir.resolve("katadbg.toml");
    writeKatadbgConfig(env.dlv());
    Path wrapper = env.dist().resolve("bin/containerd-shim-katadbg-v2");
    assertThat(wrapper).as("built launcher (mvn package)").isExecutable();
    Files.createSymbolicLink(containerd.optBin().resolve("containerd-shim-katadbg-v2"), wrapper);
    original = Files.readString(containerd.configPath());
  }

  void writeKatadbgConfig(Path dlv) throws IOException {
    Files.writeString(katadbgConfig, "[shim]\nbinary = \"" + env.debugShim() + "\"\n"
        + "[debugger]\npath = \"" + dlv + "\"\n[state]\ndir = \"" + dir.resolve("state") + "\"\n");
  }

  /** The good case: katadbg's runtime class beside runc, in the main file. */
  void writeGoodContainerdConfig() throws IOException {
    Files.writeString(containerd.configPath(), original + "\n" + CRI + "runc]\n"
        + "  runtime_type = \"io.containerd.runc.v2\"\n" + CRI + "katadbg]\n"
        + "  runtime_type = \"io.containerd.katadbg.v2\"\n");
  }

  record Run(int exit, String out, String err) {
    /** The check's entry: its line and the indented ones the terminal wrapping added, joined. */
    String line(String check) {
      List<String> lines = out.lines().toList();
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).matches("^\\w+\\s+" + check + "\\s.*")) {
          StringBuilder b = new StringBuilder(lines.get(i));
          for (int j = i + 1; j < lines.size() && lines.get(j).startsWith(" "); j++) {
            b.append(' ').append(lines.get(j).strip());
          }
          return b.toString();
        }
      }
      throw new AssertionError("no line for " + check + " in:\n" + out);
    }
  }

  Run doctor(String... extra) {
    List<String> args = new ArrayList<>(List.of("doctor", "--containerd",
        env.containerd().toString(), "--containerd-config", containerd.configPath().toString()));
    args.addAll(List.of(extra));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.run(new PrintWriter(out), new PrintWriter(err), Map.of("PATH",
        TestEnv.SYSTEM_PATH, "KATADBG_CONFIG", katadbgConfig.toString()),
        args.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void debugSetupPassesEveryCheck() throws IOException {
    writeGoodContainerdConfig();
    containerd.restart(); // the real containerd runs with this config

    Run r = doctor();

    assertThat(r.out.lines().filter(l -> !l.startsWith("ok ") && !l.startsWith(" ")).toList())
        .as(r.out).isEmpty();
    assertThat(r.out).doesNotContain("-> fix:");
    assertThat(r.exit).isZero();
    assertThat(r.line("shim-build-flags")).contains("all=-N -l");
    assertThat(r.line("shim-go-version")).contains("go1.24").contains("Go 1.21-1.24");
    assertThat(r.line("wrapper")).contains(containerd.optBin().toString());
    assertThat(r.line("exec-watcher")).contains("libexec/katadbg-execwatch");
  }

  /** A Rust shim goes to gdb: gdb's checks apply, Delve's and the Go-only ones say they do not. */
  @Test
  void aRustShimIsCheckedForGdbAndTheGoChecksStandAside() throws IOException {
    TestEnv rust = TestEnv.require(TestEnv.Part.RUST_SHIM, TestEnv.Part.GDB,
        TestEnv.Part.GDBSERVER);
    writeGoodContainerdConfig();

    Run r = doctor("--shim", rust.path(TestEnv.Part.RUST_SHIM).toString());

    assertThat(r.line("gdb-found")).startsWith("ok").contains("/usr/bin/gdb")
        .contains("/usr/bin/gdbserver");
    assertThat(r.line("dlv-found")).startsWith("ok").contains("not needed: gdb");
    assertThat(r.line("shim-debug-info")).startsWith("ok").contains("has DWARF");
    assertThat(r.line("shim-build-flags")).startsWith("ok").contains("not a Go binary");
    assertThat(r.line("shim-go-version")).startsWith("ok").contains("gdb debugs it");
    // The same shim forced to Delve cannot work, and doctor says how to fix it.
    Files.writeString(katadbgConfig, Files.readString(katadbgConfig).replace("[debugger]\n",
        "[debugger]\nkind = \"delve\"\n"));
    Run delve = doctor("--shim", rust.path(TestEnv.Part.RUST_SHIM).toString());
    assertThat(delve.exit).isEqualTo(1);
    assertThat(delve.line("shim-go-version")).startsWith("fail").contains("kind = \"gdb\"");
    assertThat(delve.line("gdb-found")).startsWith("ok").contains("not needed");
  }

  @Test
  void debiansStrippedShimFailsWithTheRebuildAdvice() throws IOException {
    writeGoodContainerdConfig();

    Run r = doctor("--shim", env.debianShim().toString(), "--json");

    assertThat(r.exit).isEqualTo(1);
    JsonArray a = JsonParser.parseString(r.out).getAsJsonArray();
    JsonObject dwarf = find(a, "shim-debug-info");
    assertThat(dwarf.get("status").getAsString()).isEqualTo("fail");
    assertThat(dwarf.get("detail").getAsString()).contains("no DWARF");
    assertThat(dwarf.get("fix").getAsString()).contains("-gcflags=\"all=-N -l\"")
        .contains("BUILDFLAGS=");
    JsonObject flags = find(a, "shim-build-flags");
    assertThat(flags.get("status").getAsString()).isEqualTo("fail");
    assertThat(flags.get("detail").getAsString()).contains("built without -gcflags");
    JsonObject go = find(a, "shim-go-version");
    assertThat(go.get("status").getAsString()).isEqualTo("fail");
    assertThat(go.get("detail").getAsString()).contains("go1.19");
    assertThat(find(a, "exec-watcher").get("status").getAsString()).isEqualTo("ok");
  }

  @Test
  void goVersionOutsideTheWindowIsOnlyAWarningWhenTheCheckIsOff() throws IOException {
    writeGoodContainerdConfig();
    Files.writeString(katadbgConfig, Files.readString(katadbgConfig).replace("[debugger]\n",
        "[debugger]\ncheck_go_version = false\n"));

    Run r = doctor("--shim", env.debianShim().toString());

    assertThat(r.line("shim-go-version")).startsWith("warn").contains("go1.19")
        .contains("check_go_version = false");
  }

  @Test
  void bookwormsDelveFailsTheGoVersionCheck() throws IOException {
    writeGoodContainerdConfig();
    writeKatadbgConfig(env.oldDlv());

    Run r = doctor();

    assertThat(r.exit).isEqualTo(1);
    // Delve 1.20 supports Go 1.18-1.20: the Go 1.24 debug shim is out of its window.
    assertThat(r.line("shim-go-version")).startsWith("fail").contains("Go 1.18-1.20");
  }

  @Test
  void brokenContainerdConfigFailsWithContainerdsOwnWords() throws IOException {
    try {
      Files.writeString(containerd.configPath(), original + "\n" + CRI + "katadbg]\n"
          + "  runtime_type = \"io.containerd.katadbg.v2\n");
      Run r = doctor();
      assertThat(r.exit).isEqualTo(1);
      assertThat(r.line("runtime-class")).startsWith("fail").contains("containerd rejects")
          .contains(containerd.configPath().toString());
    } finally {
      Files.writeString(containerd.configPath(), original);
    }
  }

  @Test
  void missingRuntimeClassFailsWithTheTableToAdd() {
    Run r = doctor();
    assertThat(r.exit).isEqualTo(1);
    assertThat(r.line("runtime-class")).startsWith("fail")
        .contains("fix: add to " + containerd.configPath() + ": " + CRI + "katadbg]");
  }

  @Test
  void dropInWithTheRuntimeClassDropsRuncTheImportsTrap() throws IOException {
    Path confd = Files.createDirectories(containerd.baseDir().resolve("conf.d"));
    Files.writeString(confd.resolve("katadbg.toml"), "version = 2\n" + CRI + "katadbg]\n"
        + "  runtime_type = \"io.containerd.katadbg.v2\"\n");
    Files.writeString(containerd.configPath(), withImports(confd) + "\n" + CRI + "runc]\n"
        + "  runtime_type = \"io.containerd.runc.v2\"\n");
    containerd.restart();

    // The trap is real on this containerd: its own dump has lost runc.
    assertThat(dump()).contains(CRI + "katadbg]").doesNotContain(CRI + "runc]");
    Run r = doctor();

    assertThat(r.exit).isEqualTo(1);
    assertThat(r.line("runtime-class")).startsWith("fail").contains("default runtime runc is gone")
        .contains("an imported drop-in replaced the main file's CRI section");
  }

  @Test
  void dropInReplacingTheCriSectionHidesTheRuntimeClass() throws IOException {
    Path confd = Files.createDirectories(containerd.baseDir().resolve("conf.d"));
    Files.writeString(confd.resolve("10-oom.toml"), "version = 2\n"
        + "[plugins.\"io.containerd.grpc.v1.cri\"]\n  restrict_oom_score_adj = true\n");
    Files.writeString(containerd.configPath(), withImports(confd) + "\n" + CRI + "runc]\n"
        + "  runtime_type = \"io.containerd.runc.v2\"\n" + CRI + "katadbg]\n"
        + "  runtime_type = \"io.containerd.katadbg.v2\"\n");
    containerd.restart();

    assertThat(dump()).doesNotContain(CRI + "katadbg]");
    Run r = doctor();

    assertThat(r.exit).isEqualTo(1);
    assertThat(r.line("runtime-class")).startsWith("fail")
        .contains("is written in [" + containerd.configPath() + "]")
        .contains("fix: move the CRI settings of the imported drop-ins");
  }

  private String withImports(Path confd) {
    return original.replaceFirst("(?m)^version = 2$",
        "version = 2\nimports = [\"" + confd + "/*.toml\"]");
  }

  private String dump() throws IOException {
    Process p = new ProcessBuilder(env.containerd().toString(), "--config",
        containerd.configPath().toString(), "config", "dump").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      assertThat(p.waitFor()).as(out).isZero();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    return out;
  }

  private static JsonObject find(JsonArray a, String name) {
    for (var e : a) {
      if (e.getAsJsonObject().get("name").getAsString().equals(name)) {
        return e.getAsJsonObject();
      }
    }
    throw new AssertionError("no check " + name + " in " + a);
  }

}
