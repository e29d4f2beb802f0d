package dev.katadbg.task;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.katadbg.task.proto.Envelope;
import dev.katadbg.task.proto.TaskEventsProto;
import java.util.Optional;

/**
 * The payloads of the events a shim forwards. containerd's typeurl names them by the bare proto
 * name ({@code containerd.events.TaskExit}, no {@code type.googleapis.com/} prefix), which
 * JsonFormat's Any handling rejects, so they are unpacked here by name.
 */
public final class TaskEvents {
  private TaskEvents() {}

  /** The message type behind a type URL, with or without a prefix. */
  public static Optional<Descriptor> typeOf(String typeUrl) {
    String name = typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
    String pkg = TaskEventsProto.getDescriptor().getPackage() + ".";
    if (!name.startsWith(pkg)) {
      return Optional.empty();
    }
    return Optional.ofNullable(TaskEventsProto.getDescriptor()
        .findMessageTypeByName(name.substring(pkg.length())));
  }

  /** The event inside an Any, if its type is a known task event and it decodes. */
  public static Optional<Message> unpack(Any any) {
    return typeOf(any.getTypeUrl()).flatMap(d -> {
      try {
        return Optional.of(DynamicMessage.parseFrom(d, any.getValue()));
      } catch (InvalidProtocolBufferException e) {
        return Optional.empty();
      }
    });
  }

  /** One line: topic, namespace, and the event as compact JSON (or its type and size). */
  public static String describe(Envelope e) {
    String body = unpack(e.getEvent()).map(m -> {
      try {
        return JsonFormat.printer().omittingInsignificantWhitespace().print(m);
      } catch (InvalidProtocolBufferException x) {
        return null;
      }
    }).orElse(e.getEvent().getTypeUrl() + " (" + e.getEvent().getValue().size() + " bytes)");
    return e.getTopic() + " " + e.getNamespace() + " " + body;
  }
}
