package dev.katadbg.ttrpc;

import dev.katadbg.ttrpc.proto.KeyValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Per-call options: an optional deadline (sent as {@code timeout_nano}, and the time the client
 * waits) and metadata. No timeout means none is sent and the call waits as long as the peer
 * takes — the point when the peer sits at a breakpoint.
 */
public record CallOptions(Optional<Duration> timeout, List<KeyValue> metadata) {
  /** The metadata key containerd's ttrpc clients put the namespace under. */
  public static final String NAMESPACE_KEY = "containerd-namespace-ttrpc";

  public CallOptions {
    if (timeout.isPresent() && (timeout.get().isNegative() || timeout.get().isZero())) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout.get());
    }
    metadata = List.copyOf(metadata);
  }

  public static CallOptions none() {
    return new CallOptions(Optional.empty(), List.of());
  }

  public CallOptions withTimeout(Duration t) {
    return new CallOptions(Optional.of(t), metadata);
  }

  public CallOptions withMetadata(String key, String value) {
    List<KeyValue> m = new ArrayList<>(metadata);
    m.add(KeyValue.newBuilder().setKey(key).setValue(value).build());
    return new CallOptions(timeout, m);
  }

  public CallOptions withNamespace(String namespace) {
    return withMetadata(NAMESPACE_KEY, namespace);
  }
}
