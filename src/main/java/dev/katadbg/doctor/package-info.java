/**
 * {@code katadbg doctor}: the checks a debug setup must pass before a shim's start can be
 * debugged (the config, dlv or gdb, the exec watcher, the shim's DWARF and build flags, ptrace,
 * the wrapper, the runtime class, the listen policy, the state directory), each with a verdict
 * and the exact fix.
 *
 * <p>Why: a broken setup otherwise shows up as a container that fails to start, or starts
 * undebugged, with the cause in a log. Doctor only looks; it changes nothing on the host. Facts
 * several checks share are learnt once by {@link dev.katadbg.doctor.Host}, with their failure,
 * so a check can say why it could not decide. Depends on config, delve, elf, files, handoff and
 * hostconfig.
 */
package dev.katadbg.doctor;
