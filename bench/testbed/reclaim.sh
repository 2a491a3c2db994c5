#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Test bed benchmark (runs in L1): reclaim 512 MiB from one guest, by the
# dynmem balloon and by virtio-balloon, side by side in the same guest
# (same QEMU, both devices present), alternating, BENCH_REPS times each.
#
# The clock runs from the request until the QEMU process's RssShmem in
# L1 has dropped by 500 MiB, that is until the host really has the memory
# back. Free guest pages the guest never wrote are not resident, so before
# each measurement the guest writes all its free memory once (hold -p);
# that leaves about 10 MiB unwritten (hold's margin), which a balloon may
# take without freeing anything, hence 500 of the 512 MiB. The drop
# reached in the end is reported too.
#
#   dynmem          dynmem_guest loaded, the VM pinned at its visible
#                   memory V (startup = minimum = maximum = V); request: one
#                   "dynmemctl vm set bench startup S minimum S maximum S"
#                   with S = V - 512M.
#                   The trace of the guest tells when the first balloon
#                   request arrived and when the last was done.
#   virtio-balloon  dynmem_guest unloaded (its balloon goes back), QMP
#                   "balloon" to the current size less 512 MiB. Also timed:
#                   until the guest's MemTotal has dropped by 512 MiB (the
#                   driver takes ballooned pages out of MemTotal), i.e.
#                   until the balloon is inflated.
#
#   tools/testbed/run --host-files DIR --guest-files DIR bench/testbed/reclaim.sh
#
# (bench/run.sh does this.) DIR holds bench-lib.sh and bin/probe, bin/hold.

. /extra/bench-lib.sh

STARTUP=1024
DROP=512
RSS_DROP=500
guest_start $STARTUP 1664 --virtio-balloon --virtio-mem-size 512M

dm_ms='' vb_ms='' vbin_ms=''
i=1
while [ $i -le "$REPS" ]; do
	# dynmem: pin, pre-touch, lower the maximum.
	dynmem_load >/dev/null 2>&1
	state_is running || fail "dynmem_guest did not connect"
	pin || fail "pin"
	wait_for 60 removed_is 0 || fail "balloon not empty"
	say "rep $i: dynmem: pre-touching the guest's free memory"
	gx hold -p || fail "hold -p"
	say "rep $i: dynmem: RssShmem $(rss_kib) kB"
	vis=$(field visible)
	low=$((vis / MiB - DROP))
	trace_start || fail "trace"
	out=$(probe time -t 180 rss:"$pid":$RSS_DROP -- \
		dynmemctl vm set $G startup ${low}M minimum ${low}M maximum ${low}M)
	rc=$?
	echo "$out" | sed 's/^/# /'
	fin=$(final_drop "$out")
	trace_get >"$tmp/trace"
	t_req=$(trace_time "$tmp/trace" 'dmg_balloon_req:')
	t_done=$(trace_time "$tmp/trace" 'dmg_balloon_done:' 0 last)
	nreq=$(grep -c 'dmg_balloon_req:' "$tmp/trace")
	ms=$(kv ms "$(echo "$out" | grep '^watch 0')")
	gd=$(ms_between "$t_req" "$t_done")
	[ $rc -le 1 ] || fail "could not time the dynmem balloon"
	echo "result reclaim dynmem rep=$i rss_ms=${ms:-timeout}" \
	     "balloon_requests=$nreq guest_first_req_to_last_done_ms=$gd" \
	     "rss_ms_less_guest_ms=$(awk -v a="$ms" -v b="$gd" 'BEGIN { if (a != "" && b != "") printf "%.0f", a - b }')" \
	     "rss_drop_final_kib=$fin removed=$(field removed) load=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
	[ -n "$ms" ] && dm_ms="$dm_ms $ms"

	# virtio-balloon: the dynmem balloon goes back, pre-touch, balloon.
	# The record is pinned again while no guest is connected, so that
	# the next connection starts with nothing to do.
	dynmem_unload || fail "rmmod dynmem_guest"
	set_size $pinned || fail "pin"
	say "rep $i: virtio-balloon: pre-touching the guest's free memory"
	gx hold -p || fail "hold -p"
	say "rep $i: virtio-balloon: RssShmem $(rss_kib) kB"
	actual=$(balloon_actual)
	[ -n "$actual" ] || fail "query-balloon"
	want=$((actual - DROP * MiB))
	out=$(probe time -t 300 -g 60 rss:"$pid":$RSS_DROP \
		"cmd:tbguest exec $G -- probe watch meminfo MemTotal -$DROP 300" -- \
		tbguest qmp $G "{\"execute\":\"balloon\",\"arguments\":{\"value\":$want}}")
	rc=$?
	echo "$out" | sed 's/^/# /'
	[ $rc -le 1 ] || fail "could not time virtio-balloon"
	ms=$(kv ms "$(echo "$out" | grep '^watch 0')")
	ims=$(kv ms "$(echo "$out" | grep '^watch 1')")
	fin=$(final_drop "$out")
	echo "result reclaim virtio-balloon rep=$i rss_ms=${ms:-timeout}" \
	     "inflated_ms=${ims:-timeout} rss_drop_final_kib=$fin" \
	     "load=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
	[ -n "$ms" ] && vb_ms="$vb_ms $ms"
	[ -n "$ims" ] && vbin_ms="$vbin_ms $ims"
	# Deflate: back to the whole size.
	tbguest qmp $G "{\"execute\":\"balloon\",\"arguments\":{\"value\":$actual}}" >/dev/null ||
		fail "deflate"
	wait_for 300 balloon_actual_is "$actual" ||
		fail "virtio-balloon did not deflate"
	i=$((i + 1))
done

summary reclaim dynmem rss_ms $dm_ms
summary reclaim virtio-balloon rss_ms $vb_ms
summary reclaim virtio-balloon inflated_ms $vbin_ms
finish
