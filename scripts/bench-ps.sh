#!/usr/bin/env bash
# Benchmark of `katadbg ps`: prints figures, asserts nothing. Run as root after
# scripts/setup-env.sh. A private containerd runs SHIMS containers (one shim each, the debug runc
# shim), then OTHER idle processes are added; `katadbg ps` (the built launcher: JVM start-up
# included) and `katadbg ps --json` are timed N times each, before and after, median in ms.
# Everything it starts is ended by pid at exit (the idle processes are its own children).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
N=${N:-9}
SHIMS=${SHIMS:-20}
OTHER=${OTHER:-5000}
[ -x target/katadbg/bin/katadbg ] || mvn -B -q -ntp package -DskipTests
source "$root/scripts/lib/private-containerd.sh"
others=()
cleanup() {
  set +e
  # Our own children, by pid: they are not reaped until we wait, so no pid can be reused.
  [ ${#others[@]} -gt 0 ] && kill "${others[@]}" 2>/dev/null && wait "${others[@]}" 2>/dev/null
  pc_cleanup
}
trap cleanup EXIT
pc_start benchps
pc_katadbg_config false
katadbg="$dist/bin/katadbg"

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.0f", m/1e6}'; }
time_ps() { # time_ps ARGS... -> median ms of N runs
  for _ in $(seq "$N"); do
    local t0; t0=$(now); "$katadbg" ps "$@" >/dev/null; echo $(( $(now) - t0 ))
  done | median
}

for i in $(seq "$SHIMS"); do
  ctr -a "$sock" run -d --runtime io.containerd.runcdbg.v2 --rootfs "$base/rootfs" \
    "benchps-$i" /bin/sleep 3600 >/dev/null
done
found=$("$katadbg" ps --json | grep -c "\"address\": \"$sock\"" || true)
procs() { find /proc -maxdepth 1 -name '[0-9]*' | wc -l; }

echo "katadbg ps benchmark — $(nproc) cores, $(date -u +%F), median of N=$N runs (ms, JVM start included)"
echo "   $SHIMS shims started ($found found by ps), $(procs) processes on the host"
echo "   ps         $(time_ps)"
echo "   ps --json  $(time_ps --json)"

for _ in $(seq "$OTHER"); do
  sleep 3600 &
  others+=($!)
done
echo "   + $OTHER idle processes: $(procs) processes on the host"
echo "   ps         $(time_ps)"
echo "   ps --json  $(time_ps --json)"
t0=$(now); "$katadbg" --version >/dev/null; echo "   (katadbg --version, JVM start-up alone: $(( ($(now) - t0) / 1000000 )))"
