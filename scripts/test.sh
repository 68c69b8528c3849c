#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test. The integration tests
# start their own throwaway MariaDB server (in a temporary directory, on a
# unix socket) and stop it by its PID.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
build=${CHIMP_BUILD_DIR:-$root/build}
ctest --test-dir "$build" --output-on-failure --timeout 3000 "$@"
