/**
 * Finding the shim v2 daemons running on this host ({@link dev.katadbg.discovery.ShimFinder})
 * and picking one by pid, sandbox id or container id ({@link dev.katadbg.discovery.Target}).
 * Depends on proc (procfs), elf (DWARF), session (who is attached) and shimargs (the shim's
 * command line).
 */
package dev.katadbg.discovery;
