/**
 * katadbg's own configuration file ({@link dev.katadbg.config.KatadbgConfig}): which real shim
 * the wrapper runs, which debugger takes it and where that debugger listens. A file, because the
 * runtime manager, not the user, writes the wrapper's command line; containerd does pass its
 * environment on, so {@code KATADBG_CONFIG} can point a private containerd's wrapper at a file of
 * its own.
 *
 * <p>Every error names the file, the key and what to do in one line: containerd shows the
 * wrapper's output as the reason a container failed to start, and that is all a user sees.
 * Durations are written as in containerd's config, so a value copied from there means the same
 * here. Depends on no other katadbg package.
 */
package dev.katadbg.config;
