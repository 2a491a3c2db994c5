#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run every test bed test and print one KTAP document: each scenario's KTAP
# becomes a subtest. The exit status is 0 only when all passed.
#
#   selftests/testbed/run.sh [--no-build]
#
# Unless --no-build, the modules and tools of this tree are built once
# first (a missing dynmemctl fails the host test, not the build).

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
run=$top/tools/testbed/run
# A run that the emulated CPU's known stack fault killed is run once more.
rerun=$top/tools/testbed/rerun-on-l1-fault
build=1
[ "${1:-}" = --no-build ] && build=

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$top/tools/testbed/deps.sh" || exit 1
img=$("$top/tools/testbed/images.sh") || exit 1
if [ -n "$build" ]; then
	kdir=${KDIR:-/usr/src/linux-headers-$(cat "$img/kver")}
	make -s -C "$top" KDIR="$kdir" modules >&2 ||
		{ echo "testbed: make modules failed" >&2; exit 1; }
	make -s -C "$top" tools >&2 ||
		echo "testbed: make tools failed" >&2
fi

# A dynamically linked program with its libraries, for --host-files and
# --guest-files: L2 has nothing but the C library.
files=$tmp/files
mkdir -p "$files/bin" "$files/lib"
cp "$(command -v xz)" "$files/bin/"
for lib in $(ldd "$files/bin/xz" | grep -o '/[^ ]*\.so[^ ]*' | grep -v ld-linux); do
	cp -L "$lib" "$files/lib/"
done
touch "$files/testbed-extra-files"

# The guest programs of the end-to-end scenario, static: L2 has no
# compiler and only the C library.
e2e=$tmp/e2e
mkdir -p "$e2e/bin"
e2e_build() {
	gcc -static -O2 -Wall -o "$e2e/bin/hold" "$here/progs/hold.c" &&
	gcc -static -O2 -Wall -I"$top/uapi" -o "$e2e/bin/hostile" \
		"$here/progs/hostile.c"
}
e2e_build >&2 || echo "testbed: building the e2e guest programs failed" >&2

nr=0
failed=0

# subtest NAME COMMAND...: run it, indent its KTAP, file the result.
subtest() {
	local name=$1 rc start=$SECONDS

	shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	nr=$((nr + 1))
	sed 's/^/    /' "$tmp/out"
	[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/err"
	echo "# $name: $((SECONDS - start)) s"
	if [ $rc -eq 0 ]; then
		echo "ok $nr $name"
	else
		echo "not ok $nr $name"
		failed=$((failed + 1))
	fi
}

echo "KTAP version 1"
echo "1..5"
subtest testbed_host "$rerun" "$run" --no-build --timeout 300 "$here/host.sh"
subtest testbed_guest "$rerun" "$run" --no-build --timeout 600 \
	--host-files "$files" --guest-files "$files" "$here/guest.sh"
subtest testbed_attach "$rerun" "$run" --no-build --timeout 600 "$here/attach.sh"
subtest testbed_e2e "$rerun" "$run" --no-build --timeout 600 --guest-files "$e2e" \
	"$here/e2e.sh"
subtest testbed_runner "$here/runner.sh" --no-build
echo "# Totals: pass:$((nr - failed)) fail:$failed skip:0"
[ "$failed" -eq 0 ]
