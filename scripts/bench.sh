#!/usr/bin/env bash
# katadbg's benchmark: prints figures, asserts nothing. Run as root after scripts/setup-env.sh.
#  1. pass-through overhead: the wrapper's `-v` versus the real shim's, and `delete`;
#  2. hand-off latency: from the shim's start process exiting (its reply written, the daemon
#     held) to the wrapper's exit (Delve attached to the daemon, the reply relayed), for a start
#     with wait_for_client = false and no breakpoints;
#  3. `ctr run --rm ... echo` through katadbg (wait_for_client = false, no breakpoints) versus
#     the same debug shim without katadbg.
# Medians over N runs (N=${N:-15}; ctr runs ${NRUN:-7}).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
N=${N:-15}
NRUN=${NRUN:-7}
[ -x target/katadbg/bin/katadbg ] || mvn -B -q -ntp package -DskipTests
source "$root/scripts/lib/private-containerd.sh"
trap pc_cleanup EXIT
pc_start bench
pc_katadbg_config false
wrapper="$dist/bin/containerd-shim-katadbg-v2"

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1e6}'; }
time_cmd() { # time_cmd N CMD... -> one duration in ns per line
  local n=$1; shift
  for _ in $(seq "$n"); do
    local t0; t0=$(now); "$@" >/dev/null 2>&1 || true; echo $(( $(now) - t0 ))
  done
}

echo "katadbg benchmark — $(nproc) cores, $(date -u +%F), N=$N (ctr runs: $NRUN)"
echo
echo "1. pass-through (median ms)"
real_v=$(time_cmd "$N" "$shim" -v | median)
wrap_v=$(time_cmd "$N" "$wrapper" -v | median)
echo "   -v       real shim ${real_v}   through wrapper ${wrap_v}"
del=(-namespace default -id nope -address /nonexistent.sock -publish-binary /usr/bin/containerd -bundle /nonexistent/nope delete)
real_d=$(time_cmd "$N" "$shim" "${del[@]}" | median)
wrap_d=$(time_cmd "$N" "$wrapper" "${del[@]}" | median)
echo "   delete   real shim ${real_d}   through wrapper ${wrap_d}"

echo
echo "2. hand-off: start process exited -> wrapper exited (median ms), and whole start"
lat=(); tot=()
bundle="$base/bench-bundle"
for i in $(seq "$N"); do
  mkdir -p "$bundle.$i"; echo '{}' > "$bundle.$i/config.json"
  t0=$(now)
  (cd "$bundle.$i" && "$wrapper" -namespace bench -address "$sock" -publish-binary /usr/bin/containerd -id "b$i" start </dev/null >/dev/null)
  t1=$(now)
  log="$base/katadbg/sessions/bench/b$i/katadbg.log"
  eof=$(grep 'watcher: Exited' "$log" | cut -d' ' -f1)
  eof_ns=$(date -d "$eof" +%s%N)
  lat+=($(( t1 - eof_ns ))); tot+=($(( t1 - t0 )))
  "$dist/bin/katadbg" stop --kill "bench/b$i" >/dev/null 2>&1 || true
done
echo "   hand-off $(printf '%s\n' "${lat[@]}" | median)   whole start, wrapper exec to exit $(printf '%s\n' "${tot[@]}" | median)"

echo
echo "3. ctr run --rm echo (median ms)"
run_ctr() { ctr -a "$sock" run --rm --runtime "$1" --rootfs "$base/rootfs" "$2" /bin/echo hi >/dev/null; }
dbg=(); kdb=()
for i in $(seq "$NRUN"); do
  t0=$(now); run_ctr io.containerd.runcdbg.v2 "plain$i"; dbg+=($(( $(now) - t0 )))
  t0=$(now); run_ctr io.containerd.katadbg.v2 "kdb$i"; kdb+=($(( $(now) - t0 )))
done
echo "   debug shim alone $(printf '%s\n' "${dbg[@]}" | median)   through katadbg $(printf '%s\n' "${kdb[@]}" | median)"
