package dev.katadbg.testenv;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.katadbg.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Wrapper sessions for the client tests: katadbg's config file (the DWARF debug runc shim under
 * Delve 1.24, a state dir per test), the wrapper linked into a private containerd's opt/bin, the
 * katadbg CLI run in-process against that config, and waiting for sessions.
 *
 * <p>One per test class, in a static field, so its config path can go into the containerd
 * extension's environment before the extension starts containerd.
 */
public final class WrapperFixture {
  /** The runtime name that makes containerd run {@code containerd-shim-katadbg-v2}. */
  public static final String RUNTIME = "io.containerd.katadbg.v2";
  public static final Duration WAIT = Duration.ofSeconds(60);

  private final Path dir;
  private final Path config;
  private TestEnv env;
  private PrivateContainerd containerd;

  private WrapperFixture(Path dir) {
    this.dir = dir;
    this.config = dir.resolve("katadbg.toml");
  }

  /** A new fixture with its own private directory {@code /run/katadbg-test/PREFIX-random}. */
  public static WrapperFixture create(String prefix) {
    return new WrapperFixture(TestDirs.createOrPlaceholder(prefix));
  }

  /** The directory this fixture's files (config, state dirs) live in. */
  public Path dir() {
    return dir;
  }

  /** The katadbg config file; the wrapper finds it through {@code KATADBG_CONFIG}. */
  public Path config() {
    return config;
  }

  public TestEnv env() {
    return env;
  }

  /**
   * For {@code @BeforeAll}: requires the parts a wrapper session needs (plus {@code more}) and
   * links the built wrapper into {@code containerd}'s opt/bin.
   */
  public WrapperFixture linkWrapper(PrivateContainerd containerd, TestEnv.Part... more) {
    List<TestEnv.Part> parts = new java.util.ArrayList<>(List.of(TestEnv.Part.DLV,
        TestEnv.Part.DEBUG_SHIM, TestEnv.Part.CONTAINERD, TestEnv.Part.CTR, TestEnv.Part.RUNC,
        TestEnv.Part.BUSYBOX));
    parts.addAll(List.of(more));
    this.env = TestEnv.require(parts.toArray(TestEnv.Part[]::new));
    this.containerd = containerd;
    Path wrapper = env.dist().resolve("bin/containerd-shim-katadbg-v2");
    assertThat(wrapper).as("built launcher (mvn package)").isExecutable();
    try {
      Files.createSymbolicLink(containerd.optBin().resolve("containerd-shim-katadbg-v2"), wrapper);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /**
   * Writes katadbg's config: the debug shim, Delve 1.24, the state dir {@code dir()/stateName}
   * (its own per test, so "the newest live session" is the one the test started), plus the
   * given {@code [debugger]} keys with TOML values.
   */
  public void writeConfig(String stateName, Map<String, String> debugger) throws IOException {
    Map<String, String> d = new HashMap<>(Map.of("path", toml(env.dlv().toString())));
    d.putAll(debugger);
    StringBuilder b = new StringBuilder("[shim]\nbinary = " + toml(env.debugShim().toString())
        + "\n\n[debugger]\n");
    d.forEach((k, v) -> b.append(k).append(" = ").append(v).append('\n'));
    b.append("\n[state]\ndir = ").append(toml(dir.resolve(stateName).toString())).append('\n');
    Files.writeString(config, b.toString());
  }

  /** A TOML basic string. */
  public static String toml(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** Runs the katadbg CLI in-process against this fixture's config. */
  public CommandResult katadbg(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err),
        Map.of("KATADBG_CONFIG", config.toString()), args);
    return new CommandResult(List.of(args), code, out.toString(), err.toString());
  }

  /** As {@link #katadbg}, asserting exit status 0. */
  public CommandResult ok(String... args) {
    CommandResult r = katadbg(args);
    assertThat(r.exitCode()).as(r.describe()).isZero();
    return r;
  }

  /** The {@code katadbg sessions --json} entry of sandbox {@code id} once it is in {@code state}. */
  public JsonObject awaitSession(String id, String state) {
    return await("session " + id + " in state " + state, () -> {
      for (JsonElement e : JsonParser.parseString(ok("sessions", "--json").stdout())
          .getAsJsonArray()) {
        JsonObject s = e.getAsJsonObject();
        if (s.get("id").getAsString().equals(id) && s.get("state").getAsString().equals(state)) {
          return Optional.of(s);
        }
      }
      return Optional.empty();
    });
  }

  /** Polls {@code probe} every 50 ms until it has a value, for {@link #WAIT} at most. */
  public <T> T await(String what, Supplier<Optional<T>> probe) {
    return Await.until(what, WAIT, probe, () -> containerd == null ? "" : "; containerd log:\n" + containerd.logTail(20));
  }

  /** The finished {@code ctr} command, or a failure with what it printed so far. */
  public CommandResult finish(RunningCommand run) throws InterruptedException {
    return run.tryWait(WAIT).orElseThrow(() -> new AssertionError("ctr did not finish: "
        + run.command() + "\nstdout: " + run.stdoutSoFar() + "\nstderr: " + run.stderrSoFar()));
  }
}
