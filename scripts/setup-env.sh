#!/usr/bin/env bash
# Installs everything katadbg's demo and tests need, on a fresh Debian bookworm machine, as root.
#  - Debian packages: containerd, runc, busybox-static, gdb, tmux and containerd's Go source.
#    gcc and libc6-dev build the static pause binary of the CRI end-to-end test.
#  - Delve 1.24 and Go 1.24 from Debian trixie, unpacked into .deps/trixie (nothing system-wide).
#  - Delve 1.20.2 from bookworm, unpacked into .deps/bookworm (a real too-old Delve for tests).
#  - Other containerds and the newest Delve, for version tests, each unpacked into its own folder:
#    containerd 1.7 from trixie (.deps/containerd-1.7), containerd 2.1 and Delve 1.27 from sid
#    (.deps/containerd-2.1, .deps/dlv-1.27).
#  - A DWARF, -gcflags=all=-N -l build of containerd-shim-runc-v2 in .deps/shim, and the same
#    built -buildmode=pie (as Kata builds its shim) in .deps/shim-pie.
#  - containerd 2.1's own containerd-shim-runc-v2 (the v2 module, task API v3, JSON start reply),
#    the same debug build, in .deps/shim-2.1: Go 1.27 from sid unpacked into .deps/go-1.27, and
#    sid's containerd 2.1 Go source with the Go sources it imports unpacked into .deps/gopath-2.1.
# trixie and sid are added as apt sources pinned low (100 and 50): nothing comes from them unless
# asked for by name. Waits for another apt/dpkg run to release its locks.
# Idempotent: a second run only checks. Prints one line per step to stderr.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
deps="$root/.deps"
mkdir -p "$deps"
say() { printf 'setup-env: %s\n' "$*" >&2; }

[ "$(id -u)" = 0 ] || { say "must run as root (apt-get, containerd and ptrace need it)"; exit 2; }

apt_packages=(containerd runc busybox-static gdb tmux golang-github-containerd-containerd-dev ca-certificates gcc libc6-dev
  # The Rust test shim (src/test/rust/rustshim) from Debian's toolchain and packaged crates, and
  # gdbserver to debug it (issue #14).
  rustc cargo librust-ttrpc-dev librust-protobuf-dev librust-protobuf-codegen-pure-dev
  librust-nix-dev gdbserver)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

# trixie and sid are added as low-priority sources so only explicitly requested packages come
# from them. The mirror is copied from the machine's own first (main archive) stanza, never
# hard-coded.
added_source=0
add_source() { # add_source SUITE PRIORITY
  local suite=$1 priority=$2
  local file=/etc/apt/sources.list.d/katadbg-$suite.sources
  [ -f "$file" ] && return 0
  say "adding Debian $suite as an apt source pinned at priority $priority"
  local src=/etc/apt/sources.list.d/debian.sources
  if [ -f "$src" ]; then
    awk 'BEGIN{RS=""; ORS="\n\n"} NR==1{print; exit}' "$src" \
      | sed -E "s/^Suites:.*/Suites: $suite/" > "$file"
  else
    local uri; uri=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list)
    printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" "$suite" > "$file"
  fi
  printf 'Package: *\nPin: release n=%s\nPin-Priority: %s\n' "$suite" "$priority" > "/etc/apt/preferences.d/katadbg-$suite"
  added_source=1
}
add_source trixie 100
add_source sid 50

# Another apt or dpkg (unattended-upgrades, a second setup run) may hold a lock. apt-get's
# DPkg::Lock::Timeout waits for the dpkg frontend lock only; `apt-get update` fails at once on
# the lists lock and `apt-get install` on the archives lock. So wait for all four first (one
# line), and retry a command that lost a race for a lock.
apt_lock_timeout=300
apt_locks='^(/var/lib/dpkg/lock|/var/lib/dpkg/lock-frontend|/var/lib/apt/lists/lock|/var/cache/apt/archives/lock)$'
apt_lock_holders() { # "PID (COMMAND) PATH" per held lock
  lslocks -r -n -o PID,COMMAND,PATH 2>/dev/null | awk -v re="$apt_locks" '$3 ~ re {printf "%s%s (%s) %s", sep, $1, $2, $3; sep=", "}'
}
apt_deadline=
apt_may_wait() { # true while within the wait budget, which starts at the first call
  [ -n "$apt_deadline" ] || apt_deadline=$(( $(date +%s) + apt_lock_timeout ))
  [ "$(date +%s)" -lt "$apt_deadline" ]
}
wait_for_apt_locks() {
  local holders; holders=$(apt_lock_holders)
  [ -n "$holders" ] || return 0
  say "waiting up to ${apt_lock_timeout}s for the apt/dpkg lock held by $holders"
  while [ -n "$(apt_lock_holders)" ]; do
    apt_may_wait || { say "the apt/dpkg lock is still held by $(apt_lock_holders); giving up"; exit 1; }
    sleep 2
  done
}
apt_get() { # apt_get ARGS...: apt-get after the locks are free; its stderr is passed on
  local err rc; err=$(mktemp)
  while :; do
    wait_for_apt_locks
    rc=0
    apt-get -o DPkg::Lock::Timeout=$apt_lock_timeout "$@" 2>"$err" || rc=$?
    # Another apt took a lock between the check and apt-get's own try: wait again.
    if [ $rc != 0 ] && grep -q 'Could not get lock' "$err" && apt_may_wait; then
      sleep 2
      continue
    fi
    break
  done
  cat "$err" >&2
  rm -f "$err"
  return $rc
}

need_debs=0
[ -x "$deps/trixie/usr/bin/dlv" ] && [ -x "$deps/trixie/usr/lib/go-1.24/bin/go" ] && [ -d "$deps/trixie/usr/share/go-1.24/src/runtime" ] || need_debs=1
[ -x "$deps/bookworm/usr/bin/dlv" ] || need_debs=1
[ -x "$deps/containerd-1.7/usr/bin/containerd" ] && [ -x "$deps/containerd-2.1/usr/bin/containerd" ] || need_debs=1
[ -x "$deps/dlv-1.27/usr/bin/dlv" ] || need_debs=1
[ -x "$deps/shim-2.1/containerd-shim-runc-v2" ] || need_debs=1

if [ ${#missing[@]} -gt 0 ] || [ $need_debs = 1 ] || [ $added_source = 1 ]; then
  say "apt-get update"
  apt_get update -qq >/dev/null
fi
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

unpack() { # unpack DIR PKG/SUITE...
  local dir=$1; shift
  local dl; dl=$(mktemp -d "$deps/dl.XXXXXX")
  (cd "$dl" && apt_get download -qq -o APT::Sandbox::User=root "$@" >/dev/null)
  mkdir -p "$dir"
  for deb in "$dl"/*.deb; do dpkg -x "$deb" "$dir"; done
  rm -rf "$dl"
}
if [ ! -x "$deps/trixie/usr/bin/dlv" ] || [ ! -x "$deps/trixie/usr/lib/go-1.24/bin/go" ] || [ ! -d "$deps/trixie/usr/share/go-1.24/src/runtime" ]; then
  say "unpacking delve, golang-1.24-go, golang-1.24-src from trixie into .deps/trixie"
  unpack "$deps/trixie" delve/trixie golang-1.24-go/trixie golang-1.24-src/trixie
fi
if [ ! -x "$deps/bookworm/usr/bin/dlv" ]; then
  say "unpacking delve from bookworm into .deps/bookworm (the too-old Delve for tests)"
  unpack "$deps/bookworm" delve/bookworm
fi

version_of() { # the version a containerd or dlv binary reports, e.g. 2.1.9~ds1 or 1.27.1
  case "${1##*/}" in
    containerd) "$1" --version | awk '{print $3}' ;;
    dlv) "$1" version | awk '/^Version:/{print $2}' ;;
  esac
}
# unpack_version DIR BINARY MAJOR.MINOR PKG/SUITE: unpacks PKG into DIR if BINARY (a path inside
# it) runs here and reports MAJOR.MINOR.x. sid moves on: a newer version fails loudly rather
# than hide under a folder named for the old one.
unpack_version() {
  local dir=$1 bin=$2 want=$3 pkg=$4 got
  rm -rf "$dir.tmp"
  unpack "$dir.tmp" "$pkg"
  got=$(version_of "$dir.tmp/$bin") || got=
  case "$got" in
    "$want".*) mv "$dir.tmp" "$dir" ;;
    *) rm -rf "$dir.tmp"
       say "$pkg reports version '${got:-none}', not $want.x: update setup-env.sh and TestEnv for it"
       exit 1 ;;
  esac
}
if [ ! -x "$deps/containerd-1.7/usr/bin/containerd" ]; then
  say "unpacking containerd from trixie into .deps/containerd-1.7"
  unpack_version "$deps/containerd-1.7" usr/bin/containerd 1.7 containerd/trixie
fi
if [ ! -x "$deps/containerd-2.1/usr/bin/containerd" ]; then
  say "unpacking containerd from sid into .deps/containerd-2.1"
  unpack_version "$deps/containerd-2.1" usr/bin/containerd 2.1 containerd/sid
fi
if [ ! -x "$deps/dlv-1.27/usr/bin/dlv" ]; then
  say "unpacking delve from sid into .deps/dlv-1.27"
  unpack_version "$deps/dlv-1.27" usr/bin/dlv 1.27 delve/sid
fi

goroot="$deps/trixie/usr/lib/go-1.24"
# build_shim OUT GO-BUILD-FLAGS...: containerd-shim-runc-v2 from bookworm's containerd source,
# with DWARF and without optimizations (-gcflags=all=-N -l), Go 1.24 in GOPATH mode (offline).
build_shim() {
  local out=$1; shift
  local src; src=$(mktemp -d "$deps/shimsrc.XXXXXX")
  cat > "$src/main.go" <<'GO'
package main

import (
	"context"

	"github.com/containerd/containerd/runtime/v2/runc/manager"
	_ "github.com/containerd/containerd/runtime/v2/runc/task/plugin"
	"github.com/containerd/containerd/runtime/v2/shim"
)

func main() {
	shim.RunManager(context.Background(), manager.NewShimManager("io.containerd.runc.v2"))
}
GO
  mkdir -p "$(dirname "$out")" "$deps/gocache"
  (cd "$src" && GOROOT="$goroot" GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$deps/gocache" \
     GOFLAGS= CGO_ENABLED=1 "$goroot/bin/go" build -gcflags='all=-N -l' "$@" -o "$out.tmp" . )
  rm -rf "$src"
  readelf -S "$out.tmp" | grep -q '\.debug_info' || { say "$out.tmp has no DWARF"; exit 1; }
}
shim="$deps/shim/containerd-shim-runc-v2"
if [ ! -x "$shim" ]; then
  say "building a DWARF debug containerd-shim-runc-v2 (about a minute)"
  build_shim "$shim"
  mv "$shim.tmp" "$shim"
fi
pie_shim="$deps/shim-pie/containerd-shim-runc-v2"
if [ ! -x "$pie_shim" ]; then
  say "building the same debug containerd-shim-runc-v2 with -buildmode=pie into .deps/shim-pie (about a minute)"
  build_shim "$pie_shim" -buildmode=pie
  readelf -h "$pie_shim.tmp" | grep -q 'Type:.*DYN' || { say "$pie_shim.tmp is not a position-independent executable"; exit 1; }
  mv "$pie_shim.tmp" "$pie_shim"
fi

# FAKE: a Go program with DWARF whose `start` prints garbage and starts no daemon
# (src/test/go/garbageshim), for the fault test no real shim fails on cue. Rebuilt when its
# source is newer.
garbage_shim="$deps/fake-garbage-shim/containerd-shim-garbage-v2"
garbage_src="$root/src/test/go/garbageshim"
if [ ! -x "$garbage_shim" ] || [ "$garbage_src/main.go" -nt "$garbage_shim" ]; then
  say "building the FAKE garbage-printing test shim into .deps/fake-garbage-shim"
  mkdir -p "$(dirname "$garbage_shim")"
  (cd "$garbage_src" && GOROOT="$goroot" GO111MODULE=off GOPATH=/nonexistent GOCACHE="$deps/gocache" \
     GOFLAGS= CGO_ENABLED=0 "$goroot/bin/go" build -gcflags='all=-N -l' -o "$garbage_shim.tmp" . )
  mv "$garbage_shim.tmp" "$garbage_shim"
fi

# The Rust test shim (issue #14): a shim v2-style program built offline from Debian's rustc,
# cargo and packaged crates (its .cargo/config.toml names Debian's registry and /usr/bin/rustc,
# ahead of any rustup toolchain). Rebuilt when a source is newer than the binary.
rust_src="$root/src/test/rust/rustshim"
rust_shim="$deps/rustshim/containerd-shim-rustproto-v2"
if [ ! -x "$rust_shim" ] || [ -n "$(find "$rust_src" -newer "$rust_shim" -type f 2>/dev/null | head -1)" ]; then
  say "building the Rust test shim into .deps/rustshim (about 3 minutes the first time)"
  (cd "$rust_src" && CARGO_TARGET_DIR="$deps/rustshim-target" /usr/bin/cargo build -q)
  mkdir -p "$deps/rustshim"
  cp "$deps/rustshim-target/debug/containerd-shim-rustproto-v2" "$deps/rustshim-target/debug/shimctl" \
    "$deps/rustshim/"
  readelf -S "$rust_shim" | grep -q '\.debug_info' || { say "$rust_shim has no DWARF"; exit 1; }
fi

# containerd 2.1's own runc shim, built from sid's containerd 2.1 Go source the same way (debug,
# GOPATH mode, offline) with Go 1.27 from sid. bookworm's containerd 1.6 source stays the system's
# /usr/share/gocode; sid's -dev packages are only unpacked, into .deps/gopath-2.1. These are the
# packages the shim's imports come from (`go list -deps` of the main package below against the
# whole golang-*-dev Depends closure of golang-github-containerd-containerd-dev in sid: 33 of its
# 417 packages, 16 MB instead of 240 MB). A "cannot find package" from the build means sid has
# moved an import to another package: add that package here.
shim21_go_packages=(
  golang-dbus-dev golang-github-cilium-ebpf-dev golang-github-containerd-cgroups-dev
  golang-github-containerd-console-dev golang-github-containerd-containerd-api-dev
  golang-github-containerd-containerd-dev golang-github-containerd-continuity-dev
  golang-github-containerd-errdefs-dev golang-github-containerd-fifo-dev
  golang-github-containerd-go-runc-dev golang-github-containerd-log-dev
  golang-github-containerd-plugin-dev golang-github-containerd-ttrpc-dev
  golang-github-containerd-typeurl-dev golang-github-coreos-go-systemd-dev
  golang-github-docker-go-units-dev golang-github-gogo-protobuf-dev
  golang-github-golang-protobuf-1-5-dev golang-github-google-go-cmp-dev
  golang-github-mdlayher-socket-dev golang-github-mdlayher-vsock-dev golang-github-moby-sys-dev
  golang-github-opencontainers-go-digest-dev golang-github-opencontainers-image-spec-dev
  golang-github-opencontainers-specs-dev golang-github-sirupsen-logrus-dev
  golang-golang-x-net-dev golang-golang-x-sync-dev golang-golang-x-sys-dev
  golang-golang-x-text-dev golang-google-genproto-dev golang-google-grpc-dev
  golang-google-protobuf-dev
)
go27="$deps/go-1.27/usr/lib/go-1.27"
gopath21="$deps/gopath-2.1/usr/share/gocode"
shim21="$deps/shim-2.1/containerd-shim-runc-v2"
shim21_version_go="$gopath21/src/github.com/containerd/containerd/v2/version/version.go"
if [ ! -x "$shim21" ]; then
  say "building containerd 2.1's debug containerd-shim-runc-v2 into .deps/shim-2.1 from sid's Go 1.27 and containerd 2.1 source (65 MB download, a few minutes)"
  if [ ! -x "$go27/bin/go" ] || [ ! -d "$deps/go-1.27/usr/share/go-1.27/src/runtime" ]; then
    rm -rf "$deps/go-1.27" "$deps/go-1.27.tmp"
    unpack "$deps/go-1.27.tmp" golang-1.27-go/sid golang-1.27-src/sid
    "$deps/go-1.27.tmp/usr/lib/go-1.27/bin/go" version >/dev/null
    mv "$deps/go-1.27.tmp" "$deps/go-1.27"
  fi
  if [ ! -f "$shim21_version_go" ]; then
    rm -rf "$deps/gopath-2.1" "$deps/gopath-2.1.tmp"
    unpack "$deps/gopath-2.1.tmp" "${shim21_go_packages[@]/%//sid}"
    grep -q 'Version = "2\.1\.' "$deps/gopath-2.1.tmp/usr/share/gocode/src/github.com/containerd/containerd/v2/version/version.go" || {
      rm -rf "$deps/gopath-2.1.tmp"
      say "sid's golang-github-containerd-containerd-dev is not containerd 2.1.x: update setup-env.sh and TestEnv for it"
      exit 1; }
    mv "$deps/gopath-2.1.tmp" "$deps/gopath-2.1"
  fi
  mkdir -p "$gopath21/src/katadbg-shim-2.1"
  cat > "$gopath21/src/katadbg-shim-2.1/main.go" <<'GO'
package main

import (
	"context"

	"github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2/manager"
	_ "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2/task/plugin"
	"github.com/containerd/containerd/v2/pkg/shim"
)

func main() {
	shim.Run(context.Background(), manager.NewShimManager("io.containerd.runc.v2"))
}
GO
  mkdir -p "$deps/shim-2.1" "$deps/gocache"
  (cd "$gopath21/src/katadbg-shim-2.1" && GOROOT="$go27" GO111MODULE=off GOPATH="$gopath21" GOCACHE="$deps/gocache" \
     GOFLAGS= GOPROXY=off GOTOOLCHAIN=local CGO_ENABLED=1 "$go27/bin/go" build -gcflags='all=-N -l' -o "$shim21.tmp" . )
  readelf -S "$shim21.tmp" | grep -q '\.debug_info' || { say "$shim21.tmp has no DWARF"; exit 1; }
  mv "$shim21.tmp" "$shim21"
fi

# Versions, for the log and as a last check that each part runs.
say "dlv $("$deps/trixie/usr/bin/dlv" version | awk '/Version/{print $2}'), old dlv $("$deps/bookworm/usr/bin/dlv" version | awk '/Version/{print $2}'), $("$goroot/bin/go" version | awk '{print $3}'), containerd $(containerd --version | awk '{print $3}'), debug shim $shim"
say "for version tests: containerd $(version_of "$deps/containerd-1.7/usr/bin/containerd") and $(version_of "$deps/containerd-2.1/usr/bin/containerd"), dlv $(version_of "$deps/dlv-1.27/usr/bin/dlv"), PIE debug shim $pie_shim, containerd 2.1's debug shim $shim21 ($("$go27/bin/go" version "$shim21" | awk '{print $2}'))"
