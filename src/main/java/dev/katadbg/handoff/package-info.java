/**
 * The hand-off: a shim's {@code start} runs under katadbg's exec watcher (the native
 * {@code katadbg-execwatch}, built from src/main/c), which lets it run at native speed and
 * untraced by any debugger, catches the daemon it re-executes before the daemon's first
 * instruction and leaves it stopped, untraced, for a debugger of its own to attach.
 *
 * <p>Why a process of its own: ptrace requests must come from the tracing thread, and the JVM's
 * process reaper waits on its children and would take their ptrace stops. The watcher dies with
 * katadbg ({@code PR_SET_PDEATHSIG}) and everything it still traces dies with it
 * ({@code PTRACE_O_EXITKILL}), so a caller that gives up mid-start leaves nothing behind.
 *
 * <p>Depends on nothing else in katadbg.
 */
package dev.katadbg.handoff;
