#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run every dynmem netlink selftest and report them as KTAP subtests.
#
#   tools/uml/run selftests/netlink/run.sh [TEST...]
#
# TEST names a script of this directory without ".sh" (default: all).
# Exit status: 0 if every test passed, 1 if one failed, 4 if some were
# skipped and none failed.

dir=$(cd "$(dirname "$0")" && pwd)
tests=${*:-vm host perm monitor dump module attach stats}

n=0
for t in $tests; do
	n=$((n + 1))
done

echo "TAP version 13"
echo "1..$n"
i=0
failed=0
skipped=0
for t in $tests; do
	i=$((i + 1))
	out=$(mktemp)
	sh "$dir/$t.sh" >"$out" 2>&1
	rc=$?
	sed 's/^/    /' "$out"
	rm -f "$out"
	case $rc in
	0)	echo "ok $i - $t" ;;
	4)	echo "ok $i - $t # SKIP"
		skipped=$((skipped + 1)) ;;
	*)	echo "not ok $i - $t"
		failed=$((failed + 1)) ;;
	esac
done
echo "# $((n - failed - skipped)) passed, $failed failed, $skipped skipped of $n"

[ "$failed" -eq 0 ] || exit 1
[ "$skipped" -eq 0 ] || exit 4
exit 0
