#!/usr/bin/env bash
# Runs the fault-injection harness (tests/integration/fault) with more kill
# points than the test suite: every crash point up to CHIMP_FAULT_MAX_HITS
# hits and CHIMP_FAULT_RANDOM_KILLS random-timing kills, then prints a
# summary. With <build>/cloudstack present, also against the CloudStack
# bundle (CHIMP_FAULT_CLOUDSTACK=0 to skip).
#
# Usage: scripts/fault-injection.sh [BUILD_DIR]   (default: build)
# Environment: CHIMP_FAULT_MAX_HITS (default 40), CHIMP_FAULT_RANDOM_KILLS
# (default 300), CHIMP_FAULT_SEED (default: the time), CHIMP_FAULT_CLOUDSTACK_TARGET.
set -euo pipefail

build=$(cd "${1:-build}" && pwd)
tests="$build/tests/chimp_integration_tests"
if [[ ! -x "$tests" ]]; then
  echo "fault-injection: $tests not found; build first (scripts/build.sh)" >&2
  exit 2
fi
export CHIMP_FAULT_MAX_HITS=${CHIMP_FAULT_MAX_HITS:-40}
export CHIMP_FAULT_RANDOM_KILLS=${CHIMP_FAULT_RANDOM_KILLS:-300}
export CHIMP_FAULT_SEED=${CHIMP_FAULT_SEED:-$(date +%s)}

run() {
  local label=$1
  shift
  echo "== $label (max hits $CHIMP_FAULT_MAX_HITS, random kills $CHIMP_FAULT_RANDOM_KILLS, seed $CHIMP_FAULT_SEED)"
  local start=$SECONDS log
  log=$(mktemp)
  if env "$@" "$tests" -tc='fault: a SIGKILL*,fault: SIGKILL*' >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
  fi
  grep -E '^fault injection:' "$log" || true
  grep -E '^\[doctest\] (test cases|assertions)' "$log" || true
  echo "   $label: $status in $((SECONDS - start)) s"
  if [[ $status != ok ]]; then
    grep -E 'ERROR|logged:|what :=|spec :=|diff ' "$log" | head -40
    echo "   full log: $log"
    return 1
  fi
  rm -f "$log"
}

rc=0
run "sample application" || rc=1
if [[ -d "$build/cloudstack" && ${CHIMP_FAULT_CLOUDSTACK:-1} != 0 ]]; then
  run "CloudStack bundle" CHIMP_FAULT_PLUGINS="$build/cloudstack" \
    ${CHIMP_FAULT_CLOUDSTACK_TARGET:+CHIMP_FAULT_TARGET="$CHIMP_FAULT_CLOUDSTACK_TARGET"} || rc=1
fi
exit $rc
