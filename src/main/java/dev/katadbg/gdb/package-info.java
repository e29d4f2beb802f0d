/**
 * gdb for shims that are not Go (Kata's runtime-rs, Rust shims) and for Go shims when asked:
 * a shim's daemon is handed to {@code gdbserver --attach}, and a {@link dev.katadbg.gdb.Keeper}
 * (a gdb of katadbg's own, speaking gdb's machine interface) stays connected to it.
 *
 * <p>Why a keeper: gdbserver keeps no breakpoint of its own. Breakpoints live in the gdb that
 * set them and are removed when it disconnects (checked with gdbserver 13: a breakpoint set by
 * one gdb is gone for the next), so the session's breakpoints need a gdb that stays. Scripted
 * commands reach it through a FIFO (its stdin) and its MI output file, with no process of
 * katadbg in between: a token per command finds its answer.
 *
 * <p>gdb's MI syntax and its quirks stay in this package; callers see {@link
 * dev.katadbg.gdb.GdbThread}, {@link dev.katadbg.gdb.GdbFrame} and {@link
 * dev.katadbg.gdb.GdbBreakpoint}. Depends only on {@link dev.katadbg.proc} (how a debugger is
 * started in the background).
 */
package dev.katadbg.gdb;
