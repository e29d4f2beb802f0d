/**
 * Linux process discovery through procfs ({@link dev.katadbg.proc.Processes}): finding the
 * processes a debugger traces or a shim spawned, and killing them by {@code (pid, start time)}
 * identity so that a reused pid is never signalled.
 */
package dev.katadbg.proc;
