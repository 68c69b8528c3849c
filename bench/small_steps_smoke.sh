#!/bin/sh
# ctest `bench_small_steps_generator`: the small-steps generator writes the
# same bytes every time and everywhere, with the issue's mix of migrations.
#
#   bench/small_steps_smoke.sh GENERATOR
#
# Runs GENERATOR (chimp_bench_small_steps_gen) twice into temporary
# directories and compares them; checks the counts per kind, that all.sql is
# the concatenation of sql/*.sql, and the sha256 of all.sql against
# kAllSqlSha256 below (a change to the generator changes the migrations, and
# so the benchmark's figures: update the hash and rerun bench/small_steps.sh).
# No server, no timing.
set -eu
kAllSqlSha256=dfc40692d4f2cbd370d7ff5bbec0e1bb0af60581ee4f646c98b04286f98c797c
gen=$1
dir=$(mktemp -d "${TMPDIR:-/tmp}/chimp-small-smoke.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
fail() { echo "small_steps_smoke: $*" >&2; exit 1; }

"$gen" "$dir/a"
[ -d "$dir/a/sql" ] || fail "$gen wrote nothing into $dir/a"
"$gen" "$dir/b"
diff -r "$dir/a" "$dir/b" >/dev/null || fail "two runs of the generator differ (diff -r $dir/a $dir/b)"

count() { find "$1" -type f -name '*.'"$2" | wc -l; }
[ "$(count "$dir/a/sql" sql)" -eq 300 ] || fail "expected 300 files in sql/"
[ "$(count "$dir/a/dbmate/db/migrations" sql)" -eq 300 ] || fail "expected 300 dbmate migrations"
[ "$(count "$dir/a/plugins" cpp)" -eq 330 ] || fail "expected 330 plugin specs (30 + 300)"
for want in create_table:65 alter_table:81 create_index:46 insert:77 create_view:15 create_procedure:16; do
  kind=${want%%:*}
  n=$(grep -c "^-- [0-9][0-9][0-9] $kind:" "$dir/a/all.sql" || true)
  [ "$n" -eq "${want##*:}" ] || fail "$kind: $n migrations, expected ${want##*:}"
done
cat "$dir"/a/sql/*.sql | cmp -s - "$dir/a/all.sql" || fail "all.sql is not the concatenation of sql/*.sql"
sum=$(sha256sum "$dir/a/all.sql" | cut -d' ' -f1)
[ "$sum" = "$kAllSqlSha256" ] || fail "all.sql has sha256 $sum, expected $kAllSqlSha256 (see the header)"
echo "small_steps_smoke: ok (all.sql sha256 $sum)"
