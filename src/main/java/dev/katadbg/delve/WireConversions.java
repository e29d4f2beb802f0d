package dev.katadbg.delve;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * WireConversions turns Delve's JSON shapes ({@link Wire}) into katadbg's public records: nulls
 * become empty strings, zeros, empty lists or {@link Optional#empty()}.
 */
final class WireConversions {
  private WireConversions() {}

  static DelveVersion version(Wire.GetVersionOut out) {
    Semver delve =
        DelveVersion.parseVersionText(out.delveVersion())
            .orElseThrow(
                () ->
                    new DelveException(
                        "unrecognised delve version text '" + out.delveVersion() + "'"));
    return new DelveVersion(
        delve,
        orZero(out.apiVersion()),
        orEmpty(out.targetGoVersion()),
        Semver.parse(out.minSupportedVersionOfGo()),
        Semver.parse(out.maxSupportedVersionOfGo()));
  }

  static Breakpoint breakpoint(Wire.BreakpointW bp) {
    return new Breakpoint(
        orZero(bp.id()),
        orEmpty(bp.name()),
        orEmpty(bp.file()),
        orZero(bp.line()),
        orEmpty(bp.functionName()),
        bp.addrs() == null ? List.of() : bp.addrs(),
        bp.addrPids() == null ? List.of() : bp.addrPids(),
        orZero(bp.totalHitCount()));
  }

  static Optional<ThreadInfo> thread(Wire.ThreadW th) {
    if (th == null) {
      return Optional.empty();
    }
    // The id and name are kept: Delve sends the whole breakpoint, and the name is still known
    // here after the breakpoint was cleared.
    OptionalInt bp =
        th.breakpoint() == null || th.breakpoint().id() == null
            ? OptionalInt.empty()
            : OptionalInt.of(th.breakpoint().id());
    return Optional.of(
        new ThreadInfo(
            orZero(th.id()),
            orEmpty(th.file()),
            orZero(th.line()),
            functionName(th.function()),
            bp,
            th.breakpoint() == null ? "" : orEmpty(th.breakpoint().name()),
            th.goroutineId() == null ? 0 : th.goroutineId()));
  }

  static DebuggerState state(Wire.StateW s) {
    if (s == null) {
      throw new DelveException("delve sent a reply without a State");
    }
    return new DebuggerState(
        orZero(s.pid()),
        orEmpty(s.targetCommandLine()),
        Boolean.TRUE.equals(s.running()),
        Boolean.TRUE.equals(s.exited()),
        orZero(s.exitStatus()),
        thread(s.currentThread()));
  }

  static Target target(Wire.TargetW t) {
    return new Target(orZero(t.pid()), orEmpty(t.cmdLine()), thread(t.currentThread()));
  }

  static Goroutine goroutine(Wire.GoroutineW g) {
    Wire.LocationW loc = g.currentLoc();
    return new Goroutine(
        g.id() == null ? 0 : g.id(),
        loc == null ? "" : functionName(loc.function()),
        loc == null ? "" : orEmpty(loc.file()),
        loc == null ? 0 : orZero(loc.line()));
  }

  static StackFrame frame(Wire.LocationW loc) {
    return new StackFrame(functionName(loc.function()), orEmpty(loc.file()), orZero(loc.line()));
  }

  /** Delve encodes empty Go slices as {@code null}. */
  static <T> List<T> list(List<T> wire) {
    return wire == null ? List.of() : wire;
  }

  private static String functionName(Wire.FunctionW f) {
    return f == null ? "" : orEmpty(f.name());
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  private static int orZero(Integer i) {
    return i == null ? 0 : i;
  }
}
