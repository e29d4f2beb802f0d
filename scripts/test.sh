#!/usr/bin/env bash
# Runs all of katadbg's tests: unit tests, then end-to-end tests against a private containerd,
# the real runc, Delve 1.24 (and bookworm's 1.20.2) and a DWARF build of the runc shim.
# Installs what they need first (scripts/setup-env.sh). Run as root on Debian bookworm.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-env.sh
exec mvn -B -ntp verify "$@"
