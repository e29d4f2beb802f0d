package dev.katadbg.bench;

import dev.katadbg.task.TaskClient;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.katadbg.task.proto.StateRequest;
import dev.katadbg.task.proto.StateResponse;
import dev.katadbg.ttrpc.TtrpcException;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * katadbg's Java ttrpc client calling a shim's Task.State on one connection with K calls in
 * flight: the same measurement as src/test/go/ttrpcbench (Go's client), printed as the same
 * JSON line. Run by scripts/bench-ttrpc.sh; not a test (figures, not assertions).
 */
public final class StateBench {
  private StateBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 5 && !(args.length == 6
        && (args[5].equals("async") || args[5].equals("virtual")))) {
      System.err.println("usage: StateBench SOCKET ID NAMESPACE CALLS INFLIGHT [async|virtual]");
      System.exit(2);
    }
    String socket = args[0];
    String id = args[1];
    int calls = Integer.parseInt(args[3]);
    int inflight = Integer.parseInt(args[4]);
    String mode = args.length == 6 ? args[5] : "";
    boolean async = mode.equals("async");
    boolean virtual = mode.equals("virtual");
    try (TaskClient c = TaskClient.connect(socket, args[2])) {
      StateRequest req = StateRequest.newBuilder().setId(id).build();
      Runner r = async ? StateBench::runAsync
          : (cl, rq, n, k) -> run(cl, rq, n, k, virtual ? virtualThreads() : Thread::new);
      // Warm-up until the JIT is done with the hot path (Go's client needs none): at least two
      // rounds and three seconds, so the measured calls run compiled code on a busy machine.
      long warm = System.nanoTime() + 3_000_000_000L;
      for (int i = 0; i < 2 || System.nanoTime() < warm; i++) {
        r.run(c, req, calls / 5, inflight);
      }
      long start = System.nanoTime();
      long[] lat = r.run(c, req, calls, inflight);
      double secs = (System.nanoTime() - start) / 1e9;
      Arrays.sort(lat);
      System.out.printf(Locale.ROOT,
          "{\"client\":\"%s\",\"inflight\":%d,\"calls\":%d,\"callsPerSec\":%.1f,"
              + "\"p50us\":%.1f,\"p99us\":%.1f}%n",
          async ? "java-async" : virtual ? "java-virtual" : "java", inflight, calls, calls / secs, lat[lat.length / 2] / 1000.0,
          lat[lat.length * 99 / 100] / 1000.0);
    }
  }

  private interface Runner {
    long[] run(TaskClient c, StateRequest req, int n, int inflight) throws Exception;
  }

  /**
   * The same K calls in flight without K blocked threads: each completion (on the client's
   * reader thread) records its latency and sends the next call, as Java code that does not
   * block would. Shows the client without the cost of waking one OS thread per reply.
   */
  private static long[] runAsync(TaskClient c, StateRequest req, int n, int inflight)
      throws InterruptedException {
    long[] lat = new long[n];
    AtomicInteger next = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(inflight);
    byte[] payload = req.toByteArray();
    for (int w = 0; w < inflight; w++) {
      new Object() {
        void issue() {
          int i = next.getAndIncrement();
          if (i >= n) {
            done.countDown();
            return;
          }
          long t = System.nanoTime();
          c.ttrpc().callAsync(TaskClient.SERVICE, "State", payload, c.options())
              .whenComplete((reply, e) -> {
                if (e != null) {
                  System.err.println(e.getMessage());
                  System.exit(1);
                }
                try {
                  StateResponse.parseFrom(reply);
                } catch (InvalidProtocolBufferException x) {
                  System.err.println(x.getMessage());
                  System.exit(1);
                }
                lat[i] = System.nanoTime() - t;
                issue();
              });
        }
      }.issue();
    }
    done.await();
    return lat;
  }

  /**
   * Blocking callers on virtual threads (JDK 21+), found by reflection since katadbg builds for
   * 17: a reply then resumes a continuation on a carrier that is usually running already,
   * instead of waking one OS thread per reply. What Go's goroutines are to its client.
   */
  private static java.util.function.Function<Runnable, Thread> virtualThreads() {
    try {
      Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
      java.lang.reflect.Method unstarted = Class.forName("java.lang.Thread$Builder")
          .getMethod("unstarted", Runnable.class);
      return task -> {
        try {
          return (Thread) unstarted.invoke(builder, task);
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      };
    } catch (ReflectiveOperationException e) {
      System.err.println("virtual threads need Java 21 or newer: " + e);
      System.exit(2);
      throw new IllegalStateException(e);
    }
  }

  private static long[] run(TaskClient c, StateRequest req, int n, int inflight,
      java.util.function.Function<Runnable, Thread> threads) throws InterruptedException {
    long[] lat = new long[n];
    AtomicInteger next = new AtomicInteger();
    Thread[] workers = new Thread[inflight];
    for (int w = 0; w < inflight; w++) {
      workers[w] = threads.apply(() -> {
        for (int i; (i = next.getAndIncrement()) < n; ) {
          long t = System.nanoTime();
          try {
            c.state(req);
          } catch (TtrpcException e) {
            System.err.println(e.getMessage());
            System.exit(1);
          }
          lat[i] = System.nanoTime() - t;
        }
      });
      workers[w].start();
    }
    for (Thread t : workers) {
      t.join();
    }
    return lat;
  }
}
