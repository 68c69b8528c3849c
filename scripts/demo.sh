#!/usr/bin/env bash
# The demo: installs dependencies, builds, starts a throwaway MariaDB in a
# temporary directory, upgrades the sample application from nothing to 2.0.0
# (plan first, then migrate, status and log), and stops the server.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
build=${CHIMP_BUILD_DIR:-$root/build}
chimp="$build/tools/chimp"

dir=$(mktemp -d -t chimp-demo.XXXXXX)
cleanup() { "$root/scripts/throwaway-mariadb.sh" stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
socket=$("$root/scripts/throwaway-mariadb.sh" start "$dir")

run() { echo; echo "\$ chimp $*"; "$chimp" --socket "$socket" --user root --database library \
          --plugins "$build/migrations" "$@"; }
run plan -v
run migrate
run status
run log
run migrate --phase cleanup
run status
