#!/bin/sh
# The fleet benchmark of issue 15.1: N tenant schemas of the sample app
# (migrations/), empty -> 2.0.0, three ways, on a throwaway server:
#
#   fleet   one `chimp migrate --databases 'PATTERN' --jobs J` (the plugins
#           loaded once, J targets at once)
#   loop    a shell loop of N single-target `chimp migrate -d TENANT` runs
#   client  the plain mariadb client applying the same SQL, one
#           `mariadb TENANT < script` per tenant: in a loop (client), and J
#           at once through xargs -P (client-jJ)
#
#   bench/fleet.sh [BUILD_DIR]        # default: build
#
#   BENCH_N=1000      tenant schemas per side and round
#   BENCH_JOBS=8      --jobs of the fleet run and xargs -P of client-jJ
#   BENCH_ROUNDS=3    rounds; the order of the sides rotates each round
#   BENCH_NO_BUILD=1  use BUILD_DIR as it is (another build is running there)
#
# The client's script is what chimp runs: the statements of every step of
# `chimp plan -v --format json` on an empty schema, in order, with the one
# native step (library.1.1.0.fill-slugs) replaced by the UPDATEs it makes
# (the seed data is the same in every tenant, so are they). The client
# records nothing: no changelog, no lock, no checks before the first write.
#
# Each side gets fresh schemas (and its own changelog schema) in every round;
# creating and dropping them is not timed. Prints, per side, the median wall
# time of the N tenants and per tenant, and the median of the per-round
# paired ratios against the fleet run. Wall-clock figures on a shared
# machine: the load average is printed before and after; compare runs made
# under the same load only.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build}
n=${BENCH_N:-1000}
jobs=${BENCH_JOBS:-8}
rounds=${BENCH_ROUNDS:-3}
chimp="$build/tools/chimp"
plugins="$build/migrations"

[ -f "$build/CMakeCache.txt" ] || { echo "fleet.sh: $build is not a configured build (scripts/build.sh)" >&2; exit 1; }
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  echo "fleet.sh: building chimp and the sample migrations in $build" >&2
  cmake --build "$build" -j "${CHIMP_JOBS:-2}" --target chimp chimp_sample_migrations >&2
fi
command -v mariadb >/dev/null 2>&1 || { echo "fleet.sh: the mariadb client is not on the PATH" >&2; exit 1; }
command -v python3 >/dev/null 2>&1 || { echo "fleet.sh: python3 is needed for the JSON plan and the medians" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/chimp-fleet.XXXXXX")
cleanup() {
  "$root/scripts/throwaway-mariadb.sh" stop "$dir/db" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM
sock=$("$root/scripts/throwaway-mariadb.sh" start "$dir/db")
sql() { mariadb --no-defaults -S "$sock" -u root -N -B "$@"; }
ch() { "$chimp" --no-defaults --socket "$sock" --user root --plugins "$plugins" "$@"; }
export CHIMP_DESCRIPTOR_CACHE="$dir/cache"

# The client's script, from the plan chimp makes for an empty schema.
sql -e "CREATE DATABASE fl_probe"
ch plan -d fl_probe --changelog-schema fl_probe_chimp -v --format json >"$dir/plan.json"
ch migrate -q -d fl_probe --changelog-schema fl_probe_chimp
sql fl_probe -e "SELECT CONCAT('UPDATE books SET slug = ', QUOTE(slug), ' WHERE id = ', id, ';') FROM books ORDER BY id" \
  >"$dir/slugs.sql"
python3 - "$dir/plan.json" "$dir/slugs.sql" >"$dir/script.sql" <<'EOF'
import json, sys
plan = json.load(open(sys.argv[1]))
slugs = open(sys.argv[2]).read()
for step in plan["steps"]:
    if step["kind"] == "native":
        sys.stdout.write("-- " + step["step_id"] + ": the UPDATEs the native step makes\n" + slugs)
        continue
    for s in step.get("statements", []):
        s = s.rstrip().rstrip(";")
        if "DELIMITER" in s or ";" in s:
            sys.stdout.write("DELIMITER //\n" + s + "\n//\nDELIMITER ;\n")
        else:
            sys.stdout.write(s + ";\n")
EOF
echo "fleet.sh: $(grep -c ';$' "$dir/script.sql") statements per tenant for the client; N=$n, jobs=$jobs, rounds=$rounds" >&2

make_schemas() {  # PREFIX
  i=0
  : >"$dir/create.sql"
  while [ $i -lt "$n" ]; do
    printf 'CREATE DATABASE %s_%04d;\n' "$1" $i >>"$dir/create.sql"
    i=$((i + 1))
  done
  sql <"$dir/create.sql"
}
drop_schemas() {  # PREFIX
  sql -e "SELECT CONCAT('DROP DATABASE \`', schema_name, '\`;') FROM information_schema.schemata WHERE schema_name LIKE '$1\\_%'" \
    >"$dir/drop.sql"
  sql <"$dir/drop.sql"
}
now_ms() { date +%s%3N; }

side() {  # SIDE ROUND -> prints milliseconds
  p="fl_r$2_$(echo "$1" | tr -c 'a-z0-9\n' '_')"
  make_schemas "$p"
  start=$(now_ms)
  case $1 in
    fleet) ch migrate -q --databases "${p}\\_%" --changelog-schema "${p}_chimp" --jobs "$jobs" >/dev/null ;;
    loop)
      i=0
      while [ $i -lt "$n" ]; do
        ch migrate -q -d "$(printf '%s_%04d' "$p" $i)" --changelog-schema "${p}_chimp" >/dev/null
        i=$((i + 1))
      done
      ;;
    client)
      i=0
      while [ $i -lt "$n" ]; do
        sql "$(printf '%s_%04d' "$p" $i)" <"$dir/script.sql" >/dev/null
        i=$((i + 1))
      done
      ;;
    client-j*)
      i=0
      while [ $i -lt "$n" ]; do printf '%s_%04d\n' "$p" $i; i=$((i + 1)); done |
        xargs -P "$jobs" -I{} sh -c 'mariadb --no-defaults -S "$0" -u root {} <"$1" >/dev/null' "$sock" "$dir/script.sql"
      ;;
  esac
  end=$(now_ms)
  echo $((end - start))
  # Every tenant reached 2.0.0 (chimp) or has the 2.0.0 tables (client).
  case $1 in
    fleet | loop)
      got=$(sql -e "SELECT COUNT(*) FROM \`${p}_chimp\`.chimp_state WHERE version = '2.0.0'")
      [ "$got" = "$n" ] || { echo "fleet.sh: $1: only $got of $n tenants at 2.0.0" >&2; exit 1; }
      ;;
    *)
      got=$(sql -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'loans' AND table_schema LIKE '${p}\\_%'")
      [ "$got" = "$n" ] || { echo "fleet.sh: $1: only $got of $n tenants have the loans table" >&2; exit 1; }
      ;;
  esac
  drop_schemas "$p"
  sql -e "DROP DATABASE IF EXISTS \`${p}_chimp\`"
}

sides="fleet loop client client-j$jobs"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
: >"$dir/times"
r=1
while [ "$r" -le "$rounds" ]; do
  # Rotate the order: round r starts with side r.
  order=$(echo $sides | tr ' ' '\n' | awk -v r="$r" -v k=4 '{a[NR]=$0} END {for (i=0;i<k;i++) print a[(i+r-1)%k+1]}')
  for s in $order; do
    ms=$(side "$s" "$r")
    echo "round $r $s $ms" | tee -a "$dir/times" >&2
  done
  r=$((r + 1))
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$dir/times" "$n" "$jobs" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
n, jobs = int(sys.argv[2]), sys.argv[3]
t = {}
for _, r, side, ms in rows:
    t.setdefault(side, {})[int(r)] = int(ms)
print(f"{n} tenants, empty -> 2.0.0, fleet --jobs {jobs}; medians of {len(t['fleet'])} rounds")
print(f"{'side':<12} {'total':>10} {'per tenant':>11} {'x fleet (paired)':>17}")
for side in t:
    med = statistics.median(t[side].values())
    ratio = statistics.median(t[side][r] / t['fleet'][r] for r in t[side])
    print(f"{side:<12} {med/1000:>9.1f}s {med/n:>9.1f}ms {ratio:>16.2f}x")
EOF
