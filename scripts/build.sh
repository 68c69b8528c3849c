#!/usr/bin/env bash
# Configures and builds chimp into ./build (or $CHIMP_BUILD_DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CHIMP_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=${CHIMP_BUILD_TYPE:-RelWithDebInfo} -DCHIMP_WERROR=ON "$@" >/dev/null
cmake --build "$build" -j "${CHIMP_JOBS:-2}"
