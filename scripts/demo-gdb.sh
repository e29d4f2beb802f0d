#!/usr/bin/env bash
# The gdb demo: a shim that is not Go, debugged with the same commands as a Go one, with no
# runtime manager (as root, on Debian bookworm):
#  1. installs what it needs (scripts/setup-env.sh builds the Rust test shim,
#     src/test/rust/rustshim, whose start re-executes itself and exits, as Kata's runtime-rs
#     does) and builds katadbg;
#  2. configures katadbg: the Rust shim, kind "auto" (no Go build info in it: gdb), a breakpoint
#     on its task service's create;
#  3. `katadbg run --debug` plays containerd: the shim's start runs under katadbg's exec
#     watcher, its daemon is handed to gdbserver and a gdb of the session's own, and the Create
#     call stops at the Rust breakpoint;
#  4. shows the session, its state and stack, then a real gdb started by `katadbg connect`
#     (nothing typed but what the demo feeds it), continues, and the run ends.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Installing prerequisites (first run: a few minutes)"
scripts/setup-env.sh
say "Building katadbg"
mvn -B -q -ntp package -DskipTests 2>&1 | sed 's/\x1b\[0m//g'; [ "${PIPESTATUS[0]}" = 0 ]

base=$(mktemp -d /run/katadbg-demo-gdb-XXXXXX)
run_pid=""
cleanup() {
  if [ -n "$run_pid" ] && kill -0 "$run_pid" 2>/dev/null; then
    # TERM, not INT: a non-interactive shell starts background jobs with SIGINT ignored.
    kill -TERM "$run_pid"; wait "$run_pid" 2>/dev/null || true
  fi
  rm -rf "$base"
}
trap cleanup EXIT
katadbg="$root/target/katadbg/bin/katadbg"
shim="$root/.deps/rustshim/containerd-shim-rustproto-v2"
export KATADBG_CONFIG="$base/katadbg.toml" KATADBG_SERVER_DIR="$base/cli" RUSTSHIM_SOCKET_DIR="$base"
mkdir -p "$base/rootfs"
cat >"$KATADBG_CONFIG" <<TOML
[shim]
binary = "$shim"

[debugger]
kind = "auto"
wait_for_client = false
breakpoints = ["rustshim::service::TaskService::create"]

[state]
dir = "$base/state"
TOML
say "katadbg config $KATADBG_CONFIG"
sed 's/^/    /' "$KATADBG_CONFIG"

say "katadbg run --debug --id demo-gdb -- true (the Create call stops at the breakpoint)"
"$katadbg" run --debug --rootfs "$base/rootfs" --id demo-gdb -- true \
  >"$base/run.out" 2>"$base/run.err" &
run_pid=$!
for _ in $(seq 300); do
  "$katadbg" state demo-gdb 2>/dev/null | grep -q 'stopped at breakpoint' && break
  sleep 0.1
done

say "katadbg sessions; katadbg state; katadbg stack --depth 3"
"$katadbg" sessions
"$katadbg" state demo-gdb
"$katadbg" stack --depth 3 demo-gdb

say "katadbg connect demo-gdb — a real gdb, already connected, the breakpoint set again"
printf 'bt 2\nprint req.id\nprint req.bundle\nquit\n' | "$katadbg" connect demo-gdb 2>&1 \
  | grep -v '^Reading symbols\|^(No debugging symbols' || true

say "katadbg continue demo-gdb; the run ends"
"$katadbg" continue demo-gdb
wait "$run_pid" && run_pid=""
cat "$base/run.err"
