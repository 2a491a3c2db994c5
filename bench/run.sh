#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the test bed benchmarks and print their results:
#
#   bench/run.sh [--reps N] [--no-build] [BENCH...]
#
# BENCH is reclaim, grow, reaction or overhead (default: all, in that
# order); each is a scenario bench/testbed/BENCH.sh run by
# tools/testbed/run in a fresh L1 host, with one guest that has the dynmem
# driver and the stock virtio-balloon and virtio-mem devices side by side.
# Each measurement is repeated N times (default 3).
#
# The machine (CPUs, memory, CPU model) and its load before and after each
# scenario are printed with the results, since the test bed is emulated
# and shares its CPUs: absolute times vary with the load, the ratios of
# measurements taken side by side in one run much less.
#
# The exit status is 0 when every benchmark measured, whatever the
# figures; 1 when one could not measure.
#
# Each scenario runs through tools/testbed/rerun-on-l1-fault, which shows
# its output only at the end; BENCH_RERUN= (empty) runs it directly, so
# that the output streams. The runner's environment (DYNMEM_CACHE, ...)
# applies.

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
run=$top/tools/testbed/run
rerun=$top/tools/testbed/rerun-on-l1-fault
reps=3
build=1
while [ $# -gt 0 ]; do
	case $1 in
	--reps) reps=$2; shift ;;
	--no-build) build= ;;
	-*) sed -n '6p' "$0" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
benches=${*:-reclaim grow reaction overhead}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$top/tools/testbed/deps.sh" || exit 1
img=$("$top/tools/testbed/images.sh") || exit 1
if [ -n "$build" ]; then
	kdir=${KDIR:-/usr/src/linux-headers-$(cat "$img/kver")}
	make -s -C "$top" KDIR="$kdir" modules >&2 ||
		{ echo "bench: make modules failed" >&2; exit 1; }
	make -s -C "$top" tools >&2 ||
		{ echo "bench: make tools failed" >&2; exit 1; }
fi

# What L1 and the guests get in /extra: static programs (L2 has only the
# C library) and the scenarios' helpers.
files=$tmp/files
mkdir -p "$files/bin"
gcc -static -O2 -Wall -o "$files/bin/probe" "$here/progs/probe.c" &&
gcc -static -O2 -Wall -o "$files/bin/hold" "$top/selftests/testbed/progs/hold.c" ||
	{ echo "bench: building the guest programs failed" >&2; exit 1; }
cp "$here/testbed/lib.sh" "$files/bench-lib.sh"
echo "BENCH_REPS=$reps" >"$files/bench.conf"

echo "# machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')," \
	"$(free -g | awk '/^Mem:/ { print $2 }') GiB (free -g)"
echo "# date: $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$top" describe --always --dirty 2>/dev/null)"
status=0
for b in $benches; do
	scenario=$here/testbed/$b.sh
	[ -f "$scenario" ] || { echo "bench: no benchmark $b" >&2; status=1; continue; }
	echo "# $b: start $(date -u +%H:%M:%S), uptime: $(uptime)"
	start=$SECONDS
	${BENCH_RERUN-"$rerun"} "$run" --no-build --timeout 1500 --host-files "$files" \
		--guest-files "$files" "$scenario"
	rc=$?
	echo "# $b: exit $rc after $((SECONDS - start)) s, uptime: $(uptime)"
	[ $rc -eq 0 ] || status=1
done
exit $status
