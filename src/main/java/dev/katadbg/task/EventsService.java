package dev.katadbg.task;

import com.google.protobuf.Empty;
import dev.katadbg.task.proto.Envelope;
import dev.katadbg.task.proto.ForwardRequest;
import dev.katadbg.ttrpc.TtrpcServer;
import java.util.function.Consumer;

/**
 * containerd's {@code containerd.services.events.ttrpc.v1.Events/Forward}, the service a shim
 * publishes its events to on {@code TTRPC_ADDRESS}. Each envelope goes to the sink; the reply is
 * Empty, as containerd's.
 */
public final class EventsService {
  public static final String SERVICE = "containerd.services.events.ttrpc.v1.Events";

  private EventsService() {}

  public static TtrpcServer.Builder register(TtrpcServer.Builder server, Consumer<Envelope> sink) {
    return server.register(SERVICE, "Forward", (ctx, payload) -> {
      sink.accept(ForwardRequest.parseFrom(payload).getEnvelope());
      return Empty.getDefaultInstance().toByteArray();
    });
  }
}
