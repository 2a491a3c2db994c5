# SPDX-License-Identifier: GPL-2.0
#
# The KTAP helpers of the test bed's scenarios and tests, sourced by each:
# in L1 from /mnt/tb/ktap.sh (tools/testbed/run puts it there), on the
# build machine from tools/testbed/. The script that sources it sets tmp,
# a scratch directory, before it calls check.
#
#   result STATUS NAME   "ok N NAME" when STATUS is 0, else "not ok N NAME"
#   check NAME CMD...    run CMD with its output in $tmp/log, shown as KTAP
#                        comments when it failed (always with KTAP_LOG=all),
#                        then result
#   ktap_totals          the totals line; status 0 only when all passed

nr=0
failed=0

result() {
	nr=$((nr + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $nr $2"
	else
		echo "not ok $nr $2"
		failed=$((failed + 1))
	fi
}

check() {
	desc=$1
	shift
	"$@" >"$tmp/log" 2>&1
	rc=$?
	[ $rc -eq 0 ] && [ "${KTAP_LOG:-}" != all ] || sed 's/^/# /' "$tmp/log"
	result $rc "$desc"
}

ktap_totals() {
	echo "# Totals: pass:$((nr - failed)) fail:$failed skip:0"
	[ "$failed" -eq 0 ]
}
