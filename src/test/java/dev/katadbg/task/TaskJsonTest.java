package dev.katadbg.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.katadbg.task.proto.Envelope;
import dev.katadbg.task.proto.ForwardRequest;
import dev.katadbg.task.proto.PidsResponse;
import dev.katadbg.task.proto.ProcessInfo;
import dev.katadbg.task.proto.StateRequest;
import dev.katadbg.task.proto.TaskExit;
import dev.katadbg.ttrpc.CallOptions;
import dev.katadbg.ttrpc.TtrpcClient;
import dev.katadbg.ttrpc.TtrpcServer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskJsonTest {
  @TempDir Path dir;

  @Test
  void everyMethodOfTheServiceIsKnownAndRequestsParseFromJson() throws Exception {
    assertThat(TaskJson.methods()).contains("State", "Create", "Start", "Delete", "Pids",
        "Kill", "Exec", "ResizePty", "CloseIO", "Wait", "Connect", "Shutdown");
    Message m = TaskJson.request(TaskJson.method("state").orElseThrow(),
        "{\"id\":\"c1\",\"execId\":\"e\"}");
    assertThat(StateRequest.parseFrom(m.toByteString()))
        .isEqualTo(StateRequest.newBuilder().setId("c1").setExecId("e").build());
    assertThatThrownBy(() -> TaskJson.request(TaskJson.method("State").orElseThrow(),
        "{\"nope\":1}")).isInstanceOf(InvalidProtocolBufferException.class);
  }

  @Test
  void anysWithContainerdsBareTypeUrlsArePrinted() throws Exception {
    PidsResponse r = PidsResponse.newBuilder()
        .addProcesses(ProcessInfo.newBuilder().setPid(42))
        .addProcesses(ProcessInfo.newBuilder().setPid(43).setInfo(Any.newBuilder()
            .setTypeUrl("containerd.runc.v1.ProcessDetails")
            .setValue(ByteString.copyFromUtf8("\n\u0002e1"))))
        .build();
    String json = TaskJson.print(r);
    assertThat(json).contains("\"pid\": 42").contains("\"pid\": 43")
        .contains("\"typeUrl\": \"containerd.runc.v1.ProcessDetails\"")
        .contains("\"value\": \"CgJlMQ==\"");
  }

  @Test
  void forwardedEventsReachTheSinkAndAreDescribed() throws Exception {
    List<Envelope> got = new CopyOnWriteArrayList<>();
    TaskExit exit = TaskExit.newBuilder().setContainerId("c1").setPid(7).setExitStatus(3)
        .build();
    Envelope env = Envelope.newBuilder().setNamespace("ns").setTopic("/tasks/exit")
        .setTimestamp(Timestamp.newBuilder().setSeconds(1))
        .setEvent(Any.newBuilder().setTypeUrl("containerd.events.TaskExit")
            .setValue(exit.toByteString()))
        .build();
    try (TtrpcServer s = EventsService.register(TtrpcServer.builder(), got::add)
        .serve(dir.resolve("events.sock"));
        TtrpcClient c = TtrpcClient.connect(s.socket())) {
      c.call(EventsService.SERVICE, "Forward", ForwardRequest.newBuilder().setEnvelope(env)
          .build(), com.google.protobuf.Empty.parser(), CallOptions.none());
    }
    assertThat(got).containsExactly(env);
    assertThat(TaskEvents.describe(env)).isEqualTo(
        "/tasks/exit ns {\"containerId\":\"c1\",\"pid\":7,\"exitStatus\":3}");
  }
}
