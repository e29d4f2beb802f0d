/**
 * Delve (dlv) for katadbg: {@link dev.katadbg.delve.DelveLauncher} starts a headless dlv server on
 * a program or pid, {@link dev.katadbg.delve.DelveClient} drives it over Delve's JSON-RPC API v2
 * (follow-exec, breakpoints, continue, targets), and {@link dev.katadbg.delve.DelveAddress} names
 * where it listens.
 *
 * <p>Delve's JSON shapes stay inside this package ({@code Wire}); callers see immutable records.
 */
package dev.katadbg.delve;
