#!/usr/bin/env bash
# The long fault-injection campaign (tests/integration/fault, doc/recovery.md
# "Proof: fault injection"): SIGKILLs `chimp migrate` at exact crash points and
# after random delays, on the sample application (every crash point up to
# CHIMP_FAULT_MAX_HITS hits on three routes, CHIMP_FAULT_RANDOM_KILLS random
# kills) and, with <build>/cloudstack present, on the whole CloudStack chain
# (every edge a stop; CHIMP_FAULT_CS_WALKS walks that kill at an exact point
# inside each edge, CHIMP_FAULT_CS_RANDOM_WALKS that kill after a random
# delay). After each kill a rerun must converge to the clean run's exact dump
# (every schema the bundle writes: schema, rows, ids). Every kill that does
# not is printed; the campaign ends with
#   fault injection totals: kills N, converged N, manual steps N, divergences N, failed N
# and exits 1 unless every kill converged.
#
# Usage: scripts/fault-injection.sh [BUILD_DIR]   (default: build)
# Environment: CHIMP_FAULT_MAX_HITS (default 40), CHIMP_FAULT_RANDOM_KILLS
# (default 300), CHIMP_FAULT_CS_STOPS (default all), CHIMP_FAULT_CS_WALKS
# (default 4), CHIMP_FAULT_CS_RANDOM_WALKS (default 2), CHIMP_FAULT_SEED
# (default: the time), CHIMP_FAULT_CLOUDSTACK=0 to skip the CloudStack chain,
# CHIMP_FAULT_SAMPLE=0 to skip the sample application (two invocations, one
# with each, can run side by side: each test process starts its own server).
set -euo pipefail

build=$(cd "${1:-build}" && pwd)
tests="$build/tests/chimp_integration_tests"
if [[ ! -x "$tests" ]]; then
  echo "fault-injection: $tests not found; build first (scripts/build.sh)" >&2
  exit 2
fi
export CHIMP_FAULT_MAX_HITS=${CHIMP_FAULT_MAX_HITS:-40}
export CHIMP_FAULT_RANDOM_KILLS=${CHIMP_FAULT_RANDOM_KILLS:-300}
export CHIMP_FAULT_CS_STOPS=${CHIMP_FAULT_CS_STOPS:-all}
export CHIMP_FAULT_CS_WALKS=${CHIMP_FAULT_CS_WALKS:-4}
export CHIMP_FAULT_CS_RANDOM_WALKS=${CHIMP_FAULT_CS_RANDOM_WALKS:-2}
export CHIMP_FAULT_SEED=${CHIMP_FAULT_SEED:-$(date +%s)}

declare -A total=([kills]=0 [converged]=0 [manual]=0 [divergences]=0 [failed]=0)

# run LABEL TEST_CASES: runs the harness, prints its lines, adds its totals.
run() {
  local label=$1 cases=$2 start=$SECONDS log status
  log=$(mktemp)
  echo "== $label"
  if "$tests" -tc="$cases" >"$log" 2>&1; then status=ok; else status=FAILED; fi
  grep -E '^fault injection' "$log" || true
  grep -E '^\[doctest\] (test cases|assertions)' "$log" || true
  local line
  line=$(grep -E '^fault injection totals:' "$log" | tail -1 || true)
  if [[ $line =~ kills\ ([0-9]+),\ converged\ ([0-9]+),\ manual\ steps\ ([0-9]+),\ divergences\ ([0-9]+),\ failed\ ([0-9]+) ]]; then
    total[kills]=$((total[kills] + BASH_REMATCH[1]))
    total[converged]=$((total[converged] + BASH_REMATCH[2]))
    total[manual]=$((total[manual] + BASH_REMATCH[3]))
    total[divergences]=$((total[divergences] + BASH_REMATCH[4]))
    total[failed]=$((total[failed] + BASH_REMATCH[5]))
  fi
  echo "   $label: $status in $((SECONDS - start)) s (full log: $log)"
  [[ $status == ok ]]
}

start=$SECONDS
echo "fault-injection: seed $CHIMP_FAULT_SEED; $(nproc) CPUs, $(free -g | awk '/^Mem:/ {print $2}') GiB;" \
  "$(mariadbd --version 2>/dev/null | head -1 || echo 'mariadbd ?')"
rc=0
[[ ${CHIMP_FAULT_SAMPLE:-1} == 0 ]] || echo "   sample application: max hits $CHIMP_FAULT_MAX_HITS, random kills $CHIMP_FAULT_RANDOM_KILLS"
if [[ ${CHIMP_FAULT_SAMPLE:-1} != 0 ]]; then
  run "sample application" 'fault: a SIGKILL at every crash point*,fault: SIGKILL after*' || rc=1
fi
if [[ -d "$build/cloudstack" && ${CHIMP_FAULT_CLOUDSTACK:-1} != 0 ]]; then
  echo "   CloudStack chain: stops $CHIMP_FAULT_CS_STOPS, exact walks $CHIMP_FAULT_CS_WALKS," \
    "random walks $CHIMP_FAULT_CS_RANDOM_WALKS"
  run "CloudStack chain" 'fault: a SIGKILL inside every segment of the CloudStack chain*' || rc=1
fi
echo "fault injection totals: kills ${total[kills]}, converged ${total[converged]}, manual steps ${total[manual]}," \
  "divergences ${total[divergences]}, failed ${total[failed]} (seed $CHIMP_FAULT_SEED, $((SECONDS - start)) s)"
exit $rc
