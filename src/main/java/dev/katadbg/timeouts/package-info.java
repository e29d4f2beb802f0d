/**
 * The timeout chain (kubelet, CRI, runtime manager, shim, agent) that can end a debugging
 * session while the shim sits halted at a breakpoint: reading each link's value in force on this
 * host ({@link dev.katadbg.timeouts.TimeoutChain}), raising them in containerd's, CRI-O's and
 * Kata's files ({@link dev.katadbg.timeouts.TimeoutRaiser}) and putting the originals back.
 *
 * <p>These are other people's files, so a raise is planned first, edited with tomlj to keep
 * everything it does not change byte for byte, and backed up on disk
 * ({@link dev.katadbg.timeouts.TimeoutBackups}) so a restore still works after a reboot and
 * refuses to overwrite a later edit. Depends on hostconfig, files and config.
 */
package dev.katadbg.timeouts;
