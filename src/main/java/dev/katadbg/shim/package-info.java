/**
 * The shim wrapper, {@code containerd-shim-katadbg-v2}: what stands where the runtime manager
 * expects a shim v2 binary. A new sandbox's {@code start} runs the real shim's start under the
 * exec watcher and hands the daemon to a debugger of its own ({@link dev.katadbg.shim.DebugStart},
 * the start path as named steps); every other call is the real shim's own.
 *
 * <p>Why the wrapper has two fronts: the runtime manager waits for the start, and a JVM's
 * start-up is most of what katadbg adds to it. So the same steps run either in the wrapper's own
 * JVM or, for {@code katadbg-client --shim}, in a resident katadbg
 * ({@link dev.katadbg.shim.ServedStart}) while the real shim's start stays the front's child
 * with the caller's stdio; {@link dev.katadbg.shim.Caller} says whose start it is either way.
 * Depends on config, delve, elf, errors, files, gdb, handoff, proc, session, shimargs and wire.
 */
package dev.katadbg.shim;
