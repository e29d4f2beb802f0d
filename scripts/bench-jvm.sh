#!/usr/bin/env bash
# The JVM's share of a wrapper start and of a query command, side by side in one run (prints
# figures, asserts nothing): the launchers' JVM with the class cache the build trained, the same
# JVM with only the JDK's own class archive, and the machine's default java (the JVM before the
# cache) with its archive. Two calls, each made exactly as the launchers make it:
#  wrapper  containerd-shim-katadbg-v2's `start` up to its first failure (dlv missing: config,
#           session record, log and preflight, no shim run), then exit;
#  sessions `katadbg sessions --json` on an empty state directory.
# Variants interleave; medians of NRUN (default 15). Needs target/katadbg (mvn package).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/lib/start-bench.sh"
NRUN=${NRUN:-15}
dist=$root/target/katadbg
lib=$dist/lib
[ -r "$lib/class-cache.stamp" ] || { echo "bench-jvm: no class cache in $lib: run mvn package"; exit 1; }
read -r kind _ < "$lib/class-cache.stamp"
java=$(sed -n 's/^exec .*"${KATADBG_JAVA:-\([^}]*\)}".*/\1/p' "$dist/bin/katadbg")
default_java=$(readlink -f "$(command -v java)")
shim=$(ls "$root"/.deps/shim/containerd-shim-runc-v2 2>/dev/null || echo /bin/true)
work=$(mktemp -d /tmp/katadbg-bench-jvm.XXXXXX)
trap 'rm -rf "$work"' EXIT
cat > "$work/config.toml" <<TOML
[shim]
binary = "$shim"
[debugger]
path = "$work/no-dlv"
[state]
dir = "$work/state"
TOML
flags=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xss512k -Xlog:disable)
case $kind in
  aot) cache=-XX:AOTCache=$lib/katadbg.aot ;;
  *) cache=-XX:SharedArchiveFile=$lib/katadbg.jsa ;;
esac
declare -A cmd=(
  [cache]="$java ${flags[*]} $cache"
  [jdk]="$java ${flags[*]} -Xshare:auto"
  [default]="$default_java ${flags[*]} -Xshare:auto")
declare -A label=([cache]="$(basename "$(dirname "$(dirname "$java")")") + katadbg's $kind cache"
  [jdk]="$(basename "$(dirname "$(dirname "$java")")"), JDK archive only"
  [default]="$(basename "$(dirname "$(dirname "$default_java")")") (default java), JDK archive")
declare -A main=([wrapper]=dev.katadbg.shim.ShimWrapper [sessions]=dev.katadbg.cli.Main)
declare -A args=([wrapper]="-namespace bench -id x -address $work/none.sock start"
  [sessions]="sessions --json")
declare -A times=()
export KATADBG_CONFIG=$work/config.toml
echo "bench-jvm: NRUN=$NRUN, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$NRUN"); do
  for call in wrapper sessions; do
    for v in cache jdk default; do
      t0=$(now)
      # shellcheck disable=SC2086
      ${cmd[$v]} -Dkatadbg.home="$dist" -cp "$lib/katadbg.jar" ${main[$call]} ${args[$call]} \
        </dev/null >/dev/null 2>&1 || true
      times[$call.$v]+="$(( $(now) - t0 )) "
      rm -rf "$work/state"
    done
  done
done
for call in wrapper sessions; do
  for v in cache jdk default; do
    printf '  %-8s %-54s median %5s ms\n' "$call" "${label[$v]}" \
      "$(printf '%s\n' ${times[$call.$v]} | median_ms)"
  done
done
echo "  load $(cut -d' ' -f1-3 /proc/loadavg) at end"
