#!/usr/bin/env bash
# Runs all of katadbg's tests: unit tests, then end-to-end tests against a private containerd,
# the real runc, Delve 1.24 (and bookworm's 1.20.2) and a DWARF build of the runc shim.
# Installs what they need first (scripts/setup-env.sh). Run as root on Debian bookworm.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-env.sh
# Every end-to-end test removes its directory under /run/katadbg-test; one made during this run
# and still there is a cleanup bug (a writer that outlived the test's own cleanup, say).
since=$(mktemp)
trap 'rm -f "$since"' EXIT
mvn -B -ntp verify "$@"
left=$(find /run/katadbg-test -mindepth 1 -maxdepth 1 -newer "$since" 2>/dev/null || true)
if [ -n "$left" ]; then
  echo "test.sh: the tests left these directories behind:" $left >&2
  exit 1
fi
