package dev.katadbg.delve;

import com.google.gson.annotations.SerializedName;
import java.util.List;

/**
 * Wire holds the JSON shapes of Delve's JSON-RPC API v2: one In/Out pair per RPC as in Delve's
 * {@code service/rpc2/server.go}, and the parts of {@code service/api/types.go} katadbg reads. JSON
 * names are exactly what Delve sends (checked against 1.20.2 and 1.24.0): Go structs without json
 * tags use the Go field name ({@code Pid}, {@code TargetCommandLine}), tagged ones use the tag
 * ({@code exited}, {@code currentThread}). Go decodes names case-insensitively, but requests use
 * the exact names too.
 *
 * <p>Every component is nullable (Delve omits or nulls fields, older releases lack some), so
 * nothing here leaves the package: {@link WireConversions} turns these into the public records.
 */
final class Wire {
  private Wire() {}

  /** An RPC whose input has no fields: GetVersion, FollowExecEnabled, ListTargets. */
  record Empty() {}

  /** ListSources: source files of the selected process matching a regexp. */
  record ListSourcesIn(@SerializedName("Filter") String filter) {}

  record ListSourcesOut(@SerializedName("Sources") List<String> sources) {}

  record GetVersionOut(
      @SerializedName("DelveVersion") String delveVersion,
      @SerializedName("APIVersion") Integer apiVersion,
      @SerializedName("TargetGoVersion") String targetGoVersion,
      @SerializedName("MinSupportedVersionOfGo") String minSupportedVersionOfGo,
      @SerializedName("MaxSupportedVersionOfGo") String maxSupportedVersionOfGo) {}

  record FollowExecIn(
      @SerializedName("Enable") boolean enable, @SerializedName("Regex") String regex) {}

  record FollowExecEnabledOut(@SerializedName("Enabled") Boolean enabled) {}

  /** The requested breakpoint of CreateBreakpoint; the location comes from {@code LocExpr}. */
  record BreakpointSpec(@SerializedName("name") String name) {}

  record CreateBreakpointIn(
      @SerializedName("Breakpoint") BreakpointSpec breakpoint,
      @SerializedName("LocExpr") String locExpr) {}

  record CreateBreakpointOut(@SerializedName("Breakpoint") BreakpointW breakpoint) {}

  record ClearBreakpointIn(@SerializedName("Id") int id) {}

  /** {@code All} would add internal breakpoints (those of next/step); katadbg lists user ones. */
  record ListBreakpointsIn(@SerializedName("All") boolean all) {}

  record ListBreakpointsOut(@SerializedName("Breakpoints") List<BreakpointW> breakpoints) {}

  record StateIn(@SerializedName("NonBlocking") boolean nonBlocking) {}

  /** Delve's api.DebuggerCommand, the input of Command; its fields are json-tagged. */
  record CommandIn(@SerializedName("name") String name) {}

  /** Command switchThread: selects a thread, and with several processes the one it is in. */
  record SwitchThreadIn(
      @SerializedName("name") String name, @SerializedName("threadID") int threadId) {}

  /** The output of both State and Command. */
  record StateOut(@SerializedName("State") StateW state) {}

  record DetachIn(@SerializedName("Kill") boolean kill) {}

  record ListTargetsOut(@SerializedName("Targets") List<TargetW> targets) {}

  /** {@code Count} 0 means no limit; {@code Nextg} of the reply is -1 when all were listed. */
  record ListGoroutinesIn(@SerializedName("Start") int start, @SerializedName("Count") int count) {}

  record ListGoroutinesOut(
      @SerializedName("Goroutines") List<GoroutineW> goroutines,
      @SerializedName("Nextg") Integer nextg) {}

  record StacktraceIn(@SerializedName("Id") long id, @SerializedName("Depth") int depth) {}

  /** api.Stackframe embeds api.Location, so a frame's pc/file/line/function are top-level. */
  record StacktraceOut(@SerializedName("Locations") List<LocationW> locations) {}

  record BreakpointW(
      @SerializedName("id") Integer id,
      @SerializedName("name") String name,
      @SerializedName("addrs") List<Long> addrs,
      @SerializedName("addrpid") List<Integer> addrPids,
      @SerializedName("file") String file,
      @SerializedName("line") Integer line,
      @SerializedName("functionName") String functionName,
      @SerializedName("totalHitCount") Integer totalHitCount) {}

  record FunctionW(@SerializedName("name") String name) {}

  record ThreadW(
      @SerializedName("id") Integer id,
      @SerializedName("file") String file,
      @SerializedName("line") Integer line,
      @SerializedName("function") FunctionW function,
      @SerializedName("goroutineID") Long goroutineId,
      @SerializedName("breakPoint") BreakpointW breakpoint) {}

  record StateW(
      @SerializedName("Pid") Integer pid,
      @SerializedName("TargetCommandLine") String targetCommandLine,
      @SerializedName("Running") Boolean running,
      @SerializedName("currentThread") ThreadW currentThread,
      @SerializedName("exited") Boolean exited,
      @SerializedName("exitStatus") Integer exitStatus) {}

  record TargetW(
      @SerializedName("Pid") Integer pid,
      @SerializedName("CmdLine") String cmdLine,
      @SerializedName("CurrentThread") ThreadW currentThread) {}

  record LocationW(
      @SerializedName("file") String file,
      @SerializedName("line") Integer line,
      @SerializedName("function") FunctionW function) {}

  record GoroutineW(
      @SerializedName("id") Long id, @SerializedName("currentLoc") LocationW currentLoc) {}
}
