/**
 * The resident katadbg's wire format, shared by its two callers' protocols (the query commands
 * of {@code katadbg-client} and the served shim start, both in src/main/c/client.c): strings and
 * string lists as length-prefixed UTF-8, and frames of one kind byte, a length and bytes, all
 * integers big-endian. A frame is written whole under one lock, so that two threads of one call
 * never interleave their bytes.
 *
 * <p>Depends on nothing else in katadbg.
 */
package dev.katadbg.wire;
