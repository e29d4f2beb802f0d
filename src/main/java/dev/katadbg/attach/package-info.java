/**
 * Attaching Delve to a running shim ({@code dlv attach}) and recording the session in the same
 * registry as the wrapper's. Depends on discovery, delve, session, proc and config.
 */
package dev.katadbg.attach;
