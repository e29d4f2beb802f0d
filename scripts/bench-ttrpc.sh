#!/usr/bin/env bash
# ttrpc benchmark: katadbg's Java client versus Go's own (Debian's containerd/ttrpc 1.1 with
# containerd's generated Task client), Task.State on one connection to the same shim in the same
# run, with 1 and 16 calls in flight. Prints one JSON line per measurement; asserts nothing.
# Run as root after scripts/setup-env.sh. CALLS=${CALLS:-20000} per measurement, ROUNDS=${ROUNDS:-2}.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
CALLS=${CALLS:-20000}
ROUNDS=${ROUNDS:-2}
SHIM=${SHIM:-/usr/bin/containerd-shim-runc-v2}   # Debian's optimized build: both clients hit it
go_root="$root/.deps/trixie/usr/lib/go-1.24"
[ -n "${NOBUILD:-}" ] || mvn -B -q -ntp package test-compile -DskipTests

work=$(mktemp -d /run/katadbg-bench-XXXXXX)
run_pid=""
cleanup() {
  if [ -n "$run_pid" ] && kill -0 "$run_pid" 2>/dev/null; then
    # TERM, not INT: a non-interactive shell starts background jobs with SIGINT ignored.
    kill -TERM "$run_pid"; wait "$run_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

GO111MODULE=off GOPATH=/usr/share/gocode GOROOT="$go_root" GOCACHE="$root/.deps/gocache" \
  "$go_root/bin/go" build -o "$work/ttrpcbench" ./src/test/go/ttrpcbench/

mkdir -p "$work/rootfs/bin" "$work/rootfs/proc" "$work/rootfs/sys" "$work/rootfs/dev"
cp /bin/busybox "$work/rootfs/bin/busybox"
ln -s busybox "$work/rootfs/bin/sleep"
printf '[state]\ndir = "%s/state"\n' "$work" > "$work/katadbg.toml"
id="bench-$$"
KATADBG_CONFIG="$work/katadbg.toml" target/katadbg/bin/katadbg run --shim "$SHIM" \
  --rootfs "$work/rootfs" --id "$id" -- sleep 3600 >"$work/run.out" 2>"$work/run.err" &
run_pid=$!
for _ in $(seq 200); do
  addr=$(sed -n 's/^katadbg: shim listens on //p' "$work/run.err")
  grep -q "^katadbg: created" "$work/run.err" && [ -n "$addr" ] && break
  sleep 0.1
done
[ -n "${addr:-}" ] || { cat "$work/run.err"; exit 1; }

echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# ttrpc Task.State on one connection — $(nproc) cores, $(date -u +%F), shim $SHIM, $CALLS calls each"
cp="$root/target/test-classes:$root/target/katadbg/lib/*"
java=$(sed -n 's/^exec .*"${KATADBG_JAVA:-\([^}]*\)}" .*/\1/p' target/katadbg/bin/katadbg)
[ -x "$java" ] || { echo "bench-ttrpc: no java found in target/katadbg/bin/katadbg" >&2; exit 1; }
# The launcher's own JVM options that matter here: without this one, Java 23+ prints protobuf's
# sun.misc.Unsafe warnings on every run.
jopts=()
grep -q -- '--sun-misc-unsafe-memory-access=allow' target/katadbg/bin/katadbg \
  && jopts+=(--sun-misc-unsafe-memory-access=allow)
for round in $(seq "$ROUNDS"); do
  for k in 1 16; do
    "$java" "${jopts[@]}" -cp "$cp" dev.katadbg.bench.StateBench "$addr" "$id" default "$CALLS" "$k"
    [ "$k" = 1 ] || "$java" "${jopts[@]}" -cp "$cp" dev.katadbg.bench.StateBench "$addr" "$id" default "$CALLS" "$k" async
    [ "$k" = 1 ] || "$java" "${jopts[@]}" -cp "$cp" dev.katadbg.bench.StateBench "$addr" "$id" default "$CALLS" "$k" virtual
    "$work/ttrpcbench" -socket "$addr" -id "$id" -calls "$CALLS" -inflight "$k"
  done
  echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg)"
done
