package dev.katadbg.doctor;

/** Which runtime manager starts the shim, which decides where the wrapper and runtime class live. */
public enum RuntimeManager {
  CONTAINERD,
  CRIO
}
