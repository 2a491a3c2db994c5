#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Tests of tools/testbed/rerun-on-l1-fault, as KTAP: a stand-in for the
# runner fails the way a real run does (exit status 125 and the L1 kernel
# lines on stderr) and counts its calls. Run by make -C tools check.
set -u

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$here/ktap.sh"

# fake RC1 LINES1 RC2: exit RC1 after printing LINES1 (a file) on stderr
# on the first call, exit RC2 on the second, with "run N" on stdout.
cat >"$tmp/fake" <<'EOS'
#!/bin/sh
n=$(($(cat "$1/calls" 2>/dev/null || echo 0) + 1))
echo $n >"$1/calls"
echo "run $n"
if [ $n = 1 ]; then
	cat "$2" >&2
	exit "$3"
fi
[ "$5" = fault ] && cat "$2" >&2
exit "$4"
EOS
chmod +x "$tmp/fake"

guard='testbed: L1 kernel: [  12.5] BUG: TASK stack guard page was hit at 000000008ab3c6a5 (stack is 000000009ab2d1d4..00000000b0e4b55e)
testbed: L1 kernel: [  12.5] stack guard page: 0000 [#1] PREEMPT SMP NOPTI
testbed: L1 kernel: [  12.5] CPU: 1 PID: 877 Comm: qemu-system-x86 Tainted: G           O       6.1.0-57-amd64 #1  Debian 6.1.192-1'
corrupt='testbed: L1 kernel: [ 319.1] Kernel panic - not syncing: corrupted stack end detected inside scheduler
testbed: L1 kernel: [ 319.1] CPU: 0 PID: 1493 Comm: qemu-system-x86 Tainted: G           O       6.1.0-57-amd64 #1  Debian 6.1.192-1'
other='testbed: L1 kernel: [   5.0] CPU: 1 PID: 77 Comm: qemu-system-x86 Not tainted 6.1.0-57-amd64 #1
testbed: L1 kernel: [ 319.1] Kernel panic - not syncing: corrupted stack end detected inside scheduler
testbed: L1 kernel: [ 319.1] CPU: 0 PID: 93 Comm: kworker/0:2 Tainted: G           O       6.1.0-57-amd64 #1'
lockup='testbed: L1 has been in a soft lockup for 122 s; killing it
testbed: L1 stopped without a result (qemu exit status 137)
testbed: L1 kernel: [ 449.2] watchdog: BUG: soft lockup - CPU#0 stuck for 49s! [qemu-system-x86:6065]
testbed: L1 kernel: [ 449.2] watchdog: BUG: soft lockup - CPU#1 stuck for 48s! [qemu-system-x86:8547]'
lockup_other='testbed: L1 has been in a soft lockup for 122 s; killing it
testbed: L1 kernel: [ 449.2] watchdog: BUG: soft lockup - CPU#0 stuck for 49s! [kworker/0:1:93]'
lockup_short='testbed: L1 kernel: [ 449.2] watchdog: BUG: soft lockup - CPU#0 stuck for 49s! [qemu-system-x86:6065]'
oops='testbed: L1 kernel: [  40.0] BUG: kernel NULL pointer dereference, address: 0000000000000008
testbed: L1 kernel: [  40.0] CPU: 0 PID: 1493 Comm: qemu-system-x86 Tainted: G           O       6.1.0-57-amd64 #1'

# case NAME LINES RC1 RC2 [fault] -- WANT_RC WANT_CALLS
case_() {
	name=$1 lines=$2 rc1=$3 rc2=$4 again=$5 want_rc=$6 want_calls=$7
	rm -f "$tmp/calls"
	printf '%s\n' "$lines" >"$tmp/lines"
	"$here/rerun-on-l1-fault" "$tmp/fake" "$tmp" "$tmp/lines" "$rc1" \
		"$rc2" "$again" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	calls=$(cat "$tmp/calls")
	if [ "$rc" = "$want_rc" ] && [ "$calls" = "$want_calls" ]; then
		result 0 "$name"
	else
		echo "# exit status $rc (want $want_rc), $calls calls (want $want_calls)"
		sed 's/^/# out: /' "$tmp/out"
		sed 's/^/# err: /' "$tmp/err"
		result 1 "$name"
	fi
}

echo "KTAP version 1"
echo "1..10"
case_ "guard_page_fault_in_qemu_runs_again" "$guard" 125 0 - 0 2
case_ "corrupted_stack_end_in_qemu_runs_again" "$corrupt" 125 0 - 0 2
case_ "second_fault_stands" "$corrupt" 125 125 fault 125 2
case_ "second_attempt_failure_stands" "$guard" 125 1 - 1 2
case_ "fault_in_another_task_stands" "$other" 125 0 - 125 1
case_ "other_crash_stands" "$oops" 125 0 - 125 1
case_ "failed_test_stands" "$corrupt" 1 0 - 1 1
case_ "soft_lockup_in_qemu_runs_again" "$lockup" 125 0 - 0 2
case_ "soft_lockup_in_another_task_stands" "$lockup_other" 125 0 - 125 1
case_ "soft_lockup_the_runner_did_not_kill_stands" "$lockup_short" 125 0 - 125 1
ktap_totals
