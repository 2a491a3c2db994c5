#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Test bed benchmark (runs in L1): grow one guest by 512 MiB, by dynmem
# hot-add and by virtio-mem, in the same guest (same QEMU, both devices
# present), BENCH_REPS times each. The clock runs from the request until
# the guest's MemTotal has grown by 512 MiB (probe watch in the guest,
# reported over vsock: a few ms of latency are included).
#
# Layout (tbguest --virtio-mem-size): RAM of STARTUP + REPS x 512 MiB +
# one block, of which the guest boots with STARTUP (mem=); the rest is
# hot-addable (the top block is not: SeaBIOS reserves its last 128 KiB).
# The virtio-mem device (512 MiB) lies above, from 4 GiB.
#
#   dynmem      dynmem_guest loaded, the VM pinned at its visible memory V
#               (startup = minimum = maximum = V); request: one
#               "dynmemctl vm set bench startup S minimum S maximum S"
#               with S = V + 512M: the target rises by 512 MiB, the
#               balloon is empty, so the host offers four
#               128 MiB blocks to hot-add (a host that offers from
#               address 0 up offers the blocks below V first, in the
#               first request of a connection; the guest answers them
#               PRESENT). Hot-added memory stays, so each repeat takes
#               the next 512 MiB of the hot-addable RAM.
#   virtio-mem  dynmem_guest unloaded; request: qom-set of virtio-mem0's
#               requested-size to 512 MiB; afterwards back to 0 (the guest
#               unplugs, MemTotal drops back).
#
# Both requests are timed from the start of their client, which is part
# of the figure: dynmemctl, and tbvsock qmp straight on the QMP socket
# rather than through tbguest's shell, which would add about 0.2 s under
# TCG. The result lines also give the time from the client's exit
# (after_cmd_ms): the change took effect between the two.
#
# The dynmem repeats run first, then the virtio-mem ones: unloading
# dynmem_guest between them would start a new connection, and with it
# whatever the first request of a connection costs, on every repeat.
#
#   tools/testbed/run --host-files DIR --guest-files DIR bench/testbed/grow.sh

. /extra/bench-lib.sh

STARTUP=1024
GROW=512
guest_start $STARTUP $((STARTUP + REPS * GROW + 128)) --virtio-mem-size ${GROW}M

dm_ms='' vm_ms='' dm_after='' vm_after=''
pin || fail "pin"
i=1
while [ $i -le "$REPS" ]; do
	vis=$(field visible)
	high=$(((vis + MiB - 1) / MiB + GROW))
	trace_start || fail "trace"
	out=$(probe time -t 300 \
		"cmd:tbguest exec $G -- probe watch meminfo MemTotal $GROW 300" -- \
		dynmemctl vm set $G startup ${high}M minimum ${high}M maximum ${high}M)
	rc=$?
	echo "$out" | sed 's/^/# /'
	[ $rc -le 1 ] || fail "could not time the dynmem hot-add"
	trace_get >"$tmp/trace"
	t_req=$(trace_time "$tmp/trace" 'dmg_hotadd_req:')
	t_added=$(trace_time "$tmp/trace" 'dmg_hotadd_range:.*status=ADDED' 0 last)
	t_first_added=$(trace_time "$tmp/trace" 'dmg_hotadd_range:.*status=ADDED')
	nreq=$(grep -c 'dmg_hotadd_req:' "$tmp/trace")
	nadd=$(grep -c 'dmg_hotadd_range:.*status=ADDED' "$tmp/trace")
	ms=$(kv ms "$(echo "$out" | grep '^watch 0')")
	cms=$(kv ms "$(echo "$out" | grep '^cmd')")
	echo "result grow dynmem rep=$i memtotal_ms=${ms:-timeout}" \
	     "cmd_ms=$cms after_cmd_ms=$(awk -v a="$ms" -v b="$cms" 'BEGIN { if (a != "") printf "%.1f", a - b }')" \
	     "hotadd_requests=$nreq blocks_added=$nadd" \
	     "guest_first_req_to_last_added_ms=$(ms_between "$t_req" "$t_added")" \
	     "guest_first_added_to_last_added_ms=$(ms_between "$t_first_added" "$t_added")" \
	     "load=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
	[ -n "$ms" ] && dm_ms="$dm_ms $ms"
	[ -n "$ms" ] && dm_after="$dm_after $(awk -v a="$ms" -v b="$cms" 'BEGIN { printf "%.1f", a - b }')"
	i=$((i + 1))
done

dynmem_unload || fail "rmmod dynmem_guest"
vmem='/machine/peripheral/virtio-mem0'
i=1
memtotal_at_most() {
	[ "$(meminfo_kib MemTotal)" -le "$1" ]
}

while [ $i -le "$REPS" ]; do
	base=$(meminfo_kib MemTotal)
	out=$(probe time -t 300 \
		"cmd:tbguest exec $G -- probe watch meminfo MemTotal $GROW 300" -- \
		tbvsock qmp /run/tbguest/$G/qmp.sock "{\"execute\":\"qom-set\",\"arguments\":{\"path\":\"$vmem\",\"property\":\"requested-size\",\"value\":$((GROW * MiB))}}")
	rc=$?
	echo "$out" | sed 's/^/# /'
	[ $rc -le 1 ] || fail "could not time virtio-mem"
	ms=$(kv ms "$(echo "$out" | grep '^watch 0')")
	cms=$(kv ms "$(echo "$out" | grep '^cmd')")
	echo "result grow virtio-mem rep=$i memtotal_ms=${ms:-timeout}" \
	     "cmd_ms=$cms after_cmd_ms=$(awk -v a="$ms" -v b="$cms" 'BEGIN { if (a != "") printf "%.1f", a - b }')" \
	     "load=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
	[ -n "$ms" ] && vm_ms="$vm_ms $ms"
	[ -n "$ms" ] && vm_after="$vm_after $(awk -v a="$ms" -v b="$cms" 'BEGIN { printf "%.1f", a - b }')"
	# Unplug again and wait for MemTotal to come back.
	tbguest qmp $G "{\"execute\":\"qom-set\",\"arguments\":{\"path\":\"$vmem\",\"property\":\"requested-size\",\"value\":0}}" \
		>/dev/null || fail "unplug"
	wait_for 300 memtotal_at_most "$base" || fail "virtio-mem did not unplug"
	i=$((i + 1))
done

summary grow dynmem memtotal_ms $dm_ms
summary grow virtio-mem memtotal_ms $vm_ms
summary grow dynmem after_cmd_ms $dm_after
summary grow virtio-mem after_cmd_ms $vm_after
finish
