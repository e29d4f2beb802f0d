#!/usr/bin/env bash
# Wall time of katadbg's query commands, medians of NRUN (default 9) in one run, side by side:
#   server   the launcher as installed: katadbg-client and the resident katadbg (CliServer),
#            warm (a first call started it before measuring);
#   jvm      KATADBG_SERVER=0: a JVM per command, with the build's class cache;
#   floors   `java -version` of the launchers' JVM, and `true` through the same kind of fork.
# state, stack, break and continue act on a real session: a container through katadbg's
# wrapper on a private containerd (run as root after scripts/setup-env.sh) whose shim stops at a
# breakpoint on the task service's Pids, which each `ctr task ps` calls; `continue` is timed on
# that stop, so each measured continue resumes a real stop. `break` sets one breakpoint, then
# meets Delve's "exists" answer: a full round trip either way. Prints figures, asserts nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
NRUN=${NRUN:-9}
[ -x target/katadbg/libexec/katadbg-client ] || mvn -B -q -ntp package -DskipTests
source "$root/scripts/lib/private-containerd.sh"
source "$root/scripts/lib/start-bench.sh"
# pc_cleanup removes $base and with it the server's socket (KATADBG_SERVER_DIR): it ends.
trap 'ctr -a "$sock" -n "$sb_ns" task kill -s KILL q1 >/dev/null 2>&1; pc_cleanup' EXIT
trap 'exit 130' INT TERM
pc_start benchcli
pids='github.com/containerd/containerd/runtime/v2/runc/task.(*service).Pids'
pc_katadbg_config false "$pids"
sb_init bc
k=$dist/bin/katadbg
java=$(sed -n 's/^exec .*"${KATADBG_JAVA:-\([^}]*\)}".*/\1/p' "$k")

ctr -a "$sock" -n "$sb_ns" run -d --runtime io.containerd.katadbg.v2 --rootfs "$base/rootfs" q1 \
  /bin/sleep 600 >/dev/null
"$k" sessions >/dev/null # starts the server
for _ in $(seq 100); do [ -n "$(ls "$KATADBG_SERVER_DIR" 2>/dev/null)" ] && break; sleep 0.1; done

stop_at_pids() { # a `ctr task ps` held at the breakpoint; its pid in $held
  ctr -a "$sock" -n "$sb_ns" task ps q1 >/dev/null 2>&1 &
  held=$!
  for _ in $(seq 300); do
    "$k" state q1 2>/dev/null | grep -q 'stopped at breakpoint' && return 0
    sleep 0.05
  done
  echo "bench-cli: the shim did not stop at Pids" >&2
  exit 1
}

declare -A times=()
cmds=(sessions ps state stack break continue --help --version)
time_it() { # time_it KEY CMD...: appends the call's wall time in ns to times[KEY]
  local key=$1 t0
  shift
  t0=$(now)
  "$@" >/dev/null 2>&1 || true
  times[$key]+="$(( $(now) - t0 )) "
}
echo "bench-cli: NRUN=$NRUN, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) at start"
for i in $(seq "$NRUN"); do
  time_it floor.java "$java" -version
  time_it floor.true /bin/true
  for mode in server jvm; do
    [ $mode = jvm ] && export KATADBG_SERVER=0 || unset KATADBG_SERVER
    stop_at_pids
    for c in "${cmds[@]}"; do
      case $c in
        sessions) time_it "$mode.$c" "$k" sessions ;;
        ps) time_it "$mode.$c" "$k" ps ;;
        state) time_it "$mode.$c" "$k" state q1 ;;
        stack) time_it "$mode.$c" "$k" stack q1 ;;
        break) time_it "$mode.$c" "$k" break q1 main.main ;;
        continue) time_it "$mode.$c" "$k" continue q1 ;;
        *) time_it "$mode.$c" "$k" "$c" ;;
      esac
    done
    wait "$held" || true
  done
done
unset KATADBG_SERVER
printf '  %-12s %10s %10s\n' command server jvm
for c in "${cmds[@]}"; do
  printf '  %-12s %7s ms %7s ms\n' "$c" "$(printf '%s\n' ${times[server.$c]} | median_ms)" \
    "$(printf '%s\n' ${times[jvm.$c]} | median_ms)"
done
printf '  floors: java -version %s ms, /bin/true %s ms\n' \
  "$(printf '%s\n' ${times[floor.java]} | median_ms)" "$(printf '%s\n' ${times[floor.true]} | median_ms)"
echo "  load $(cut -d' ' -f1-3 /proc/loadavg) at end"
