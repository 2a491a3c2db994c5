#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Test bed benchmark (runs in L1): how fast dynmem reacts to a guest that
# suddenly needs memory, in reporting periods (the host's period, 100 ms
# by default, which the guest's sysfs report_period_ms shows).
#
# The guest (512 MiB at boot, hot-addable up to 2 GiB) is held at its
# visible memory V by its minimum (startup = minimum = V, maximum 2 GiB,
# buffer 20 %: the default). First its free memory is written once with
# the maximum at V (hold -p), so that the burst's page faults stay inside
# the guest instead of each one going to the emulated L1 host, which makes
# an allocation under TCG much slower than a burst is. Then a burst (probe
# burst) takes memory in 2 MiB steps until what is in use plus its 20 %
# buffer no longer fits in MemTotal, marks that crossing in the trace
# buffer, takes 32 MiB more and waits for MemTotal to grow. The guest's
# trace (events/dynmem_guest and the markers share one clock) gives:
#
#   cross_to_req_ms      the crossing to the host's first HOTADD_REQ after
#                        it (a host that offers from address 0 up may
#                        first offer present blocks in a new connection,
#                        which the guest answers at once)
#   cross_to_added_ms    the crossing to the first block added and online:
#                        memory granted
#   offer_to_added_ms    the HOTADD_REQ that added it to that: hot-add
#   due_ms               the crossing to the first STATUS whose demand puts
#                        the host's wish (demand + 20 %, rounded up to 2 MiB)
#                        above the target by the arbiter's hysteresis
#                        (8 MiB or 1 %) and above MemTotal by 4 MiB: from
#                        then on the host has a reason to act
#
# The goal: memory granted within 2 periods plus the hot-add time. After
# each repeat the burst ends and the minimum rises to the new V, so that
# the host does not balloon the added memory back before the next one.
# The stock drivers have no counterpart: virtio-balloon and virtio-mem
# move memory only when something on the host asks them to.
#
#   tools/testbed/run --host-files DIR --guest-files DIR bench/testbed/reaction.sh

. /extra/bench-lib.sh

STARTUP=512
MAX=2048
guest_start $STARTUP $MAX

period=$(gx cat /sys/devices/virtual/misc/dynmem/report_period_ms)
say "report period ${period} ms"
say "clocksource $(gx cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"

burst_over() {
	gx grep -qE '^(granted|timeout|no crossing)' /tmp/burst.log
}

# due_time TRACE T_CROSS GRANT: the first STATUS after T_CROSS that gives
# the host a reason to grow a VM whose target is GRANT bytes (see above).
due_time() {
	awk -v after="$2" -v grant="$3" '
		/dmg_status:/ && match($0, /[0-9]+\.[0-9]+: /) {
			t = substr($0, RSTART, RLENGTH - 2) + 0
			if (t < after) next
			for (i = 1; i <= NF; i++) {
				split($i, kv, "=")
				f[kv[1]] = kv[2]
			}
			used = f["total"] - f["available"] - f["ballooned"]
			wish = used * 1.2
			g = 2 * 1048576
			wish = int((wish + g - 1) / g) * g
			hyst = grant / 100 > 8 * 1048576 ? grant / 100 : 8 * 1048576
			if (wish - grant >= hyst && wish - f["total"] >= 4 * 1048576) {
				print t
				exit
			}
		}' "$1"
}

req_ms='' added_ms='' offer_ms='' due_ms=''
i=1
while [ $i -le "$REPS" ]; do
	vis=$(field visible)
	v=$(((vis + MiB - 1) / MiB))
	set_size $v || fail "vm set"
	gx hold -p || fail "hold -p"
	dynmemctl vm set $G maximum ${MAX}M || fail "vm set"
	sleep 1
	trace_start || fail "trace"
	gx sh -c 'rm -f /tmp/probe.stop; probe burst 20 32 200 </dev/null >/tmp/burst.log 2>&1 &' ||
		fail "burst"
	wait_for 240 burst_over || fail "burst did not end"
	gx cat /tmp/burst.log | sed 's/^/# burst: /'
	trace_get >"$tmp/trace"
	gx touch /tmp/probe.stop
	t_cross=$(trace_time "$tmp/trace" 'probe: cross')
	[ -n "$t_cross" ] || fail "no crossing in the trace"
	t_req=$(trace_time "$tmp/trace" 'dmg_hotadd_req:' "$t_cross")
	t_added=$(trace_time "$tmp/trace" 'dmg_hotadd_range:.*status=ADDED' "$t_cross")
	# The request that added it: the last one before.
	t_offer=$(awk -v until="$t_added" '/dmg_hotadd_req:/ &&
		match($0, /[0-9]+\.[0-9]+: /) {
			t = substr($0, RSTART, RLENGTH - 2) + 0
			if (t > until) exit
			v = t
		}
		END { if (v != "") print v }' "$tmp/trace")
	t_due=$(due_time "$tmp/trace" "$t_cross" $((v * MiB)))
	r=$(ms_between "$t_cross" "$t_req")
	a=$(ms_between "$t_cross" "$t_added")
	o=$(ms_between "$t_offer" "$t_added")
	d=$(ms_between "$t_cross" "$t_due")
	echo "result reaction dynmem rep=$i" \
	     "cross_to_req_ms=$r cross_to_req_periods=$(ratio "$r" "$period")" \
	     "cross_to_added_ms=$a cross_to_added_periods=$(ratio "$a" "$period")" \
	     "offer_to_added_ms=$o due_ms=$d" \
	     "requests=$(awk -v a="$t_cross" -v b="$t_added" '/dmg_hotadd_req:/ &&
			match($0, /[0-9]+\.[0-9]+: /) { t = substr($0, RSTART, RLENGTH - 2) + 0
			if (t >= a && t <= b) n++ } END { print n + 0 }' "$tmp/trace")" \
	     "load=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
	grep -E 'probe:|dmg_hotadd|dmg_status' "$tmp/trace" |
		awk -v c="$t_cross" 'match($0, /[0-9]+\.[0-9]+: /) {
			t = substr($0, RSTART, RLENGTH - 2) + 0
			if (t >= c - 0.25 && t <= c + 2) print "# trace: " $0 }' |
		head -n 40
	[ -n "$r" ] && req_ms="$req_ms $r"
	[ -n "$a" ] && added_ms="$added_ms $a"
	[ -n "$o" ] && offer_ms="$offer_ms $o"
	[ -n "$d" ] && due_ms="$due_ms $d"
	# The burst ends; wait for its memory to be free again.
	wait_for 30 sh -c "! tbguest exec $G -- pidof probe"
	i=$((i + 1))
done

summary reaction dynmem cross_to_req_ms $req_ms
summary reaction dynmem cross_to_added_ms $added_ms
summary reaction dynmem offer_to_added_ms $offer_ms
summary reaction dynmem due_ms $due_ms
finish
