#!/usr/bin/env bash
# `ctr run --rm ... /bin/echo hi` wall time, side by side in one run (prints figures, asserts
# nothing; run as root after scripts/setup-env.sh):
#  (a) the DWARF debug runc shim alone (io.containerd.runcdbg.v2);
#  (b) the same shim under a minimal wrapper written here (io.containerd.dlvmin.v2): `dlv exec`,
#      follow-exec, one continue, the reply relayed from a FIFO; no checks, no session, no reaper;
#  (c) katadbg's wrapper, wait_for_client = false, no breakpoints (io.containerd.katadbg.v2),
#      its start served by the resident katadbg that a first, unmeasured start left running;
#  (d) the same in a JVM of its own per start (KATADBG_SERVER=0: no resident katadbg), what
#      every start cost before, and the first start after 10 minutes without one still costs.
# The variants alternate (a b c d a b c d ...) so that load falls on all alike. Medians of NRUN
# (default 7) successful runs each; failures are counted and shown. Each run has a deadline
# (DEADLINE, default 60 s). Anything left after a run (Delve, shim, runc container) is ended
# by pid before the next, and reported; the minimal wrapper's Delve outlives its shim by design
# (nothing ends it), so it is ended after each (b) run and not reported.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
NRUN=${NRUN:-7}
DEADLINE=${DEADLINE:-60}
[ -x target/katadbg/bin/katadbg ] || mvn -B -q -ntp package -DskipTests
source "$root/scripts/lib/private-containerd.sh"
source "$root/scripts/lib/start-bench.sh"
trap sb_cleanup EXIT
trap 'exit 130' INT TERM
pc_start benchstart
pc_katadbg_config false
sb_init bs
sb_write_dlvmin

# (d): the wrapper with the resident katadbg turned off, as a runtime of its own.
printf '#!/bin/sh\nKATADBG_SERVER=0 exec %s "$@"\n' "$dist/bin/containerd-shim-katadbg-v2" \
  > "$base/opt/bin/containerd-shim-katadbgjvm-v2"
chmod 755 "$base/opt/bin/containerd-shim-katadbgjvm-v2"

variants=(a b c d)
declare -A runtime=([a]=io.containerd.runcdbg.v2 [b]=io.containerd.dlvmin.v2 [c]=io.containerd.katadbg.v2 [d]=io.containerd.katadbgjvm.v2)
declare -A label=([a]="debug shim alone" [b]="minimal dlv wrapper" [c]="katadbg, served (wait_for_client=false)" [d]="katadbg, a JVM per start")
declare -A times=([a]="" [b]="" [c]="" [d]="")
declare -A fails=([a]=0 [b]=0 [c]=0 [d]=0)
notes=()

load() { cut -d' ' -f1-3 /proc/loadavg; }
kill_dlvmin_delves() { # the minimal wrapper's Delve: nothing ends it but us
  for p in $(sb_our_procs | awk '$2=="dlv"{print $1}'); do
    grep -qaF "$base/dlvmin." "/proc/$p/cmdline" 2>/dev/null && kill -KILL "$p" 2>/dev/null
  done
  return 0
}
echo "bench-start: ctr run --rm ... /bin/echo hi, NRUN=$NRUN, $(nproc) cores, load $(load) at start"
echo "  shim $(readlink -f "$shim"), dlv $("$dlv" version | sed -n 's/^Version: //p'), containerd $(containerd --version | awk '{print $3}')"

# Once, before measuring: does the minimal wrapper's Delve really hold the shim's daemon? (A
# follow-exec regex that misses leaves the daemon untraced, and (b) would measure too little.)
follows=no
if timeout -k 5 "$DEADLINE" ctr -a "$sock" -n "$sb_ns" run -d --runtime io.containerd.dlvmin.v2 \
     --rootfs "$base/rootfs" follow-check /bin/sleep 60 >/dev/null 2>&1; then
  for p in $(grep -lsaF follow-check /proc/[0-9]*/cmdline | cut -d/ -f3); do
    # the daemon: `-namespace NS -id follow-check -address SOCK`, no action word
    tr '\0' ' ' 2>/dev/null </proc/$p/cmdline | grep -q -- "-id follow-check -address $sock \?$" || continue
    tracer=$(awk '/^TracerPid/{print $2}' /proc/$p/status 2>/dev/null || echo 0)
    [ "${tracer:-0}" != 0 ] && [ "$(cat /proc/$tracer/comm 2>/dev/null)" = dlv ] && follows=yes
  done
fi
echo "  minimal wrapper's Delve traces the shim's daemon: $follows"
kill_dlvmin_delves
sb_reap
# The first start through katadbg starts the resident katadbg (in $base/cli, so it ends with
# this run); (c) measures the starts it serves.
timeout -k 5 "$DEADLINE" ctr -a "$sock" -n "$sb_ns" run --rm --runtime io.containerd.katadbg.v2 \
  --rootfs "$base/rootfs" warmup /bin/echo hi >/dev/null 2>&1 || true
for _ in $(seq 100); do [ -n "$(ls "$base/cli" 2>/dev/null)" ] && break; sleep 0.1; done
server=$(pgrep -f "dev.katadbg.cli.CliServer $base/cli/" | head -1 || true)
if [ -n "$server" ]; then echo "  resident katadbg for (c): pid $server"
else echo "  resident katadbg for (c): none started (so (c) measures JVM starts too)"; fi
sb_reap

for i in $(seq "$NRUN"); do
  for v in "${variants[@]}"; do
    id="$v$i"
    t0=$(now)
    rc=0
    out=$(timeout -k 5 "$DEADLINE" ctr -a "$sock" -n "$sb_ns" run --rm --runtime "${runtime[$v]}" \
      --rootfs "$base/rootfs" "$id" /bin/echo hi 2>&1) || rc=$?
    t=$(( $(now) - t0 ))
    if [ "$rc" -eq 0 ] && [ "$out" = hi ]; then
      times[$v]+="$t "
    else
      fails[$v]=$(( ${fails[$v]} + 1 ))
      [ "$rc" -ge 124 ] && what="deadline ${DEADLINE}s" || what="exit $rc"
      notes+=("($v) $id: $what: $(echo "$out" | tail -2 | tr '\n' ' ')")
    fi
    [ "$v" = b ] && kill_dlvmin_delves
    left=$(sb_leftovers)
    if [ -n "$left" ]; then
      notes+=("($v) $id left: $(echo "$left" | tr '\n' ';')")
      sb_reap
    fi
  done
done

declare -A med
echo
for v in "${variants[@]}"; do
  med[$v]=$(printf '%s\n' ${times[$v]} | grep . | median_ms || true)
  n=$(printf '%s\n' ${times[$v]} | grep -c . || true)
  printf '  (%s) %-40s median %6s ms  (%d ok, %d failed)\n' "$v" "${label[$v]}" "${med[$v]}" "$n" "${fails[$v]}"
done
ratio() { awk -v x="$1" -v y="$2" 'BEGIN { if (x+0 > 0 && y+0 > 0) printf "%.2f", x/y; else print "-" }'; }
echo "  (c) katadbg/minimal $(ratio "${med[c]}" "${med[b]}")   (c) katadbg/alone $(ratio "${med[c]}" "${med[a]}")   (d) katadbg/minimal $(ratio "${med[d]}" "${med[b]}")"
# Each (c) session's log says when Delve was launched, counted from the wrapper's exec by the
# kernel (10 ms ticks): the JVM's start-up and katadbg's steps before the debugger.
launched() {
  cat "$base"/katadbg/sessions/"$sb_ns"/"$1"[0-9]*/katadbg.log 2>/dev/null \
    | sed -n "s/.*; launched \([0-9]*\) ms after the wrapper's exec.*/\1/p" \
    | awk '{print $1 * 1000000}' | median_ms || true
}
echo "  wrapper exec to Delve launched: median (c) $(launched c) ms, (d) $(launched d) ms, java $(sed -n \
  's/^exec .*"${KATADBG_JAVA:-\([^}]*\)}".*/\1/p' "$dist/bin/containerd-shim-katadbg-v2")${KATADBG_JAVA:+, KATADBG_JAVA=$KATADBG_JAVA (no class cache)}"
echo "  load $(load) at end, $(nproc) cores"
if [ ${#notes[@]} -gt 0 ]; then
  echo "  notes:"; printf '    %s\n' "${notes[@]}"
fi
