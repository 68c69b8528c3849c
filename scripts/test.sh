#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test. The integration tests
# start their own throwaway MariaDB server (in a temporary directory, on a
# unix socket) and stop it by its PID; the Galera tests a three-node cluster
# on loopback.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
# install-deps.sh installed galera-4 and rsync: the Galera tests must run
# here, not skip (tests/integration/galera/galera_test.cpp).
export CHIMP_TEST_REQUIRE_GALERA=1
"$root/scripts/build.sh"
build=${CHIMP_BUILD_DIR:-$root/build}
ctest --test-dir "$build" --output-on-failure --timeout 3000 "$@"
