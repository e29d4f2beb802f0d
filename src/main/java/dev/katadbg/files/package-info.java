/**
 * Files katadbg changes on the host: atomic replacement keeping mode and owner, byte-exact
 * backups for undo, and words for what went wrong with a file. Depends on no other katadbg
 * package.
 */
package dev.katadbg.files;
