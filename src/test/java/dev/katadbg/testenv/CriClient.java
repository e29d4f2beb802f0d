package dev.katadbg.testenv;

import com.google.protobuf.Message;
import dev.katadbg.cri.proto.PodSandboxStatusRequest;
import dev.katadbg.cri.proto.PodSandboxStatusResponse;
import dev.katadbg.cri.proto.RemovePodSandboxRequest;
import dev.katadbg.cri.proto.RemovePodSandboxResponse;
import dev.katadbg.cri.proto.RunPodSandboxRequest;
import dev.katadbg.cri.proto.RunPodSandboxResponse;
import dev.katadbg.cri.proto.StopPodSandboxRequest;
import dev.katadbg.cri.proto.StopPodSandboxResponse;
import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A minimal client of the CRI RuntimeService ({@code runtime.v1}) on containerd's socket, for
 * what {@code crictl runp} does: each call takes its own deadline, because a sandbox whose shim
 * sits in a debugger answers long after crictl's 2-4 s would have given up.
 */
public final class CriClient implements AutoCloseable {
  private static final String SERVICE = "runtime.v1.RuntimeService";

  private static final MethodDescriptor<RunPodSandboxRequest, RunPodSandboxResponse> RUN =
      method("RunPodSandbox", RunPodSandboxRequest.getDefaultInstance(), RunPodSandboxResponse.getDefaultInstance());
  private static final MethodDescriptor<StopPodSandboxRequest, StopPodSandboxResponse> STOP =
      method("StopPodSandbox", StopPodSandboxRequest.getDefaultInstance(), StopPodSandboxResponse.getDefaultInstance());
  private static final MethodDescriptor<RemovePodSandboxRequest, RemovePodSandboxResponse> REMOVE =
      method("RemovePodSandbox", RemovePodSandboxRequest.getDefaultInstance(),
          RemovePodSandboxResponse.getDefaultInstance());
  private static final MethodDescriptor<PodSandboxStatusRequest, PodSandboxStatusResponse> STATUS =
      method("PodSandboxStatus", PodSandboxStatusRequest.getDefaultInstance(),
          PodSandboxStatusResponse.getDefaultInstance());

  private final EpollEventLoopGroup group;
  private final ManagedChannel channel;

  private CriClient(EpollEventLoopGroup group, ManagedChannel channel) {
    this.group = group;
    this.channel = channel;
  }

  /** Connects to containerd's gRPC unix socket. */
  public static CriClient connect(Path socket) {
    EpollEventLoopGroup group = new EpollEventLoopGroup(1);
    ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .eventLoopGroup(group).channelType(EpollDomainSocketChannel.class).usePlaintext().build();
    return new CriClient(group, channel);
  }

  /** Starts RunPodSandbox and returns at once: the answer comes when the sandbox is ready. */
  public ListenableFuture<RunPodSandboxResponse> runPodSandbox(RunPodSandboxRequest request, Duration deadline) {
    return ClientCalls.futureUnaryCall(channel.newCall(RUN, options(deadline)), request);
  }

  public PodSandboxStatusResponse status(String id, Duration deadline) {
    return ClientCalls.blockingUnaryCall(channel, STATUS, options(deadline),
        PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build());
  }

  public void stop(String id, Duration deadline) {
    ClientCalls.blockingUnaryCall(channel, STOP, options(deadline),
        StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
  }

  public void remove(String id, Duration deadline) {
    ClientCalls.blockingUnaryCall(channel, REMOVE, options(deadline),
        RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
  }

  private static CallOptions options(Duration deadline) {
    return CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static <Q extends Message, R extends Message> MethodDescriptor<Q, R> method(String name, Q request,
      R response) {
    return MethodDescriptor.<Q, R>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(ProtoUtils.marshaller(request))
        .setResponseMarshaller(ProtoUtils.marshaller(response))
        .build();
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
