#!/usr/bin/env bash
# Installs everything katadbg's demo and tests need, on a fresh Debian bookworm machine, as root.
#  - Debian packages: containerd, runc, busybox-static, gdb, tmux and containerd's Go source.
#    gcc and libc6-dev build the static pause binary of the CRI end-to-end test.
#  - Delve 1.24 and Go 1.24 from Debian trixie, unpacked into .deps/trixie (nothing system-wide).
#  - Delve 1.20.2 from bookworm, unpacked into .deps/bookworm (a real too-old Delve for tests).
#  - A DWARF, -gcflags=all=-N -l build of containerd-shim-runc-v2 in .deps/shim.
# Idempotent: a second run only checks. Prints one line per step to stderr.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
deps="$root/.deps"
mkdir -p "$deps"
say() { printf 'setup-env: %s\n' "$*" >&2; }

[ "$(id -u)" = 0 ] || { say "must run as root (apt-get, containerd and ptrace need it)"; exit 2; }

apt_packages=(containerd runc busybox-static gdb tmux golang-github-containerd-containerd-dev ca-certificates gcc libc6-dev)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

# trixie is added as a low-priority source so only explicitly requested packages come from it.
# The mirror is copied from the machine's own first (main archive) stanza, never hard-coded.
trixie_sources=/etc/apt/sources.list.d/katadbg-trixie.sources
added_source=0
if [ ! -f "$trixie_sources" ]; then
  src=/etc/apt/sources.list.d/debian.sources
  if [ -f "$src" ]; then
    awk 'BEGIN{RS=""; ORS="\n\n"} NR==1{print; exit}' "$src" \
      | sed -E 's/^Suites:.*/Suites: trixie/' > "$trixie_sources"
  else
    uri=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list)
    printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" > "$trixie_sources"
  fi
  printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' > /etc/apt/preferences.d/katadbg-trixie
  added_source=1
fi

need_debs=0
[ -x "$deps/trixie/usr/bin/dlv" ] && [ -x "$deps/trixie/usr/lib/go-1.24/bin/go" ] && [ -d "$deps/trixie/usr/share/go-1.24/src/runtime" ] || need_debs=1
[ -x "$deps/bookworm/usr/bin/dlv" ] || need_debs=1

if [ ${#missing[@]} -gt 0 ] || [ $need_debs = 1 ] || [ $added_source = 1 ]; then
  say "apt-get update"
  apt-get update -qq >/dev/null
fi
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

unpack() { # unpack DIR PKG/SUITE...
  local dir=$1; shift
  local dl; dl=$(mktemp -d "$deps/dl.XXXXXX")
  (cd "$dl" && apt-get download -qq -o APT::Sandbox::User=root "$@" >/dev/null)
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

goroot="$deps/trixie/usr/lib/go-1.24"
shim="$deps/shim/containerd-shim-runc-v2"
if [ ! -x "$shim" ]; then
  say "building a DWARF debug containerd-shim-runc-v2 (about a minute)"
  src=$(mktemp -d "$deps/shimsrc.XXXXXX")
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
  mkdir -p "$deps/shim" "$deps/gocache"
  (cd "$src" && GOROOT="$goroot" GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$deps/gocache" \
     GOFLAGS= CGO_ENABLED=1 "$goroot/bin/go" build -gcflags='all=-N -l' -o "$shim.tmp" . )
  mv "$shim.tmp" "$shim"
  rm -rf "$src"
fi

# Versions, for the log and as a last check that each part runs.
say "dlv $("$deps/trixie/usr/bin/dlv" version | awk '/Version/{print $2}'), old dlv $("$deps/bookworm/usr/bin/dlv" version | awk '/Version/{print $2}'), $("$goroot/bin/go" version | awk '{print $3}'), containerd $(containerd --version | awk '{print $3}'), debug shim $shim"
