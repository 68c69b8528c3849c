#!/bin/sh
# The CloudStack benchmark: starts a throwaway MariaDB, runs
# chimp_bench_cloudstack (chimp migrate empty -> 4.22.0.0 beside the same
# statements sent by a minimal program), prints the table, stops the server.
#
#   bench/run.sh [BUILD_DIR] [RUNS]      # defaults: build, 5
#
# BUILD_DIR must hold a build with the CloudStack bundle (the corpus beside
# the checkout) and bench/chimp_bench_cloudstack (ninja chimp_bench_cloudstack).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build}
runs=${2:-5}
bench="$build/bench/chimp_bench_cloudstack"
[ -x "$bench" ] || { echo "run.sh: $bench not found: build it (ninja -C $build chimp_bench_cloudstack)" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/chimp-bench.XXXXXX")
cleanup() {
  "$root/scripts/throwaway-mariadb.sh" stop "$dir" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM
sock=$("$root/scripts/throwaway-mariadb.sh" start "$dir")
echo "server: $(mariadb --socket="$sock" -uroot -N -e 'SELECT VERSION()' 2>/dev/null || echo '?'), socket $sock" >&2
"$bench" --socket "$sock" --user root --runs "$runs" --plugins "$build/cloudstack" ${BENCH_ARGS:-}
