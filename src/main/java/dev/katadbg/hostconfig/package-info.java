/**
 * Reading the runtime managers' configuration as it is in force, not as its files look:
 * containerd's through {@code containerd config dump}, CRI-O's by merging {@code crio.conf} and
 * its drop-ins in CRI-O's order. On containerd 1.x a drop-in can silently replace the main
 * file's plugin section (notes/runtime-managers.md), so reading one file can report a runtime
 * class or a timeout that is not there.
 *
 * <p>It only reads; edits are the manager and timeouts packages' business. Depends on no other
 * katadbg package.
 */
package dev.katadbg.hostconfig;
