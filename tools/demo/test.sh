#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the demo's report (tools/demo/report.py) without the test bed:
# recorded sample files go in, and the summary, the sample table and the
# plots that come out are checked. KTAP on stdout; a few seconds.
#
#   tools/demo/test.sh
#
# testdata/handmade.jsonl is small and written by hand (sizes are round
# MiB), so every figure of its summary is known; it ends with a sample cut
# short, as when the host powers off mid-write. testdata/recorded.jsonl is
# a real run of the demo, thinned out; its figures are checked against the
# same figures computed by jq from the raw samples.
set -u

here=$(cd "$(dirname "$0")" && pwd)
report=$here/report.py
data=$here/testdata
tmp=$(mktemp -d /tmp/dynmem-demo-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
MiB=1048576
. "$here/../testbed/ktap.sh"

ok() { # ok STATUS DESCRIPTION [LOG]: result, with LOG shown on failure
	result "$1" "$2"
	[ "$1" -eq 0 ] || { [ -n "${3:-}" ] && [ -f "$3" ] &&
		sed 's/^/# /' "$3" | head -n 40; }
}

# tsv FILE VM KEY: a cell of summary.tsv, by VM and column name.
tsv() {
	awk -F'\t' -v vm="$2" -v key="$3" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$1 == vm { print $col[key] }' "$1"
}

# A PNG starts with its 8-byte signature, then the IHDR chunk with the
# width and height.
png_valid() {
	[ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
		[ "$(head -c 16 "$1" | tail -c 4)" = IHDR ] &&
		[ "$(head -c 20 "$1" | tail -c 4 | od -An -tu1 | tr -s ' ')" = " 0 0 4 176" ]
}

# An SVG parses as XML and its root element is <svg> in the SVG namespace.
svg_valid() {
	python3 - "$1" <<-'EOF'
		import sys
		import xml.etree.ElementTree as ET
		root = ET.parse(sys.argv[1]).getroot()
		sys.exit(root.tag != "{http://www.w3.org/2000/svg}svg")
	EOF
}

echo "KTAP version 1"
echo "1..9"

# ---- the hand-made samples -------------------------------------------------
hm=$tmp/handmade
python3 "$report" "$data/handmade.jsonl" "$hm" >"$tmp/hm.out" 2>"$tmp/hm.err"
ok $? "report runs on hand-made samples" "$tmp/hm.err"

t_summary_numbers() {
	local want got
	want=$(printf '%s\n' \
		"web 8000 $((128 * MiB)) $((512 * MiB)) $((80 * MiB)) $((400 * MiB)) 15 78 $((256 * MiB)) $((384 * MiB)) $((140 * MiB)) $((480 * MiB))" \
		"db 2000 $((384 * MiB)) $((384 * MiB)) $((300 * MiB)) $((300 * MiB)) 78 78 $((128 * MiB)) 0 $((390 * MiB)) $((390 * MiB))")
	got=$(tail -n +2 "$hm/summary.tsv" | tr '\t' ' ')
	echo "want:"; echo "$want"; echo "got:"; echo "$got"
	[ "$got" = "$want" ]
}
t_summary_numbers >"$tmp/log" 2>&1
ok $? "summary: peak and final of every figure, per VM" "$tmp/log"

t_summary_text() {
	cat "$hm/summary.txt"
	# The table in MiB, and the phases: web is not running at first,
	# the pool shrinks in the last phase, the cut-short sample is skipped.
	grep -Eq '^web +8000 +128 +512 +80 +400 +15% +78% +256 +384 +140 +480$' "$hm/summary.txt" &&
		grep -Eq '^db +2000 +384 +384 +300 +300 +78% +78% +128 +0 +390 +390$' "$hm/summary.txt" &&
		grep -Eq '^guests boot +0 +- +200 +2048$' "$hm/summary.txt" &&
		grep -Eq '^1 grow +3 +512 +200 +2048$' "$hm/summary.txt" &&
		grep -Eq '^2 reclaim +4 +128 +200 +2048$' "$hm/summary.txt" &&
		grep -Eq '^3 compete +5 +128 +384 +1024$' "$hm/summary.txt" &&
		cmp -s "$hm/summary.txt" "$tmp/hm.out" &&
		grep -q 'skipped 1 line' "$tmp/hm.err"
}
t_summary_text >"$tmp/log" 2>&1
ok $? "summary table in MiB with the phases; a cut-short sample is skipped" "$tmp/log"

t_samples_tsv() {
	local cols
	head -n 3 "$hm/samples.tsv"
	# A header and five samples, 3 + 8 columns per VM each; "?" where
	# a figure is unknown (web before it runs), MiB otherwise.
	[ "$(wc -l <"$hm/samples.tsv")" -eq 6 ] || return 1
	cols=$(awk -F'\t' '{ print NF }' "$hm/samples.tsv" | sort -u)
	[ "$cols" = 19 ] || return 1
	awk -F'\t' 'NR == 2 { exit !($1 == "0.00" && $2 == "boot" && $3 == "2048.0" &&
				    $4 == "?" && $11 == "?" && $8 == "256.0" && $12 == "200.0") }
		    NR == 5 { exit !($4 == "128.0" && $6 == "15" && $9 == "512.0" && $10 == "384.0") }' \
		"$hm/samples.tsv"
}
t_samples_tsv >"$tmp/log" 2>&1
ok $? "samples.tsv: a row per sample, unknown figures marked" "$tmp/log"

t_plots() {
	ls -l "$hm"
	[ -s "$hm/demo.png" ] && [ -s "$hm/demo.svg" ] || return 1
	# 1200 pixels wide, as asked; the SVG holds a path per curve.
	png_valid "$hm/demo.png" || { echo "not a PNG 1200 pixels wide"; return 1; }
	svg_valid "$hm/demo.svg" || { echo "not an SVG document"; return 1; }
	grep -q 'assigned' "$hm/demo.svg" && grep -q 'pressure' "$hm/demo.svg" &&
		[ "$(grep -c '<path' "$hm/demo.svg")" -ge 10 ]
}
t_plots >"$tmp/log" 2>&1
ok $? "plot: a valid PNG and a valid SVG with the curves" "$tmp/log"

t_no_samples() {
	: >"$tmp/empty.jsonl"
	echo '{"t":' >"$tmp/broken.jsonl"
	! python3 "$report" "$tmp/empty.jsonl" "$tmp/e1" &&
		! python3 "$report" "$tmp/broken.jsonl" "$tmp/e2" &&
		[ ! -e "$tmp/e1/demo.png" ] && [ ! -e "$tmp/e2/demo.png" ]
}
t_no_samples >"$tmp/log" 2>&1
ok $? "no samples: an error, no plot" "$tmp/log"

# ---- a recorded run -------------------------------------------------------
rec=$tmp/recorded
python3 "$report" "$data/recorded.jsonl" "$rec" >"$tmp/rec.out" 2>"$tmp/rec.err"
ok $? "report runs on a recorded demo run" "$tmp/rec.err"

# jq: a figure's peak or final value for a VM, from the raw samples.
jqv() { # jqv VM EXPR (over the VM's objects that have stats) max|last
	jq -s --arg vm "$1" "[.[] | .stats.vms[] | select(.name == \$vm and .stats.visible != null) | $2] | $3" \
		"$data/recorded.jsonl"
}

t_recorded_numbers() {
	local vm vms bad=0 key expr agg want got
	cat "$rec/summary.txt"
	vms=$(jq -r '.stats.vms[].name' "$data/recorded.jsonl" | sort -u)
	[ "$(echo "$vms" | wc -w)" -eq 3 ] || { echo "VMs: $vms"; return 1; }
	for vm in $vms; do
		while read -r key expr agg; do
			want=$(jqv "$vm" "$expr" "$agg")
			got=$(tsv "$rec/summary.tsv" "$vm" "$key")
			case $want in
			''|null|*[!0-9]*) echo "$vm $key: jq says '$want'"; bad=1 ;;
			esac
			[ "$want" = "$got" ] || { echo "$vm $key: jq $want, report $got"; bad=1; }
		done <<-EOF
			peak_assigned .stats.visible-.stats.removed max
			final_assigned .stats.visible-.stats.removed last
			peak_demand .stats.demand max
			final_pressure .stats.pressure_cur last
			peak_pressure .stats.pressure_cur max
			final_added .stats.added last
			final_removed .stats.removed last
			final_physical .stats.physical last
			peak_physical .stats.physical max
		EOF
	done
	return $bad
}
t_recorded_numbers >"$tmp/log" 2>&1
ok $? "recorded run: the summary agrees with jq on the raw samples" "$tmp/log"

t_recorded_plots() {
	png_valid "$rec/demo.png" && svg_valid "$rec/demo.svg" &&
		grep -q 'weight 8000' "$rec/demo.svg" &&
		grep -q '3 compete' "$rec/demo.svg"
}
t_recorded_plots >"$tmp/log" 2>&1
ok $? "recorded run: valid plots, titled by VM and phase" "$tmp/log"

ktap_totals
