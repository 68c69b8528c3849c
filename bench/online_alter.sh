#!/usr/bin/env bash
# Writers' latency during a plain and an online ALTER TABLE (issue 15,
# item 3). On a throwaway server, a table of ROWS rows (Default: 2,000,000,
# filled with INSERT ... SELECT from seq_1_to_N), one writer (single-row
# INSERT, then UPDATE by primary key, in a loop, 1 ms apart, each latency
# recorded) runs during each of:
#   copy     ALTER TABLE big ADD COLUMN ... , ALGORITHM=COPY (the blocking kind)
#   default  ALTER TABLE big ADD COLUMN ... (the server picks: INSTANT here)
#   online   chimp migrate: the same ADD COLUMN marked online, run through
#            pt-online-schema-change with its default chunking (chunks
#            sized to take 0.5 s)
#   online-0.1  the same with --online-chunk-time 0.1 (chunks of 0.1 s)
# and the script prints p50 / p99 / max of the writer's latency during the
# ALTER, the writes done during it, how many of them the writer retried
# after a deadlock or lock wait timeout (counted in their latency), and the
# ALTER's wall time, side by side.
#
#   cmake --build build --target chimp chimp_bench_online_alter
#   bench/online_alter.sh [ROWS]
#
# Needs percona-toolkit (pt-online-schema-change, and its Perl DBD::mysql,
# which the writer uses too). Environment: CHIMP_BUILD_DIR (Default: build).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CHIMP_BUILD_DIR:-$root/build}
rows=${1:-2000000}
chimp=$build/tools/chimp
plugins=$build/bench/online_alter
[ -x "$chimp" ] || { echo "online_alter.sh: $chimp not built" >&2; exit 2; }
[ -f "$plugins/chimp_bench_online_alter.so" ] || { echo "online_alter.sh: build chimp_bench_online_alter first" >&2; exit 2; }
command -v pt-online-schema-change >/dev/null || { echo "online_alter.sh: pt-online-schema-change not on PATH (apt-get install percona-toolkit)" >&2; exit 2; }

dir=$(mktemp -d /tmp/chimp-online-bench.XXXXXX)
sock=$("$root/scripts/throwaway-mariadb.sh" start "$dir/db")
cleanup() { "$root/scripts/throwaway-mariadb.sh" stop "$dir/db" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
sql() { mariadb -S "$sock" -uroot -N -B "$@"; }

sql -e "CREATE DATABASE bench"
"$chimp" migrate -q --to 1.0.0 --socket "$sock" --user root -d bench --plugins "$plugins" >/dev/null
t0=$(date +%s.%N)
sql bench -e "INSERT INTO big (v, note) SELECT seq, CONCAT('row ', seq) FROM seq_1_to_${rows}"
t1=$(date +%s.%N)
sql bench -e "ANALYZE TABLE big" >/dev/null
echo "table: $rows rows, filled in $(echo "$t1 - $t0" | bc) s; $(sql -e "SELECT ROUND((DATA_LENGTH+INDEX_LENGTH)/1048576) FROM information_schema.TABLES WHERE TABLE_SCHEMA='bench' AND TABLE_NAME='big'") MiB"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (shared)"

# The writer: prints "<start, s since epoch> <latency, ms>" per statement.
cat > "$dir/writer.pl" <<'PERL'
use strict; use warnings; use DBI; use Time::HiRes qw(time sleep);
my ($sock, $rows, $stop) = @ARGV;
my $dbh = DBI->connect("DBI:mysql:database=bench;mysql_socket=$sock", "root", "",
                       {RaiseError => 0, PrintError => 0, AutoCommit => 1}) or die $DBI::errstr;
$| = 1;
# One statement as an application sends it: retried on a deadlock or a lock
# wait timeout (the tool's chunk copy and triggers take row locks too). The
# latency counts the retries.
sub timed {
  my ($sql, @bind) = @_;
  my ($t, $tries) = (time, 0);
  until (defined $dbh->do($sql, undef, @bind)) {
    my $err = $dbh->err // 0;
    die "writer: $sql: " . $dbh->errstr . "\n" unless $err == 1213 || $err == 1205;
    $tries++;
  }
  printf "%.6f %.3f %d\n", $t, (time - $t) * 1000, $tries;
}
my $i = 0;
while (!-e $stop) {
  $i++;
  timed("INSERT INTO big (v, note) VALUES (?, 'writer')", -$i);
  timed("UPDATE big SET v = v + 1 WHERE id = ?", 1 + int(rand($rows)));
  sleep 0.001;
}
PERL

# Stats of the latencies that started within [from, to].
stats() {
  awk -v from="$2" -v to="$3" '$1 >= from && $1 <= to { print $2, $3 }' "$1" | sort -n |
    awk '{ a[NR] = $1; r += $2 } END { if (NR == 0) { print "- - - 0 0"; exit }
           p50 = a[int(NR * 0.50) > 0 ? int(NR * 0.50) : 1]; p99 = a[int(NR * 0.99) > 0 ? int(NR * 0.99) : 1];
           printf "%.2f %.2f %.1f %d %d\n", p50, p99, a[NR], NR, r }'
}

run_mode() {
  local mode=$1 log="$dir/$1.lat" stop="$dir/$1.stop"
  perl "$dir/writer.pl" "$sock" "$rows" "$stop" > "$log" &
  local writer=$!
  sleep 2
  local from to
  from=$(date +%s.%N)
  case $mode in
    copy) sql bench -e "ALTER TABLE big ADD COLUMN c_copy INT NOT NULL DEFAULT 0, ALGORITHM=COPY" ;;
    default) sql bench -e "ALTER TABLE big ADD COLUMN c_default INT NOT NULL DEFAULT 0" ;;
    online) "$chimp" migrate -q --to 2.0.0 --socket "$sock" --user root -d bench --plugins "$plugins" \
              --progress never > "$dir/online.out" 2>&1 || { cat "$dir/online.out" >&2; exit 1; } ;;
    online-0.1) "$chimp" migrate -q --to 3.0.0 --socket "$sock" --user root -d bench --plugins "$plugins" \
              --online-chunk-time 0.1 --progress never > "$dir/online.out" 2>&1 || { cat "$dir/online.out" >&2; exit 1; } ;;
  esac
  to=$(date +%s.%N)
  sleep 1
  touch "$stop"
  wait "$writer"
  read -r p50 p99 max n retries < <(stats "$log" "$from" "$to")
  read -r bp50 bp99 bmax bn bretries < <(stats "$log" 0 "$from")
  printf "%-10s %10.1f %9s %9s %9s %8s %8s   %s/%s/%s\n" "$mode" "$(echo "$to - $from" | bc)" "$p50" "$p99" "$max" \
    "$n" "$retries" "$bp50" "$bp99" "$bmax"
}

printf "%-10s %10s %9s %9s %9s %8s %8s   %s\n" "ALTER" "time (s)" "p50 (ms)" "p99 (ms)" "max (ms)" "writes" \
  "retries" "before it: p50/p99/max (ms)"
for mode in copy default online online-0.1; do run_mode "$mode"; done
