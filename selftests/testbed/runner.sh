#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The runner's own failure paths (runs on the build machine): a failing
# scenario is reported with its exit status, a hanging one is killed at its
# timeout and reported with the last console lines, and a crash of the L1
# kernel is reported as a run without a result. The files a scenario leaves
# in $TESTBED_RESULTS come back with --results, also when it failed. KTAP
# on stdout.
#
# Extra arguments (for example --no-build) go to every tools/testbed/run.

here=$(cd "$(dirname "$0")" && pwd)
run=$here/../../tools/testbed/run
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$here/../../tools/testbed/ktap.sh"

# runner SCENARIO ARGS: run it, keep stdout, stderr, status and duration.
runner() {
	local scenario=$1 start=$SECONDS

	shift
	"$run" "$@" "${extra[@]}" "$here/runner/$scenario" >"$tmp/out" 2>"$tmp/err"
	status=$?
	took=$((SECONDS - start))
	echo "status $status after $took s; stdout:"
	cat "$tmp/out"
	echo "stderr:"
	tail -n 20 "$tmp/err"
}

extra=("$@")

echo "KTAP version 1"
echo "1..3"

t_fail() {
	mkdir -p "$tmp/results"
	runner fail.sh --timeout 300 --results "$tmp/results"
	echo "results: $(ls "$tmp/results")"
	[ $status -eq 3 ] && grep -qx 'fail-scenario: started' "$tmp/out" &&
		grep -qx 'fail-scenario: result' "$tmp/results/fail.txt"
}
check "failing_scenario_reported_failed_with_results" t_fail

t_hang() {
	local timeout=60

	runner hang.sh --timeout $timeout
	[ $status -eq 124 ] || return 1
	# It ran, it was killed at its timeout, not waited for.
	grep -qx 'hang-scenario: started' "$tmp/out" || return 1
	[ $took -lt $((timeout + 60)) ] || return 1
	grep -q "timed out after $timeout s" "$tmp/err" &&
		grep -q 'last console lines' "$tmp/err" &&
		grep -q 'hang-scenario: about to hang' "$tmp/err"
}
check "hanging_scenario_killed_at_timeout" t_hang

t_crash() {
	runner crash.sh --timeout 300
	[ $status -eq 125 ] || return 1
	grep -qx 'crash-scenario: started' "$tmp/out" &&
		grep -q 'without a result' "$tmp/err" &&
		grep -q 'L1 kernel: .*Kernel panic' "$tmp/err"
}
check "crashed_host_reported" t_crash

ktap_totals
