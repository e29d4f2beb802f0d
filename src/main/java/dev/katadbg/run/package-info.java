/**
 * {@code katadbg run}: katadbg as the runtime manager. It prepares a bundle, serves the events
 * socket, runs the shim's {@code start} (under Delve with {@code --debug}, through the wrapper's
 * own {@link dev.katadbg.shim.DebugShimStart}), then drives the Task API with no deadlines, so a
 * shim may sit at a breakpoint as long as the user likes.
 */
package dev.katadbg.run;
