package dev.katadbg.run;

import com.google.gson.JsonParser;
import dev.katadbg.config.KatadbgConfig;
import dev.katadbg.shim.DebugShimStart;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The shim's binary as containerd's runtime/v2 runs it, in the bundle: {@code start}, whose
 * stdout is its daemon's address (under Delve with {@code --debug}), and {@code delete}, which
 * cleans up after a daemon that is gone.
 */
final class ShimBinary {
  /**
   * What {@code start} printed (read by {@link #parseAddress}), and with {@code --debug} the
   * debug session's directory: apart, so the session is known even if the reply is no address.
   */
  record StartReply(String text, Optional<Path> sessionDir) {
    StartReply {
      Objects.requireNonNull(text, "text");
      Objects.requireNonNull(sessionDir, "sessionDir");
    }
  }

  private final RunSpec spec;
  private final KatadbgConfig config;
  private final Map<String, String> env;
  private final Bundle bundle;

  /**
   * @param callerEnv our environment, passed on to the shim
   * @param eventsSocket where the shim publishes its events ({@code TTRPC_ADDRESS})
   */
  ShimBinary(RunSpec spec, KatadbgConfig config, Map<String, String> callerEnv, Bundle bundle,
      Path eventsSocket) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.config = Objects.requireNonNull(config, "config");
    this.bundle = Objects.requireNonNull(bundle, "bundle");
    Map<String, String> e = new HashMap<>(callerEnv);
    e.put("GOMAXPROCS", "2");
    e.put("TTRPC_ADDRESS", eventsSocket.toString());
    this.env = Map.copyOf(e);
  }

  /** -address: containerd's own socket; the runc shim only hashes it into its socket path. */
  private String containerdAddress() {
    return bundle.work().resolve("containerd.sock").toString();
  }

  List<String> flags() {
    return List.of("-namespace", spec.namespace(), "-address", containerdAddress(),
        "-publish-binary", "/bin/true", "-id", spec.id());
  }

  Map<String, String> env() {
    return env;
  }

  /** Runs {@code start}; {@code note} hears where a debug session is. */
  StartReply start(Consumer<String> note) throws IOException {
    List<String> args = new ArrayList<>(flags());
    args.add("start");
    byte[] reply;
    Optional<Path> sessionDir = Optional.empty();
    if (spec.debug()) {
      DebugShimStart.Result r = DebugShimStart.start(config, env, bundle.dir(), spec.shim(),
          args, ProcessBuilder.Redirect.from(new File("/dev/null")));
      if (r.error().isPresent()) {
        throw new RunException("shim start under the debugger failed: " + r.error().get());
      }
      sessionDir = r.sessionDir();
      note.accept("debug session " + r.sessionDir().map(Path::toString).orElse("?")
          + " (katadbg sessions shows where its debugger listens)");
      reply = r.reply().get();
    } else {
      reply = run(args, "start");
    }
    return new StartReply(new String(reply, StandardCharsets.UTF_8), sessionDir);
  }

  /** Runs {@code delete}: the shim's own cleanup of the bundle and of a daemon that died. */
  void delete() throws IOException {
    List<String> args = new ArrayList<>(flags());
    args.addAll(List.of("-bundle", bundle.dir().toString(), "delete"));
    run(args, "delete");
  }

  /** Plain text (Go shims) or JSON {"address": ...} (shim protocol v3 replies). */
  static String parseAddress(String reply) {
    String r = reply.strip();
    if (r.startsWith("{")) {
      return JsonParser.parseString(r).getAsJsonObject().get("address").getAsString();
    }
    if (r.isEmpty()) {
      throw new RunException("the shim's start printed no address");
    }
    return r;
  }

  /** The shim's stdout; a failure says the last line of its stderr, which is kept in work. */
  private byte[] run(List<String> args, String what) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(spec.shim().toString());
    cmd.addAll(args);
    Path errFile = bundle.work().resolve("shim-" + what + ".stderr");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(bundle.dir().toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectError(errFile.toFile());
    pb.environment().clear();
    pb.environment().putAll(env);
    Process p = pb.start();
    byte[] stdout = p.getInputStream().readAllBytes();
    try {
      int code = p.waitFor();
      if (code != 0) {
        String why = Files.readAllLines(errFile).stream().filter(l -> !l.isBlank())
            .reduce((a, b) -> b).orElse("exit status " + code);
        throw new RunException("shim " + what + " failed: " + why);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RunException("interrupted during shim " + what);
    }
    return stdout;
  }
}
