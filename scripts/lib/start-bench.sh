# Sourced by bench-start.sh and stress-start.sh after private-containerd.sh and pc_start:
# finding what a run through the private containerd left behind, and ending it by pid.
# Only processes that name this private containerd are touched: their command line holds $base
# (Delve's -r files under the session dir, the minimal wrapper's files) or $sock (every shim
# process: `-address $sock`), or their working directory is under $base (a shim's bundle).
# Nothing is killed by name.

now() { date +%s%N; }
median_ms() { sort -n | awk '{a[NR]=$1} END {if (!NR) {print "-"; exit}
  m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.0f", m/1e6}'; }

sb_ns=""        # the containerd namespace of this run, unique so that the runc root is ours
sb_runc_root="" # where the runc shim keeps runc's state: /run/containerd/runc/<namespace>

sb_init() { # sb_init PREFIX: picks a namespace no other run uses
  sb_ns="$1-$(basename "$base" | tr -cd 'A-Za-z0-9' | tail -c 7)"
  sb_runc_root="/run/containerd/runc/$sb_ns"
}

# Processes that belong to this private containerd, containerd itself excluded: their command
# line names $base or $sock, or their working directory is under $base. The ctr and katadbg
# clients this script runs name them too and are left out. Prints "pid comm state" lines.
sb_our_procs() {
  local p cmd st comm
  for p in $( { grep -lsaF -e "$base" -e "$sock" /proc/[0-9]*/cmdline | cut -d/ -f3
               find /proc/[0-9]* -maxdepth 1 -name cwd -lname "$base/*" 2>/dev/null | cut -d/ -f3
             } | sort -un); do
    [ "$p" = "$$" ] || [ "$p" = "${pc_pid:-}" ] && continue
    cmd=$(tr "\\0" " " 2>/dev/null < "/proc/$p/cmdline") || continue
    case "$cmd" in ctr\ *|*/ctr\ *|*dev.katadbg.cli.*|grep\ *|find\ *|'') continue ;; esac
    st=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) || continue
    comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
    echo "$p $comm $st"
  done
}

# What a finished run left: our dlv processes, our shim processes (T/t = ptrace or job-control
# stopped), any other process of ours but katadbg's reaper, runc containers in our runc root.
# Waits up to GRACE seconds (default 8) for all of it to go: the shim exits just after
# `ctr run --rm` returns, and the reaper ends the session's Delve within a second or two.
# Prints one line per leftover, nothing when clean.
sb_leftovers() { # sb_leftovers [GRACE]
  local grace=${1:-8} deadline out realshim
  realshim=$(readlink -f "$shim")
  deadline=$(( $(date +%s) + grace ))
  while :; do
    out=$(
      sb_our_procs | while read -r p comm st; do
        # katadbg's reaper ends the session's Delve and then lingers 2 s: a Delve still there
        # is reported itself.
        grep -qaF katadbg-reaper "/proc/$p/cmdline" 2>/dev/null && continue
        exe=$(readlink "/proc/$p/exe" 2>/dev/null || true)
        if [ "$comm" = dlv ]; then echo "dlv pid $p state $st"
        elif [ "$exe" = "$realshim" ]; then
          case "$st" in T|t) echo "shim pid $p STOPPED (state $st, tracer $(awk '/^TracerPid/{print $2}' /proc/$p/status 2>/dev/null))";;
                        *) echo "shim pid $p state $st";; esac
        else echo "process pid $p ($comm) state $st: $(tr "\\0" " " 2>/dev/null < "/proc/$p/cmdline" | cut -c1-60)"
        fi
      done
      if [ -d "$sb_runc_root" ]; then
        runc --root "$sb_runc_root" list -q 2>/dev/null | sed 's/^/runc container /'
      fi
    )
    [ -z "$out" ] && return 0
    [ "$(date +%s)" -ge "$deadline" ] && { echo "$out"; return 0; }
    sleep 0.2
  done
}

# Ends what sb_our_procs finds (SIGKILL by pid: a tracer's death lets a ptrace-stopped shim go)
# and what containerd and runc still hold of this namespace.
sb_reap() {
  local pids id
  pids=$(sb_our_procs | awk '$2=="dlv"{print $1}')
  [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
  pids=$(sb_our_procs | awk '{print $1}')
  [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
  for id in $(ctr -a "$sock" -n "$sb_ns" task ls -q 2>/dev/null); do
    ctr -a "$sock" -n "$sb_ns" task kill -s KILL "$id" >/dev/null 2>&1
    ctr -a "$sock" -n "$sb_ns" task rm -f "$id" >/dev/null 2>&1
  done
  for id in $(ctr -a "$sock" -n "$sb_ns" container ls -q 2>/dev/null); do
    ctr -a "$sock" -n "$sb_ns" container rm "$id" >/dev/null 2>&1
  done
  if [ -d "$sb_runc_root" ]; then
    for id in $(runc --root "$sb_runc_root" list -q 2>/dev/null); do
      runc --root "$sb_runc_root" delete --force "$id" >/dev/null 2>&1
    done
  fi
  return 0
}

# The whole private containerd, as pc_cleanup does, but by pid only (pc_cleanup also kills by
# command-line pattern). Removes our runc root.
sb_cleanup() {
  set +e
  [ -n "${base:-}" ] || return 0
  sb_reap
  [ -n "${pc_pid:-}" ] && kill "$pc_pid" 2>/dev/null && wait "$pc_pid" 2>/dev/null
  sb_reap
  [ -n "$sb_runc_root" ] && rmdir "$sb_runc_root" 2>/dev/null
  grep -o " $base/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null
  rm -rf "$base"
  base=""
}

# Writes the minimal Delve wrapper to $base/dlvmin.sh and links it as the runtime
# io.containerd.dlvmin.v2: for `start`, `dlv exec` of the real shim, detached (setsid, stdio
# not inherited), follow-exec on for the daemon, one continue, the shim's stdout relayed from a
# FIFO as the reply; every other call execs the real shim. What katadbg does, minus everything.
sb_write_dlvmin() {
  local real; real=$(readlink -f "$shim")
  cat > "$base/dlvmin.sh" <<SH
#!/bin/sh
# Minimal dlv exec + follow-exec + continue wrapper, written by $(basename "$0").
SHIM='$real'
DLV='$dlv'
for last in "\$@"; do :; done
[ "\${last:-}" = start ] || exec "\$SHIM" "\$@"
d=\$(mktemp -d '$base/dlvmin.XXXXXX')
mkfifo "\$d/stdout"
# The reader first: Delve opens the FIFO for writing when it launches the shim. It reads until
# the last writer (the start process) has closed it.
cat "\$d/stdout" >"\$d/reply" 2>/dev/null </dev/null &
cat_pid=\$!
setsid "\$DLV" exec "\$SHIM" --headless --accept-multiclient --api-version=2 \\
  --listen=127.0.0.1:0 -r stdout:"\$d/stdout" -r stderr:"\$d/stderr" -- "\$@" \\
  </dev/null >"\$d/dlv.log" 2>&1 &
port=
for _ in \$(seq 300); do
  port=\$(sed -n 's/^API server listening at: 127\.0\.0\.1:\([0-9]*\).*/\1/p' "\$d/dlv.log")
  [ -n "\$port" ] && break
  sleep 0.05
done
if [ -z "\$port" ]; then
  echo "dlvmin: Delve did not listen: \$(tail -1 "\$d/dlv.log")"; kill \$cat_pid; exit 1
fi
python3 -c '
import json, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
f = s.makefile("rw")
def call(i, m, p):
    f.write(json.dumps({"method": "RPCServer." + m, "params": [p], "id": i}) + "\n"); f.flush()
def reply(i):
    while True:
        r = json.loads(f.readline())
        if r["id"] == i:
            if r["error"]: sys.exit("dlvmin: %s" % r["error"])
            return r["result"]
call(1, "FollowExec", {"Enable": True, "Regex": sys.argv[2]}); reply(1)
call(2, "Command", {"name": "continue"})
call(3, "State", {"NonBlocking": True}); reply(3)
' "\$port" "^\$SHIM -" >>"\$d/client.log" 2>&1 || { echo "dlvmin: \$(tail -1 "\$d/client.log")"; exit 1; }
wait \$cat_pid
if [ -s "\$d/reply" ]; then cat "\$d/reply"; exit 0; fi
echo "dlvmin: no reply: \$(tail -1 "\$d/stderr" 2>/dev/null)"; exit 1
SH
  chmod 755 "$base/dlvmin.sh"
  ln -sf "$base/dlvmin.sh" "$base/opt/bin/containerd-shim-dlvmin-v2"
}
