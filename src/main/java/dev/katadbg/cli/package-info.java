/**
 * {@code katadbg}'s command line ({@link dev.katadbg.cli.Main}), built on picocli: each
 * subcommand parses its arguments, calls the package that does the work and maps the outcome to
 * one line and an {@link dev.katadbg.cli.ExitCode}, so scripts can branch on the status alone.
 *
 * <p>Why the start-up care: a person types query commands dozens of times a minute and scripts
 * poll them, so only the subcommand a call names is built, {@link dev.katadbg.cli.CliServer}
 * answers {@code katadbg-client} without a JVM start (and serves the shim wrapper's starts
 * through {@link dev.katadbg.shim.ServedStart}), and {@link dev.katadbg.cli.CacheTraining}
 * fills the JVM's class cache at build time. Depends on every other katadbg package except
 * handoff and shimargs: attach, config, control, delve, discovery, doctor, elf, errors, files,
 * gdb, hostconfig, manager, proc, run, session, shim, task, timeouts, ttrpc and wire.
 */
package dev.katadbg.cli;
