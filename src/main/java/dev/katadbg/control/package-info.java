/**
 * One-shot, non-interactive control of a live session's Delve server for scripts: what the target
 * is doing ({@link dev.katadbg.control.Control#state}), breakpoints, continue and stacks.
 *
 * <p>Nothing here may block on Delve's halt limitation (shared/notes/delve.md): after the start
 * process exits and before the daemon stops once, Delve answers State with "Process N has exited"
 * and a halt waits until the daemon hits a breakpoint. Every call that could wait has a deadline,
 * and that window is reported as running, not as an error.
 */
package dev.katadbg.control;
