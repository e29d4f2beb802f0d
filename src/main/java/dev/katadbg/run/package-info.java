/**
 * {@code katadbg run}: katadbg as the runtime manager. It prepares a bundle, serves the events
 * socket, runs the shim's {@code start} (under Delve with {@code --debug}, through the wrapper's
 * own {@link dev.katadbg.shim.DebugShimStart}), then drives the Task API with no deadlines, so a
 * shim may sit at a breakpoint as long as the user likes.
 *
 * <p>Split as containerd's runtime/v2 is: {@link dev.katadbg.run.ShimRun} calls in containerd's
 * order; {@code Bundle} is the run's files, {@code ShimBinary} the shim's {@code start} and
 * {@code delete}, {@code StdioRelays} the threads copying the FIFOs by role, {@code
 * EventTopics} the events received, and {@code TaskLifecycle} the Task API calls, moving one
 * {@code RunState} through its phases.
 */
package dev.katadbg.run;
