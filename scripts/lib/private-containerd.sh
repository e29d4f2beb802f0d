# Sourced by demo.sh and bench.sh: a private containerd in a fresh 0700 directory under /run,
# with its own socket, state, opt/bin (where the wrapper is linked) and a busybox rootfs.
# Sets: base sock dist dlv shim; defines pc_start, pc_cleanup, pc_katadbg_config.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dist="$root/target/katadbg"
dlv="$root/.deps/trixie/usr/bin/dlv"
shim="$root/.deps/shim/containerd-shim-runc-v2"

pc_start() { # pc_start NAME
  base=$(mktemp -d "/run/katadbg-$1.XXXXXX")
  chmod 700 "$base"
  sock="$base/containerd.sock"
  mkdir -p "$base/opt/bin" "$base/rootfs/bin"
  cp /bin/busybox "$base/rootfs/bin/"
  for c in sh echo sleep true; do ln -s busybox "$base/rootfs/bin/$c"; done
  ln -s "$dist/bin/containerd-shim-katadbg-v2" "$base/opt/bin/containerd-shim-katadbg-v2"
  ln -s "$shim" "$base/opt/bin/containerd-shim-runcdbg-v2"
  cat > "$base/containerd.toml" <<TOML
version = 2
root = "$base/root"
state = "$base/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$base/opt"
TOML
  # The wrapper's resident katadbg (README, Commands) keeps its socket in $base: removing $base
  # ends it.
  KATADBG_CONFIG="$base/katadbg.toml" KATADBG_SERVER_DIR="$base/cli" \
    containerd --config "$base/containerd.toml" \
    >"$base/containerd.log" 2>&1 &
  pc_pid=$!
  # The client: bookworm's ctr 1.6.20 now and then loses a quick container's output
  # (containerd#8643; README, Tests), so trixie's ctr 1.7.24 goes first on PATH when unpacked.
  if [ -x "$root/.deps/containerd-1.7/usr/bin/ctr" ]; then
    mkdir -p "$base/client"
    ln -s "$root/.deps/containerd-1.7/usr/bin/ctr" "$base/client/ctr"
    export PATH="$base/client:$PATH"
  fi
  for _ in $(seq 100); do ctr -a "$sock" version >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "private containerd did not start; its log:" >&2; tail "$base/containerd.log" >&2
  return 1
}

pc_katadbg_config() { # pc_katadbg_config WAIT_FOR_CLIENT [BREAKPOINT]
  {
    printf '[shim]\nbinary = "%s"\n\n[debugger]\npath = "%s"\nwait_for_client = %s\n' \
      "$shim" "$dlv" "$1"
    [ -n "${2:-}" ] && printf 'breakpoints = ["%s"]\n' "$2"
    printf '\n[state]\ndir = "%s/katadbg"\n' "$base"
  } > "$base/katadbg.toml"
  export KATADBG_CONFIG="$base/katadbg.toml"
  # The query commands' resident server, private to this run: removing $base ends it.
  export KATADBG_SERVER_DIR="$base/cli"
}

pc_cleanup() {
  set +e
  [ -n "${base:-}" ] || return 0
  for id in $(ctr -a "$sock" task ls -q 2>/dev/null); do
    ctr -a "$sock" task kill -s KILL "$id" >/dev/null 2>&1
    ctr -a "$sock" task rm -f "$id" >/dev/null 2>&1
  done
  for id in $(ctr -a "$sock" container ls -q 2>/dev/null); do
    ctr -a "$sock" container rm "$id" >/dev/null 2>&1
  done
  [ -n "${pc_pid:-}" ] && kill "$pc_pid" 2>/dev/null && wait "$pc_pid" 2>/dev/null
  pkill -KILL -f -- "-address $sock" 2>/dev/null
  pkill -KILL -f -- "dlv exec $shim" 2>/dev/null
  grep -o " $base/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null
  rm -rf "$base"
}
