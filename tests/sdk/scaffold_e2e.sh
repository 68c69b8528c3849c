#!/usr/bin/env bash
# End-to-end test of the SDK, as a plugin author meets it:
#   install chimp into a temporary prefix (cmake --install),
#   chimp create a project, build it with plain cmake against the prefix,
#   run its ctest (chimp plugins verify: static, then on a throwaway server),
#   chimp migrate it on that server and check the result; then a later
#   release's project (--from 1.0.0), whose ctest fails alone and passes with
#   the earlier release's plugins or a kept schema file.
# Usage: scaffold_e2e.sh SOURCE_DIR BUILD_DIR   (ctest passes both)
set -euo pipefail
src=${1:?source dir}
build=${2:?build dir}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/chimp-sdk-e2e.XXXXXX")
db_dir="$tmp/db"
cleanup() {
  "$src/scripts/throwaway-mariadb.sh" stop "$db_dir" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
step() { echo "== $*"; }

step "install chimp into $tmp/prefix"
cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" || { cat "$tmp/install.log"; exit 1; }
chimp="$tmp/prefix/bin/chimp"
test -x "$chimp"
test -f "$tmp/prefix/include/chimp/plugin_abi.h"
test -f "$tmp/prefix/include/chimp/sdk/plugin.hpp"
test -f "$tmp/prefix/include/chimp/sdk/embedded.hpp"
test -f "$tmp/prefix/lib/cmake/chimp/chimpConfig.cmake" || test -f "$tmp"/prefix/lib*/cmake/chimp/chimpConfig.cmake

step "chimp create"
# Refusals first: a bad name, a bad version, an existing non-empty directory.
set +e
"$chimp" create "bad name" --to 1.0.0 --dir "$tmp/x" 2>/dev/null; rc_name=$?
"$chimp" create greeter --to 1.x --dir "$tmp/x" 2>/dev/null; rc_version=$?
mkdir -p "$tmp/full" && touch "$tmp/full/keep"
"$chimp" create greeter --to 1.0.0 --dir "$tmp/full" 2>/dev/null; rc_full=$?
set -e
[ "$rc_name" = 2 ] && [ "$rc_version" = 2 ] && [ "$rc_full" = 2 ] ||
  { echo "expected exit 2 for bad name/version/full dir, got $rc_name/$rc_version/$rc_full"; exit 1; }
proj="$tmp/greeter"
"$chimp" create greeter --to 1.0.0 --dir "$proj"
test -f "$proj/CMakeLists.txt" && test -f "$proj/src/plugin.cpp" && test -f "$proj/sql/V1.0.0__greeter.sql"

step "build against the installed SDK"
cmake -S "$proj" -B "$proj/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS="-Wall -Wextra -Wpedantic -Werror" >"$tmp/configure.log" || { cat "$tmp/configure.log"; exit 1; }
cmake --build "$proj/build"
so="$proj/build/greeter.so"
test -f "$so"
# Only the entry is exported.
exported=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^$' | sort -u | tr '\n' ' ')
[ "$exported" = "chimp_plugin_entry " ] || { echo "exported symbols: $exported"; exit 1; }

step "ctest (static verify)"
ctest --test-dir "$proj/build" --output-on-failure

step "start a throwaway server"
sock=$("$src/scripts/throwaway-mariadb.sh" start "$db_dir")

step "ctest (verify on the server)"
cmake "$proj/build" -DCHIMP_VERIFY_ARGS="--socket;$sock;--user;root" >/dev/null
ctest --test-dir "$proj/build" --output-on-failure
"$chimp" plugins verify --socket "$sock" --user root --format json "$so" >"$tmp/verify.json"
grep -q '"applied": "applied"' "$tmp/verify.json" || { cat "$tmp/verify.json"; exit 1; }

step "chimp migrate"
"$chimp" --socket "$sock" --user root --database greeter_e2e --plugins "$proj/build" migrate
"$chimp" --socket "$sock" --user root --database greeter_e2e --plugins "$proj/build" status --format json >"$tmp/status.json"
grep -q '"current_version": "1.0.0"' "$tmp/status.json" || { cat "$tmp/status.json"; exit 1; }
client=$(command -v mariadb || command -v mysql || true)
if [ -n "$client" ]; then
  notes=$("$client" --socket="$sock" -uroot -N -e "SELECT COUNT(*) FROM greeter_e2e.greeter_notes")
  [ "$notes" = 1 ] || { echo "expected 1 note, got $notes"; exit 1; }
fi
step "a later release (1.0.0 -> 1.1.0): its ctest with the earlier release, and with a kept schema file"
proj2="$tmp/greeter-1-1"
"$chimp" create greeter-1-1 --from 1.0.0 --to 1.1.0 --dir "$proj2"
cmake -S "$proj2" -B "$proj2/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
  -DCHIMP_VERIFY_ARGS="--socket;$sock;--user;root" >"$tmp/configure2.log" || { cat "$tmp/configure2.log"; exit 1; }
cmake --build "$proj2/build"
# Alone, its edge cannot be applied: verify exits 13 and the test fails.
if ctest --test-dir "$proj2/build" >"$tmp/alone.log"; then
  echo "expected the later release's ctest to fail without the earlier release"; cat "$tmp/alone.log"; exit 1
fi
cmake "$proj2/build" -DCHIMP_EARLIER_RELEASES="$proj/build" >/dev/null
ctest --test-dir "$proj2/build" --output-on-failure
dump=$(command -v mariadb-dump || command -v mysqldump || true)
if [ -n "$dump" ]; then
  mkdir -p "$proj2/schema"
  { echo "-- chimp-schema-version: 1.0.0"
    "$dump" --socket="$sock" -uroot --no-data --routines --triggers --skip-dump-date greeter_e2e; } >"$proj2/schema/1.0.0.sql"
  cmake "$proj2/build" -DCHIMP_EARLIER_RELEASES="" >/dev/null
  ctest --test-dir "$proj2/build" --output-on-failure
fi
step "ok"
