/**
 * Debug sessions: one shim under one debugger, recorded in a directory of its own under the
 * state directory ({@link dev.katadbg.session.SessionRegistry}), with the operations on its live
 * debugger ({@link dev.katadbg.session.SessionControl}) and the reaper that ends a debugger
 * whose shim is gone.
 *
 * <p>Why on disk: the wrapper exits as soon as the shim replies, and every later command is a
 * new process, so what katadbg knows of a session is only what its directory says. Pids are
 * kept with their start times so a reused pid is never signalled, and a directory is claimed
 * atomically so two starts of one sandbox cannot both win. Depends on delve, gdb, proc and
 * files.
 */
package dev.katadbg.session;
