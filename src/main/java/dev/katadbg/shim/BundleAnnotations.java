package dev.katadbg.shim;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Reads which sandbox a container belongs to from its bundle's OCI config. Kata returns the
 * sandbox's address for a pod's containers and the runc shim reuses a group's socket, so such
 * a {@code start} must reach the real shim directly: the sandbox's session already covers it.
 */
final class BundleAnnotations {
  /** containerd CRI, CRI-O and the runc shim's own grouping annotation. */
  private static final List<String> SANDBOX_KEYS = List.of("io.kubernetes.cri.sandbox-id",
      "io.kubernetes.cri-o.SandboxID", "io.containerd.runc.v2.group");

  private BundleAnnotations() {}

  /** The sandbox this bundle's container joins, when it is not the container itself. */
  static Optional<String> otherSandbox(Path bundle, String id) {
    Path config = bundle.resolve("config.json");
    if (!Files.isRegularFile(config)) {
      return Optional.empty();
    }
    try {
      JsonObject spec = JsonParser.parseString(Files.readString(config, StandardCharsets.UTF_8))
          .getAsJsonObject();
      JsonElement ann = spec.get("annotations");
      if (ann == null || !ann.isJsonObject()) {
        return Optional.empty();
      }
      for (String key : SANDBOX_KEYS) {
        JsonElement v = ann.getAsJsonObject().get(key);
        if (v != null && v.isJsonPrimitive() && !v.getAsString().isEmpty()
            && !v.getAsString().equals(id)) {
          return Optional.of(v.getAsString());
        }
      }
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      // An unreadable spec is the real shim's to report.
      return Optional.empty();
    }
  }
}
