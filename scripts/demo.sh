#!/usr/bin/env bash
# The katadbg demo, end to end on this machine (Debian bookworm, as root):
#  1. installs what it needs (scripts/setup-env.sh) and builds katadbg;
#  2. starts a private containerd (its own socket and state, nothing of the host's touched);
#  3. configures katadbg: the real shim is a DWARF debug build of containerd-shim-runc-v2, and a
#     breakpoint is set on the runc task service's Create;
#  4. runs a container through the runtime io.containerd.katadbg.v2 with plain `ctr run`;
#  5. shows the session, then a real `dlv connect` client showing the shim's DAEMON stopped at
#     Create (its start process ran untraced and has exited; katadbg handed the daemon to a
#     Delve of its own), continues it, and the container's output arrives.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Installing prerequisites (first run: a few minutes)"
scripts/setup-env.sh
say "Building katadbg"
# Debian's Maven prints colour resets even in quiet batch mode: drop them, keep any error.
mvn -B -q -ntp package -DskipTests 2>&1 | sed 's/\x1b\[0m//g'; [ "${PIPESTATUS[0]}" = 0 ]
source "$root/scripts/lib/private-containerd.sh"
trap pc_cleanup EXIT

say "Starting a private containerd"
pc_start demo
pc_katadbg_config false "github.com/containerd/containerd/runtime/v2/runc/task.(*service).Create"
echo "socket $sock, katadbg config $KATADBG_CONFIG:"
sed 's/^/    /' "$KATADBG_CONFIG"

say "ctr run --runtime io.containerd.katadbg.v2 ... demo echo (blocks at the breakpoint)"
ctr -a "$sock" run --rm --runtime io.containerd.katadbg.v2 --rootfs "$base/rootfs" demo \
  /bin/echo "hello from a container whose shim was stopped in the debugger" >"$base/ctr.out" 2>&1 &
ctrpid=$!

# Until the daemon has stopped at the breakpoint (containerd's Create call reached it).
for _ in $(seq 300); do
  "$dist/bin/katadbg" state 2>/dev/null | grep -q 'stopped at breakpoint' && break
  sleep 0.1
done
say "katadbg sessions; katadbg state"
"$dist/bin/katadbg" sessions
"$dist/bin/katadbg" state
listen=$("$dist/bin/katadbg" sessions --json | sed -n 's/.*"listen": "\(.*\)".*/\1/p' | head -1)

say "dlv connect $listen — the DAEMON is stopped at Create, with the request containerd sent"
# clearall, then quit -c: the daemon runs on and dlv leaves without asking anything.
printf 'print r.ID\nprint r.Bundle\nstack 2\nclearall\nquit -c\n' | "$dlv" connect "$listen" 2>&1 \
  | grep -v '^Type' | head -40 || true

say "The container's output"
wait "$ctrpid" || true
cat "$base/ctr.out"
