#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run every test bed test and print one KTAP document: each scenario's KTAP
# becomes a subtest. The scenarios host.sh, guest.sh, attach.sh and e2e.sh
# run one after another in a single boot of the L1 host (tools/testbed/
# bundle); the runner's own tests boot L1 for each of theirs. The exit
# status is 0 only when all passed.
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

# Files for --host-files and --guest-files. L2 has nothing but the C
# library, L1 only what QEMU needs:
#   - a dynamically linked program (xz) with its libraries, for both
#     (guest.sh runs it), marked by testbed-extra-files;
#   - the guest programs of the end-to-end scenario, static: hold, hostile;
#   - arbiter-sim, the userspace build of the host's arbiter, with which
#     e2e.sh checks the host's targets in L1.
hfiles=$tmp/host-files
gfiles=$tmp/guest-files
for d in "$hfiles" "$gfiles"; do
	mkdir -p "$d/bin" "$d/lib"
	cp "$(command -v xz)" "$d/bin/"
	for lib in $(ldd "$d/bin/xz" | grep -o '/[^ ]*\.so[^ ]*' | grep -v ld-linux); do
		cp -L "$lib" "$d/lib/"
	done
	touch "$d/testbed-extra-files"
done
progs_build() {
	gcc -static -O2 -Wall -o "$gfiles/bin/hold" "$here/progs/hold.c" &&
	gcc -static -O2 -Wall -I"$top/uapi" -o "$gfiles/bin/hostile" \
		"$here/progs/hostile.c" &&
	gcc -static -O2 -Wall -I"$top/tools/arbiter/include" -I"$top/uapi" \
		-o "$hfiles/bin/arbiter-sim" "$top/tools/arbiter/sim.c" \
		"$top/host/arbiter.c"
}
progs_build >&2 || echo "testbed: building the test programs failed" >&2

# The scenarios that need an L1 host share one boot of it. Each has a time
# limit, about three times what it takes on a 2-core machine: one that
# hangs fails with a report of where, and the others still run.
"$top/tools/testbed/bundle" "$tmp/l1.sh" "$here/host.sh:180" \
	"$here/guest.sh:300" "$here/attach.sh:240" "$here/e2e.sh:1200" || exit 1

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
echo "1..2"
subtest testbed "$rerun" "$run" --no-build --timeout 2400 \
	--host-files "$hfiles" --guest-files "$gfiles" "$tmp/l1.sh"
subtest testbed_runner "$here/runner.sh" --no-build
echo "# Totals: pass:$((nr - failed)) fail:$failed skip:0"
[ "$failed" -eq 0 ]
