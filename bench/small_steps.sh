#!/bin/sh
# The small-steps benchmark of issue 13: 300 small migrations (65 CREATE
# TABLE, 81 ALTER, 46 CREATE INDEX, 77 INSERT, 15 views, 16 procedures)
# applied by the plain mariadb client, dbmate and chimp (30 plugins x 10
# steps, 300 plugins x 1 step), empty -> all (W1); then `migrate` and
# `status` with nothing to do beside the floor and dbmate's no-op (W2).
#
#   bench/small_steps.sh [BUILD_DIR]          # default: build
#
#   BENCH_ROUNDS=9      W1 rounds (rotated order, fresh database each side; 0: W2 only)
#   BENCH_NOOP_REPS=30  W2 repetitions
#   BENCH_DBMATE=PATH   use this dbmate binary instead of installing one
#   BENCH_NO_DBMATE=1   leave dbmate out
#
# What it does:
#  1. builds what it needs (cmake --build BUILD_DIR --target
#     chimp_bench_small_steps: the generator, the 300 migrations in
#     BUILD_DIR/bench/small_steps/, the 330 plugins, the driver; none of it is
#     part of the normal build);
#  2. installs dbmate from the npm registry into a temporary directory
#     (`npm install --prefix TMP dbmate`; the package's JavaScript wrapper
#     only spawns the Go binary of an optional per-platform package,
#     @dbmate/linux-x64 etc., so the bench runs that binary directly, without
#     node's start-up); where that fails (no npm, no network) it prints
#     "dbmate: skipped (...)" and goes on;
#  3. starts a throwaway mariadbd (scripts/throwaway-mariadb.sh: a temp
#     directory, a unix socket, no networking, --user=root when root; stopped
#     by its PID at the end) and runs BUILD_DIR/bench/chimp_bench_small_steps,
#     which prints the tables (see the header of bench/small_steps_bench.cpp).
# The counters are the server's global ones: run it on an idle server only
# (this one is started for the purpose).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build}
rounds=${BENCH_ROUNDS:-9}
reps=${BENCH_NOOP_REPS:-30}
bench="$build/bench/chimp_bench_small_steps"

[ -f "$build/CMakeCache.txt" ] || { echo "small_steps.sh: $build is not a configured build (scripts/build.sh)" >&2; exit 1; }
echo "small_steps.sh: building chimp_bench_small_steps in $build" >&2
cmake --build "$build" -j "${CHIMP_JOBS:-2}" --target chimp_bench_small_steps >&2 ||
  { echo "small_steps.sh: the build failed (configure with -DCHIMP_BUILD_BENCH=ON, the default)" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/chimp-small.XXXXXX")
cleanup() {
  "$root/scripts/throwaway-mariadb.sh" stop "$dir/db" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

dbmate_arg=""
skip_reason=""
if [ -n "${BENCH_NO_DBMATE:-}" ]; then
  skip_reason="BENCH_NO_DBMATE is set"
elif [ -n "${BENCH_DBMATE:-}" ]; then
  dbmate_arg=$BENCH_DBMATE
elif ! command -v npm >/dev/null 2>&1; then
  skip_reason="npm not found"
elif timeout 300 npm install --silent --no-audit --no-fund --prefix "$dir/dbmate" dbmate >"$dir/npm.log" 2>&1; then
  for b in "$dir"/dbmate/node_modules/@dbmate/*/bin/dbmate; do
    [ -x "$b" ] && dbmate_arg=$b
  done
  [ -n "$dbmate_arg" ] || skip_reason="npm installed dbmate but no binary for this platform"
else
  skip_reason="npm install dbmate failed: $(tail -n 1 "$dir/npm.log")"
fi
if [ -n "$dbmate_arg" ]; then
  echo "dbmate: $dbmate_arg ($("$dbmate_arg" --version 2>/dev/null || echo '?'))" >&2
else
  echo "dbmate: skipped ($skip_reason)" >&2
fi

sock=$("$root/scripts/throwaway-mariadb.sh" start "$dir/db")
if [ -n "$dbmate_arg" ]; then
  "$bench" --socket "$sock" --user root --rounds "$rounds" --noop-reps "$reps" --dbmate "$dbmate_arg"
else
  "$bench" --socket "$sock" --user root --rounds "$rounds" --noop-reps "$reps" --no-dbmate "$skip_reason"
fi
