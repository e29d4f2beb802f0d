/**
 * Runtime manager configuration: adding katadbg's runtime class to containerd's config.toml and
 * CRI-O's drop-ins, and undoing it byte for byte.
 *
 * <p>Edits go through tomlj 2.x, which re-writes an unedited file byte-identically and keeps
 * comments, indentation and blank lines around what it changes. Every change is planned first
 * ({@link dev.katadbg.manager.Plan}, which a dry run prints as a unified diff), then applied
 * atomically with a backup and a record ({@link dev.katadbg.manager.Installer}) that
 * {@code uninstall} replays in reverse.
 */
package dev.katadbg.manager;
