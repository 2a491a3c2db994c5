#!/bin/sh
# Static checks of the project's code, as KTAP: the modules build for KDIR
# with W=1 and without a warning, sparse finds nothing, and checkpatch
# --strict is clean on every C source and header.
#
#   tools/lint.sh KDIR
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
kdir=${1:?usage: $0 KDIR}
uml=$("$top/tools/uml/build-kernel.sh") || exit 1
checkpatch=$uml/scripts/checkpatch.pl
log=$(mktemp -d /tmp/dynmem-lint.XXXXXX)
trap 'rm -rf "$log"' EXIT

files=$(cd "$top" && git ls-files -co --exclude-standard -- \
	'host/*.[ch]' 'guest/*.[ch]' 'uapi/*.h' 'tools/*.[ch]' | sort)
n=0
fail=0
result() { # result OK DESCRIPTION [LOGFILE]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		fail=1
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && sed 's/^/# /' "$3" | head -n 60
	fi
}

echo "TAP version 13"
echo "1..$(( 2 + $(echo "$files" | wc -w) ))"

make -C "$kdir" M="$top" clean >/dev/null 2>&1
make -C "$kdir" M="$top" W=1 -j"$(nproc)" modules >"$log/w1" 2>&1
rc=$?
grep -q 'warning:' "$log/w1" && rc=1
result $rc "modules build for $(basename "$kdir") with W=1, no warnings" "$log/w1"

make -C "$kdir" M="$top" C=2 W=1 CHECK="sparse -Wsparse-error" \
	-j"$(nproc)" modules >"$log/sparse" 2>&1
rc=$?
grep -Eq 'warning:|error:' "$log/sparse" && rc=1
result $rc "sparse (C=2, -Wsparse-error) clean" "$log/sparse"

for f in $files; do
	# Userspace sources are checked as kernel style too, less the rules
	# that only make sense inside the kernel.
	extra=
	case $f in
	tools/*) extra="--ignore PREFER_KERNEL_TYPES,SPLIT_STRING,STRLCPY,AVOID_EXTERNS,NEW_TYPEDEFS,BIT_MACRO,PREFER_FALLTHROUGH,PREFER_DEFINED_ATTRIBUTE_MACRO,ARRAY_SIZE,CAMELCASE,LONG_LINE_STRING" ;;
	esac
	# shellcheck disable=SC2086
	perl "$checkpatch" --strict --no-tree --quiet --show-types $extra \
		-f "$top/$f" >"$log/cp" 2>&1
	rc=$?
	result $rc "checkpatch --strict $f" "$log/cp"
done
exit $fail
