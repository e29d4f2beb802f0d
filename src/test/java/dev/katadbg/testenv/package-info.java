/**
 * The end-to-end test environment: the real parts ({@link dev.katadbg.testenv.TestEnv}) and a
 * real private containerd per test class or test ({@link dev.katadbg.testenv.PrivateContainerd}).
 *
 * <p>Everything a private containerd touches is under one random root-only directory in
 * /run/katadbg-test, and everything it leaves on the host names that directory (its sockets
 * are in it) or hangs off a process that does. That is what lets {@link
 * dev.katadbg.testenv.Reaper} remove exactly our processes, runc containers, shim sockets and
 * mounts, on stop and after a run whose JVM died, without touching anyone else's containerd.
 *
 * <p>Tests that need a part call {@code TestEnv.require(Part...)}: missing parts or a non-root
 * user fail the test when {@code CI=true} and skip it otherwise, pointing at
 * {@code scripts/setup-env.sh}.
 */
package dev.katadbg.testenv;
