#!/usr/bin/env bash
# Stress test of starts through katadbg (prints figures, exits 1 when a run was not ok; run as
# root after scripts/setup-env.sh):
#   N (default 200) consecutive `ctr run --rm ... /bin/echo hi` through katadbg's wrapper per
#   wait mode, at a load average of at least 2 (nproc CPU hogs, bounded by `timeout`):
#   - false: wait_for_client = false, no breakpoints;
#   - true:  wait_for_client = true, and a scripted client that continues the instant the shim
#            stops: it polls the session's record until the session is "waiting", sends Delve's
#            own JSON-RPC continue, then continues (and names, with TRACE=1) any further stop
#            until ctr returns; without breakpoints there should be none.
# Each run has a deadline (DEADLINE, default 60 s) and ends ok, failed (ctr failed, wrong
# output, or something left behind) or stuck (deadline). After each run nothing may be left:
# no Delve, no shim process (one in state T/t is a shim stopped under ptrace), no runc
# container in the namespace's runc root. What was left is reported and ended by pid.
#
# stress-start.sh [--mode false|true|both] [--shim PATH]
#   --shim: the real shim katadbg runs (default .deps/shim/containerd-shim-runc-v2; e.g. the
#   PIE build .deps/shim-pie/containerd-shim-runc-v2 when there is one). Env: N, DEADLINE,
#   MIN_LOAD (default 2), LOAD_WAIT (seconds to wait for MIN_LOAD, default 90), TRACE=1 (a
#   line per run, with the client's timeline: ms since ctr started, what it saw and did).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
N=${N:-200}
DEADLINE=${DEADLINE:-60}
MIN_LOAD=${MIN_LOAD:-2}
LOAD_WAIT=${LOAD_WAIT:-90}
mode=both
shim_opt=""
while [ $# -gt 0 ]; do
  case "$1" in
    --mode) mode=${2:?--mode needs false, true or both}; shift 2 ;;
    --mode=*) mode=${1#--mode=}; shift ;;
    --shim) shim_opt=${2:?--shim needs a path}; shift 2 ;;
    --shim=*) shim_opt=${1#--shim=}; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "stress-start.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$mode" in false) modes=(false) ;; true) modes=(true) ;; both) modes=(false true) ;;
  *) echo "stress-start.sh: --mode is false, true or both" >&2; exit 2 ;; esac
[ -x target/katadbg/bin/katadbg ] || mvn -B -q -ntp package -DskipTests
source "$root/scripts/lib/private-containerd.sh"
source "$root/scripts/lib/start-bench.sh"
if [ -n "$shim_opt" ]; then
  [ -x "$shim_opt" ] || { echo "stress-start.sh: no shim at $shim_opt" >&2; exit 2; }
  shim=$(readlink -f "$shim_opt")
fi
katadbg="$dist/bin/katadbg"

hogs=()
stop_hogs() {
  [ ${#hogs[@]} -gt 0 ] || return 0
  kill "${hogs[@]}" 2>/dev/null; wait "${hogs[@]}" 2>/dev/null; hogs=()
}
cleanup() { set +e; stop_hogs; sb_cleanup; }
trap cleanup EXIT
trap 'exit 130' INT TERM

pc_start stress
sb_init st
load1() { cut -d' ' -f1 /proc/loadavg; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# The hogs live at most as long as this whole script can (every run at its deadline plus the
# leftover grace), and are killed by pid at exit.
hog_secs=$(( ${#modes[@]} * N * (DEADLINE + 15) + LOAD_WAIT + 60 ))
for _ in $(seq "$(nproc)"); do
  timeout "$hog_secs" sh -c 'while :; do :; done' &
  hogs+=($!)
done
for _ in $(seq "$LOAD_WAIT"); do
  awk -v l="$(load1)" -v m="$MIN_LOAD" 'BEGIN { exit !(l >= m) }' && break
  sleep 1
done
echo "stress-start: N=$N per mode, modes: ${modes[*]}, deadline ${DEADLINE}s, $(nproc) cores, $(nproc) CPU hogs"
echo "  shim $(readlink -f "$shim"), dlv $("$dlv" version | sed -n 's/^Version: //p'), namespace $sb_ns, load $(loadavg)"

# The scripted client of one wait_for_client run, as a script or an IDE would be: it reads the
# session's record (no JVM per poll) and, the instant the session waits, sends Delve's own
# JSON-RPC continue; then it continues any further stop until ctr (pid $1) has returned.
# Prints what it did, one word per continue; its timeline goes to client-ID.trace.
client() { # client CTR_PID NS ID END_EPOCH
  python3 - "$1" "$base/katadbg/sessions/$2/$3/session.json" "$4" "$base/client-$3.trace" <<'PY'
import json, os, socket, sys, time
ctr, record, end, trace = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), sys.argv[4]
t0 = time.time()
log = open(trace, "a")
def at(what): log.write("%dms %s\n" % ((time.time() - t0) * 1000, what))
def ctr_alive():
    try:
        os.kill(ctr, 0)
        return True
    except OSError:
        return False
did, sock, buf, last = [], None, b"", None
while ctr_alive() and time.time() < end:
    if sock is None:
        try:
            s = json.load(open(record))
        except (OSError, ValueError):
            time.sleep(0.005); continue
        if s.get("state") != last:
            last = s.get("state"); at("record: " + last)
        if last == "waiting":
            host, port = s["listen"].rsplit(":", 1)
            sock = socket.create_connection((host, int(port)), timeout=60)
            sock.sendall(b'{"method":"RPCServer.Command","params":[{"name":"continue"}],"id":1}\n')
            at("continued"); did.append("waiting")
        elif last in ("running", "failed", "passthrough", "stopped"):
            did.append("never-waiting(%s)" % last); break
        else:
            time.sleep(0.005)
        continue
    # Each reply to a continue is a stop (or the exit): continue again while ctr runs.
    sock.settimeout(0.2)
    try:
        chunk = sock.recv(65536)
    except socket.timeout:
        continue
    if not chunk:
        break
    buf += chunk
    while b"\n" in buf:
        line, buf = buf.split(b"\n", 1)
        st = (json.loads(line).get("result") or {}).get("State") or {}
        if st.get("exited"):
            at("exited"); continue
        fn = ((st.get("currentThread") or {}).get("function") or {}).get("name", "?")
        at("stopped " + fn)
        if ctr_alive():
            sock.sendall(b'{"method":"RPCServer.Command","params":[{"name":"continue"}],"id":2}\n')
            did.append(fn)
print(" ".join(did) or "none")
PY
}

status=0
for m in "${modes[@]}"; do
  pc_katadbg_config "$m"
  ok=0; failed=0; stuck=0; fails=(); lmin=""; lmax=""; oktimes=""
  declare -A clients=()
  t_mode=$(date +%s)
  for i in $(seq "$N"); do
    id="$m-$i"
    l=$(load1)
    lmin=$(awk -v a="${lmin:-$l}" -v b="$l" 'BEGIN { print (b < a) ? b : a }')
    lmax=$(awk -v a="${lmax:-$l}" -v b="$l" 'BEGIN { print (b > a) ? b : a }')
    out="$base/run-$id.out"
    t0=$(now)
    timeout -k 5 "$DEADLINE" ctr -a "$sock" -n "$sb_ns" run --rm --runtime io.containerd.katadbg.v2 \
      --rootfs "$base/rootfs" "$id" /bin/echo hi >"$out" 2>&1 &
    ctr_pid=$!
    did=""
    if [ "$m" = true ]; then
      did=$(client "$ctr_pid" "$sb_ns" "$id" $(( $(date +%s) + DEADLINE + 5 )))
    fi
    rc=0; wait "$ctr_pid" || rc=$?
    ms=$(( ($(now) - t0) / 1000000 ))
    slog="$base/katadbg/sessions/$sb_ns/$id/katadbg.log"
    logtail=$(tail -n 6 "$slog" 2>/dev/null | sed 's/^/        | /' || true)
    [ -n "$logtail" ] || logtail="        | (no katadbg.log at $slog)"
    left=$(sb_leftovers)
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
      stuck=$((stuck + 1)); verdict="STUCK (deadline ${DEADLINE}s)"
    elif [ "$rc" -ne 0 ]; then
      failed=$((failed + 1)); verdict="FAILED (ctr exit $rc: $(tail -1 "$out" | cut -c1-160))"
    elif [ "$(cat "$out")" != hi ]; then
      failed=$((failed + 1))
      verdict="FAILED (ctr exit 0, but it printed '$(head -c 160 "$out" | tr '\n' ' ')' instead of 'hi')"
    elif [ -n "$left" ]; then
      failed=$((failed + 1)); verdict="FAILED (left behind)"
    else
      ok=$((ok + 1)); verdict=""; oktimes+="$(( ms * 1000000 )) "
    fi
    [ -n "$did" ] && clients[$did]=$(( ${clients[$did]:-0} + 1 ))
    if [ -n "$verdict" ]; then
      entry="  $id: $verdict after ${ms} ms, load $l${did:+, client: $did}"
      [ -n "$left" ] && entry+=$'\n'"      left: $(echo "$left" | paste -sd';')"
      entry+=$'\n'"      katadbg.log tail:"$'\n'"$logtail"
      [ -s "$base/client-$id.trace" ] && entry+=$'\n'"      client: $(paste -sd, "$base/client-$id.trace")"
      fails+=("$entry")
      echo "  [$m] run $i/$N: ${verdict%% (*} (${ms} ms)"
    fi
    if [ "${TRACE:-0}" = 1 ]; then
      echo "  [$m] run $i: rc $rc, ${ms} ms${did:+, client: $(paste -sd, "$base/client-$id.trace" 2>/dev/null)}"
    fi
    [ -n "$left" ] && sb_reap
  done
  [ "$ok" -eq "$N" ] || status=1
  echo
  echo "mode wait_for_client=$m: $ok/$N ok, $failed failed, $stuck stuck" \
    "($(( $(date +%s) - t_mode )) s; load $lmin..$lmax, now $(loadavg))"
  echo "  ctr run median $(printf '%s\n' $oktimes | grep . | median_ms || true) ms over the ok runs"
  for k in "${!clients[@]}"; do
    echo "  client continued at: ${k% } (${clients[$k]} runs)"
  done
  if [ ${#fails[@]} -gt 0 ]; then
    echo "  failures:"; printf '%s\n' "${fails[@]}"
  fi
done
exit "$status"
