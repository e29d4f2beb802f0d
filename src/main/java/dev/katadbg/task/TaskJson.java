package dev.katadbg.task;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.katadbg.task.proto.ShimProto;
import dev.katadbg.task.proto.TaskEventsProto;
import dev.katadbg.task.proto.UnknownAny;
import dev.katadbg.ttrpc.TtrpcClient;
import dev.katadbg.ttrpc.TtrpcException;
import dev.katadbg.ttrpc.CallOptions;
import java.util.List;
import java.util.Optional;

/**
 * Any Task method by name with JSON in and out (protobuf's JSON mapping: lowerCamel field names,
 * e.g. {@code {"id":"c1","execId":""}}). The method table is the compiled service descriptor, so
 * every method of shim.proto is callable.
 */
public final class TaskJson {
  private static final ServiceDescriptor SERVICE =
      ShimProto.getDescriptor().findServiceByName("Task");

  private TaskJson() {}

  public static List<String> methods() {
    return SERVICE.getMethods().stream().map(MethodDescriptor::getName).toList();
  }

  public static Optional<MethodDescriptor> method(String name) {
    return SERVICE.getMethods().stream().filter(m -> m.getName().equalsIgnoreCase(name))
        .findFirst();
  }

  /** Parses the request JSON for {@code m}; unknown fields are errors. */
  public static Message request(MethodDescriptor m, String json)
      throws InvalidProtocolBufferException {
    DynamicMessage.Builder b = DynamicMessage.newBuilder(m.getInputType());
    JsonFormat.parser().merge(json.isBlank() ? "{}" : json, b);
    return b.build();
  }

  /** Calls {@code m} and returns the reply as JSON. */
  public static String call(TtrpcClient c, CallOptions opts, MethodDescriptor m, Message req)
      throws TtrpcException {
    byte[] out = c.call(TaskClient.SERVICE, m.getName(), req.toByteArray(), opts);
    try {
      return print(DynamicMessage.parseFrom(m.getOutputType(), out));
    } catch (InvalidProtocolBufferException e) {
      throw new TtrpcException(m.getName() + ": undecodable reply: " + e.getMessage(), e);
    }
  }

  /**
   * JSON of a reply. An Any holding a task event is shown decoded; any other (e.g. runc's
   * ProcessDetails in Pids) as a {@code katadbg.UnknownAny} with its type URL and base64 bytes.
   */
  public static String print(Message m) throws InvalidProtocolBufferException {
    JsonFormat.TypeRegistry.Builder types = JsonFormat.TypeRegistry.newBuilder()
        .add(UnknownAny.getDescriptor())
        .add(TaskEventsProto.getDescriptor().getMessageTypes());
    return JsonFormat.printer().usingTypeRegistry(types.build()).alwaysPrintFieldsWithNoPresence()
        .print(withPrintableAnys(m));
  }

  private static Message withPrintableAnys(Message m) {
    Message.Builder b = m.toBuilder();
    for (FieldDescriptor f : m.getDescriptorForType().getFields()) {
      if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE || f.isMapField()) {
        continue;
      }
      if (f.isRepeated()) {
        b.clearField(f);
        for (int i = 0; i < m.getRepeatedFieldCount(f); i++) {
          b.addRepeatedField(f, printable(f, (Message) m.getRepeatedField(f, i)));
        }
      } else if (m.hasField(f)) {
        b.setField(f, printable(f, (Message) m.getField(f)));
      }
    }
    return b.build();
  }

  private static Message printable(FieldDescriptor f, Message v) {
    Descriptor any = Any.getDescriptor();
    if (!f.getMessageType().getFullName().equals(any.getFullName())) {
      return withPrintableAnys(v);
    }
    String url = (String) v.getField(any.findFieldByName("type_url"));
    ByteString value = (ByteString) v.getField(any.findFieldByName("value"));
    String name = url.substring(url.lastIndexOf('/') + 1);
    Message shown = TaskEvents.typeOf(url).isPresent()
        ? Any.newBuilder().setTypeUrl("type.googleapis.com/" + name).setValue(value).build()
        : Any.pack(UnknownAny.newBuilder().setTypeUrl(url).setValue(value).build());
    if (v instanceof Any) {
      return shown;
    }
    return DynamicMessage.newBuilder(any).mergeFrom(shown).build();
  }
}
