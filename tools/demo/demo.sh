#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: dynmem at work on the emulated KVM host, in about five minutes.
#
#   tools/demo/demo.sh [OUTDIR]
#
# Installs what is missing (tools/deps.sh, the test bed's deps.sh: Debian
# packages, gnuplot-nox among them), builds the modules, dynmemctl and the
# guest program hold, boots the test bed with three guests of different
# weights and runs tools/demo/scenario.sh in it: hot-add, balloon, and two
# guests competing for a short host. Its output, frames of "dynmemctl top"
# included, is shown as it comes. Then the samples it recorded come back
# (tools/testbed/run --results) and tools/demo/report.py prints the summary
# table and plots the memory of each VM over time.
#
# OUTDIR (default build/demo) receives demo.log (the scenario's output),
# samples.jsonl (the raw samples), samples.tsv, summary.txt, summary.tsv,
# plot.gp, demo.svg and demo.png. The exit status is the scenario's: 0 when
# every phase showed what it should.
#
# Environment: DEMO_TIMEOUT (seconds for the whole run in the test bed,
# default 1200: a safety net, far above the few minutes it takes), and
# those of tools/testbed/run.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:-$top/build/demo}
start=$SECONDS

say() {
	echo "demo: $*"
}

"$top/tools/deps.sh" || exit 1
"$top/tools/testbed/deps.sh" || exit 1

mkdir -p "$out" || exit 1
out=$(cd "$out" && pwd)
rm -rf "$out/raw"
rm -f "$out"/{demo.log,samples.jsonl,samples.tsv,summary.txt,summary.tsv,plot.gp,demo.svg,demo.png}
mkdir -p "$out/raw" "$out/guest/bin"

# The guest program, static: the guests have the C library only.
gcc -static -O2 -Wall -o "$out/guest/bin/hold" "$top/selftests/testbed/progs/hold.c" ||
	{ say "cannot build the guest program hold"; exit 1; }

# The runner builds the modules and the tools, then boots L1.
say "booting the emulated KVM host; the guests start one after another"
"$top/tools/testbed/run" --timeout "${DEMO_TIMEOUT:-1200}" \
	--guest-files "$out/guest" --results "$out/raw" \
	"$here/scenario.sh" 2>&1 | tee "$out/demo.log"
rc=${PIPESTATUS[0]}
rm -rf "$out/guest"

if [ -f "$out/raw/samples.jsonl" ]; then
	mv "$out/raw/samples.jsonl" "$out/samples.jsonl"
fi
rm -rf "$out/raw"
echo
if [ -s "$out/samples.jsonl" ]; then
	python3 "$here/report.py" "$out/samples.jsonl" "$out" ||
		{ [ "$rc" -ne 0 ] || rc=1; }
else
	say "no samples came back"
	[ "$rc" -ne 0 ] || rc=1
fi

echo
say "files in $out:"
for f in demo.png demo.svg summary.txt samples.tsv samples.jsonl demo.log; do
	[ -f "$out/$f" ] && echo "  $out/$f"
done
took=$((SECONDS - start))
case $rc in
0) say "done in $((took / 60)) min $((took % 60)) s" ;;
*) say "finished with status $rc in $((took / 60)) min $((took % 60)) s; see $out/demo.log" ;;
esac
exit "$rc"
