#!/bin/sh
# make check: every test of the project, as KTAP, closing with the line
# "N passed, N failed".
#
#   tools/check.sh KDIR
#
# Each suite below is a program that prints KTAP; every leaf test counts
# (tools/ktap-count.awk). A suite that exits non-zero without reporting a failed test
# counts as one failure of its own, so a crash cannot pass for success.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
kdir=${1:?usage: $0 KDIR}
cd "$top" || exit 1

passed=0
failed=0
out=$(mktemp /tmp/dynmem-check.XXXXXX)
trap 'rm -f "$out"' EXIT

suite() { # suite NAME COMMAND...
	name=$1
	shift
	echo "# ---- $name: $*"
	start=$(date +%s)
	"$@" >"$out" 2>&1
	rc=$?
	cat "$out"
	set -- $(awk -f tools/ktap-count.awk "$out")
	p=$1
	f=$2
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name: exited with status $rc"
		f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name: ran no test"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	echo "# ---- $name: $p passed, $f failed ($(( $(date +%s) - start ))s)"
}

suite build-tools make -s -C tools all check
suite lint tools/lint.sh "$kdir"
suite uapi-spec python3 selftests/spec_check.py
suite kunit tools/uml/run --timeout 300 selftests/kunit.sh
suite netlink tools/uml/run --timeout 900 selftests/netlink/run.sh
suite testbed selftests/testbed/run.sh
suite guest selftests/guest/run.sh

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
