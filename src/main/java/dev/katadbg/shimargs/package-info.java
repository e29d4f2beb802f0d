/**
 * A shim v2 command line as containerd and CRI-O write it ({@code -namespace NS -id ID -address
 * SOCK ... start}): read by the wrapper to know its call, and by discovery to recognise running
 * daemons. Depends on nothing of katadbg.
 */
package dev.katadbg.shimargs;
