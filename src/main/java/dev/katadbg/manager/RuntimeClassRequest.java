package dev.katadbg.manager;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The runtime class to add to a runtime manager.
 *
 * @param name the handler name (containerd's runtime key, CRI-O's handler, Kubernetes'
 *     RuntimeClass {@code handler}): a lowercase DNS label, since Kubernetes requires one
 * @param runtimeType containerd's {@code runtime_type}; {@code io.containerd.katadbg.v2} makes
 *     containerd look up {@code containerd-shim-katadbg-v2} on its PATH and in {@code <opt>/bin}
 * @param copyFrom the existing runtime class whose settings ({@code options.ConfigPath},
 *     annotations, ...) to copy; empty picks a Kata class, else the default runtime's
 */
public record RuntimeClassRequest(String name, String runtimeType, Optional<String> copyFrom) {
  public static final String DEFAULT_NAME = "katadbg";
  public static final String DEFAULT_RUNTIME_TYPE = "io.containerd.katadbg.v2";

  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  public RuntimeClassRequest {
    if (!DNS_LABEL.matcher(name).matches()) {
      throw new IllegalArgumentException("runtime name '" + name
          + "' is not a lowercase DNS label (a-z, 0-9, '-', at most 63), which Kubernetes requires of a handler");
    }
    if (runtimeType.isBlank()) {
      throw new IllegalArgumentException("runtime type must not be empty");
    }
    copyFrom.ifPresent(c -> {
      if (c.equals(name)) {
        throw new IllegalArgumentException("cannot copy the settings of '" + c + "' into itself");
      }
    });
  }

  public static RuntimeClassRequest of(String name) {
    return new RuntimeClassRequest(name, DEFAULT_RUNTIME_TYPE, Optional.empty());
  }
}
