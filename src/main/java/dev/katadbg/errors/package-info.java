/**
 * One line for a failure, causes included, as the CLI prints it and a session records it.
 * Depends on files (the words for a failed file operation).
 */
package dev.katadbg.errors;
