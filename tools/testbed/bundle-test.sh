#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Tests of tools/testbed/bundle, as KTAP: the script it writes runs here,
# under busybox sh as in L1 when there is one, with BUNDLE_NO_KERNEL=1 so
# that it leaves this machine's kernel log alone. Run by make -C tools
# check.
set -u

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
. "$here/ktap.sh"
sh=sh
command -v busybox >/dev/null && sh="busybox sh"

cleanup() {
	[ -s "$tmp/bg.pid" ] && kill -9 "$(cat "$tmp/bg.pid")" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# check NAME FUNCTION: on failure, show also what the bundle printed.
check() {
	"$2" >"$tmp/log" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		sed 's/^/# /' "$tmp/log"
		sed 's/^/# out: /' "$tmp/out" 2>/dev/null
	fi
	result $rc "$1"
}

# bundle SCENARIO...: write the bundle and run it; its output in $tmp/out,
# its exit status in $brc.
bundle() {
	"$here/bundle" "$tmp/l1.sh" "$@" || return 1
	BUNDLE_NO_KERNEL=1 $sh "$tmp/l1.sh" >"$tmp/out" 2>"$tmp/err"
	brc=$?
}

cat >"$tmp/pass.sh" <<'EOF'
echo "KTAP version 1"
echo "1..1"
echo "ok 1 passes"
EOF
cat >"$tmp/fail.sh" <<'EOF'
echo "not ok 1 fails"
exit 3
EOF
cat >"$tmp/noeol.sh" <<'EOF'
printf 'ok 1 last line without newline'
EOF
# Prints a line, then starts a child that would outlive it and waits.
cat >"$tmp/hang.sh" <<EOF
echo "ok 1 before_the_hang"
sleep 60 &
echo \$! >"$tmp/bg.pid"
sleep 60
EOF
# Goes on only once its first line has come out of the bundle.
cat >"$tmp/stream.sh" <<EOF
echo "early"
n=0
while ! grep -qx '    early' "$tmp/out" && [ \$n -lt 200 ]; do
	sleep 0.1
	n=\$((n + 1))
done
[ \$n -lt 200 ] && echo "ok 1 seen_while_running"
EOF

echo "KTAP version 1"
echo "1..5"

t_in_turn() {
	bundle "$tmp/pass.sh" "$tmp/fail.sh:60" "$tmp/noeol.sh" || return 1
	cat >"$tmp/want" <<'EOF'
KTAP version 1
1..3
    KTAP version 1
    1..1
    ok 1 passes
ok 1 pass
    not ok 1 fails
not ok 2 fail
    ok 1 last line without newline
ok 3 noeol
EOF
	grep -v '^# [a-z]*: [0-9]* s$' "$tmp/out" | diff -u "$tmp/want" - &&
		[ "$brc" -ne 0 ]
}
check "scenarios_run_in_turn_with_their_results" t_in_turn

t_all_pass() {
	bundle "$tmp/pass.sh" "$tmp/noeol.sh:5" || return 1
	[ "$brc" -eq 0 ] && grep -qx 'ok 2 noeol' "$tmp/out"
}
check "exit_status_zero_when_all_pass" t_all_pass

t_hang() {
	start=$(date +%s)
	bundle "$tmp/hang.sh:3" "$tmp/pass.sh" || return 1
	took=$(($(date +%s) - start))
	echo "took $took s"
	bg=$(cat "$tmp/bg.pid")
	sleep 0.5
	# Gone, or a zombie that no reaper has collected yet: killed.
	st=$(sed 's/.*) //' "/proc/$bg/stat" 2>/dev/null | cut -c1)
	if [ -n "$st" ] && [ "$st" != Z ]; then
		echo "the scenario's child $bg survived"
		return 1
	fi
	: >"$tmp/bg.pid"
	[ "$brc" -ne 0 ] && [ "$took" -lt 30 ] &&
		grep -qx '    ok 1 before_the_hang' "$tmp/out" &&
		grep -qx '# hang did not end in 3 s; its processes:' "$tmp/out" &&
		grep -q "^#   [0-9]* sleep 60" "$tmp/out" &&
		grep -qx 'not ok 1 hang' "$tmp/out" &&
		grep -qx 'ok 2 pass' "$tmp/out"
}
check "hung_scenario_reported_killed_and_next_runs" t_hang

t_stream() {
	bundle "$tmp/stream.sh:60" || return 1
	grep -qx '    ok 1 seen_while_running' "$tmp/out" && [ "$brc" -eq 0 ]
}
check "lines_passed_on_while_scenario_runs" t_stream

t_bad_secs() {
	! "$here/bundle" "$tmp/l1.sh" "$tmp/pass.sh:soon" 2>"$tmp/err" &&
		grep -q 'SECS is not a positive number' "$tmp/err"
}
check "bad_time_limit_refused" t_bad_secs

ktap_totals
