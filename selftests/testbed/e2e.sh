#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Test bed scenario (runs in the L1 host): dynmem end to end. One guest
# with dynmem_guest.ko, 256 MiB at boot and up to 1 GiB, under
# dynmem_host.ko with its closed loop:
#
#   - the guest connects once its VM record is attached;
#   - a hostile program in the guest (progs/hostile.c) breaks the protocol
#     in every way it can; the host drops it with a log line naming the VM;
#   - grow: a program takes and holds 500 MiB; memory is hot-added and
#     nothing is OOM-killed;
#   - shrink: the program exits; the host balloons the guest down, and the
#     QEMU process's RssShmem drops by the ballooned amount;
#   - live changes: a lowered maximum balloons the guest down to it;
#   - the guest driver unloads and reloads mid-operation; QEMU is killed
#     with SIGKILL while attached; the host module unloads; neither kernel
#     logged a warning or an oops.
#
#   tools/testbed/run --guest-files DIR selftests/testbed/e2e.sh
#
# DIR/bin must hold the static programs hold and hostile. KTAP on stdout.

nr=0
failed=0
tmp=$(mktemp -d)
MiB=1048576
G=g1
CID=3
BLOCK=$((128 * MiB))

result() {
	nr=$((nr + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $nr $2"
	else
		echo "not ok $nr $2"
		failed=$((failed + 1))
	fi
}

check() {
	desc=$1
	shift
	"$@" >"$tmp/log" 2>&1
	rc=$?
	sed 's/^/# /' "$tmp/log"
	result $rc "$desc"
}

gx() {
	tbguest exec $G -- "$@"
}

# field NAME: a field of "dynmemctl -j -s vm show g1", number or string.
field() {
	dynmemctl -j -s vm show $G | tr ',{}' '\n\n\n' |
		sed -n "s/^ *\"$1\": *\"*\([^\"]*\)\"*$/\1/p"
}

meminfo() { # FIELD: bytes, in the guest
	gx cat /proc/meminfo | awk -v f="$1:" '$1 == f { print $2 * 1024 }'
}

locked() { # the guest driver's balloon, bytes
	gx cat /sys/devices/virtual/misc/dynmem/driver_locked_bytes
}

rss_shmem() { # bytes
	kb=$(awk '$1 == "RssShmem:" { print $2 }' /proc/"$pid"/status)
	echo $((kb * 1024))
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds; 1 on timeout.
wait_for() {
	end=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge $end ] && return 1
		sleep 0.5
	done
}

# Tests that need the guest fail at once without it.
need_guest() {
	[ -n "$pid" ] && [ -d /proc/"$pid" ] || { echo "no guest"; return 1; }
}

state_is() {
	[ "$(field state)" = "$1" ]
}

hold_state_is() {
	[ "$(gx cat /tmp/hold.state)" = "$1" ]
}

# What the VM has: visible memory less the balloon, from the host's figures.
have() {
	v=$(dynmemctl -j -s vm show $G | tr ',{}' '\n\n\n')
	vis=$(echo "$v" | sed -n 's/^ *"visible": *//p')
	rem=$(echo "$v" | sed -n 's/^ *"removed": *//p')
	echo $((${vis:-0} - ${rem:-0}))
}

have_at_least() {
	[ "$(have)" -ge "$1" ]
}

have_at_most() {
	[ "$(have)" -le "$1" ]
}

removed_above() {
	[ "$(field removed)" -gt "$1" ]
}

# The balloon no longer changes for 4 s.
settled() {
	a=$(field removed)
	sleep 4
	b=$(field removed)
	echo "removed $a -> $b"
	[ -n "$a" ] && [ "$a" = "$b" ]
}

l1_dmesg_since() {
	dmesg | tail -n +$((dmesg_start + 1))
}

echo "KTAP version 1"
echo "1..15"
dmesg_start=$(dmesg | wc -l)

t_setup() {
	insmod "$DYNMEM_HOST_KO" || return 1
	dynmemctl vm add $G startup 256M minimum 128M maximum 1G buffer 20 \
		cid $CID || return 1
	tbguest start $G --startup 256M --max 1G --cid $CID || return 1
	pid=$(tbguest pid $G)
	echo "QEMU pid $pid"
	gx dmesg >"$tmp/gdmesg0"
	# Not attached yet: the host refuses the guest.
	wait_for 30 sh -c "dmesg | grep -q 'refused connection from unknown CID $CID'"
}
check "setup_unattached_guest_refused" t_setup
pid=$(tbguest pid $G 2>/dev/null)
# Boot messages of the guest (the emulated CPU makes some) do not count.
gdmesg_start=$(wc -l <"$tmp/gdmesg0" 2>/dev/null || echo 0)

t_attach() {
	need_guest || return 1
	dynmemctl vm set $G pid "$pid" || return 1
	# The guest retries with a backoff of at most 8 s.
	wait_for 30 state_is running || { dynmemctl -s vm show $G; return 1; }
	wait_for 10 sh -c "[ -n \"\$(dynmemctl -j -s vm show $G | grep demand)\" ]"
	dynmemctl -s vm show $G
	[ "$(gx cat /sys/devices/virtual/misc/dynmem/state)" = connected ]
}
check "attach_guest_connects" t_attach

# Unload the driver while the host may be ballooning the guest down to its
# minimum: the balloon goes back to the guest, the record stays attached.
t_unload() {
	need_guest || return 1
	gx rmmod dynmem_guest || return 1
	wait_for 10 state_is attached || return 1
	l1_dmesg_since | grep "vm $G: guest said goodbye"
}
check "guest_driver_unload_mid_operation" t_unload

t_hostile() {
	need_guest || return 1
	gx hostile >"$tmp/hostile" 2>&1
	rc=$?
	cat "$tmp/hostile"
	ok=$rc
	for why in "length field above the maximum message size" \
		   "payload size wrong for the message type" \
		   "sequence number skipped or repeated" \
		   "unballoon reply to no unballoon request" \
		   "range not in the balloon" \
		   "range outside the VM's RAM" \
		   "range ballooned already" \
		   "ballooned more than asked"; do
		line="vm $G: protocol violation: $why; dropping connection"
		if l1_dmesg_since | grep -qF "$line"; then
			echo "logged: $line"
		else
			echo "NOT logged: $line"
			ok=1
		fi
	done
	l1_dmesg_since | grep -q "guest speaks protocol 2.0, host 1.0" || ok=1
	[ "$(field maximum)" -le $((1024 * MiB)) ] || ok=1
	[ "$(field target)" -le $((1024 * MiB)) ] || ok=1
	return $ok
}
check "hostile_guest_dropped_and_logged" t_hostile

t_reload() {
	need_guest || return 1
	gx insmod /lib/modules/dynmem_guest.ko || return 1
	wait_for 30 state_is running || return 1
	gx cat /proc/uptime
}
check "guest_driver_reload_reconnects" t_reload

# Grow: hold 500 MiB.
t_grow() {
	need_guest || return 1
	total0=$(meminfo MemTotal)
	echo "MemTotal before $total0"
	gx sh -c 'hold 500 </dev/null >/tmp/hold.log 2>&1 &' || return 1
	wait_for 240 hold_state_is held ||
		{ gx cat /tmp/hold.state /tmp/hold.log; dynmemctl -s vm show $G; return 1; }
	sleep 3
	dynmemctl -s vm show $G
	total=$(meminfo MemTotal)
	demand=$(field demand)
	visible=$(field visible)
	removed=$(field removed)
	echo "MemTotal $total, host: visible $visible demand $demand removed $removed"
	want=$((demand * 12 / 10 / BLOCK * BLOCK))
	[ "$total" -gt "$total0" ] && [ "$(field added)" -gt 0 ] &&
		[ "$total" -ge "$want" ] &&
		[ $((visible - removed)) -ge $((demand * 12 / 10 - 16 * MiB)) ]
}
check "grow_hotadds_for_500M" t_grow

t_no_oom() {
	need_guest || return 1
	gx dmesg >"$tmp/gdmesg"
	! grep -iE "out of memory|oom-kill|killed process" "$tmp/gdmesg"
}
check "grow_no_oom_kill" t_no_oom

# Shrink: the program exits; the balloon grows, and host memory drops.
# Free guest pages the guest never wrote are not resident in the host, and
# releasing them frees nothing: first, with no room to grow, the guest
# writes all its free memory once (hold -p), so that every page it can
# balloon is resident.
t_shrink() {
	need_guest || return 1
	vis=$(field visible)
	dynmemctl vm set $G maximum $(((vis + MiB - 1) / MiB))M || return 1
	gx hold -p || return 1
	dynmemctl vm set $G maximum 1G || return 1
	total0=$(meminfo MemTotal)
	rss0=$(rss_shmem)
	lock0=$(locked)
	gx touch /tmp/hold.stop || return 1
	wait_for 20 hold_state_is done || { echo "hold did not exit"; return 1; }
	wait_for 120 removed_above $((lock0 + 256 * MiB)) ||
		{ dynmemctl -s vm show $G; return 1; }
	wait_for 60 settled
	lock1=$(locked)
	removed=$(field removed)
	rss1=$(rss_shmem)
	total1=$(meminfo MemTotal)
	dynmemctl -s vm show $G
	echo "MemTotal $total0 -> $total1; driver locked $lock0 -> $lock1 (host: removed $removed); RssShmem $rss0 -> $rss1"
	ballooned=$((lock1 - lock0))
	[ "$total1" = "$total0" ] && [ "$lock1" = "$removed" ] &&
		[ $ballooned -gt 0 ] &&
		[ $((rss0 - rss1)) -ge $((ballooned * 9 / 10)) ]
}
check "shrink_balloons_and_frees_host_memory" t_shrink

t_wish() {
	need_guest || return 1
	target=$(field target)
	visible=$(field visible)
	removed=$(field removed)
	echo "target $target, visible $visible, removed $removed"
	# The guest may stop at its floor; it gets no more than its target
	# plus the shrinking margin.
	[ $((visible - removed)) -le $((target + 64 * MiB)) ]
}
check "shrink_reaches_target" t_wish

# Live change: raise the minimum (and the startup) to 512M; the guest
# grows to it, from its balloon first: no hot-add.
t_minimum() {
	need_guest || return 1
	ops0=$(field hotadd_ops)
	dynmemctl vm set $G startup 512M minimum 512M || return 1
	wait_for 90 have_at_least $((512 * MiB - 4 * MiB)) ||
		{ dynmemctl -s vm show $G; return 1; }
	dynmemctl -s vm show $G
	[ "$(field hotadd_ops)" = "$ops0" ]
}
check "live_minimum_raised_grows" t_minimum

# Live change: lower the maximum to 384M (the guest has 512M); with a
# buffer of 1000% its wish is above that, so the maximum alone sets the
# target, and the guest is ballooned down to it.
t_maximum() {
	need_guest || return 1
	echo "has $(have)"
	[ "$(have)" -gt $((384 * MiB + 8 * MiB)) ] || return 1
	dynmemctl vm set $G minimum 128M startup 256M maximum 384M \
		buffer 1000 || return 1
	wait_for 90 have_at_most $((384 * MiB + 8 * MiB)) ||
		{ dynmemctl -s vm show $G; return 1; }
	dynmemctl -s vm show $G
	[ "$(field target)" -eq $((384 * MiB)) ]
}
check "live_maximum_lowered_balloons" t_maximum

t_guest_clean() {
	need_guest || return 1
	gx dmesg | tail -n +$((gdmesg_start + 1)) >"$tmp/gdmesg"
	! grep -E "WARNING:|BUG:|Oops|Call Trace" "$tmp/gdmesg"
}
check "guest_log_clean" t_guest_clean

t_kill() {
	need_guest || return 1
	kill -9 "$pid" || return 1
	wait_for 20 state_is off || return 1
	dynmemctl vm show $G
}
check "vmm_sigkill_detaches" t_kill

t_unload_host() {
	dynmemctl vm del $G || return 1
	rmmod dynmem_host
}
check "host_module_unloads" t_unload_host

t_host_clean() {
	l1_dmesg_since | grep -q "Dynamic Memory host unloaded" ||
		{ echo "the host module did not unload"; return 1; }
	l1_dmesg_since >"$tmp/l1dmesg"
	! grep -E "WARNING:|BUG:|Oops|Call Trace|kmem_cache_destroy" "$tmp/l1dmesg"
}
check "host_log_clean" t_host_clean

# For the record: what the host said.
l1_dmesg_since | grep dynmem_host | tail -n 60 | sed 's/^/# /'

rm -rf "$tmp"
echo "# Totals: pass:$((nr - failed)) fail:$failed skip:0"
[ "$failed" -eq 0 ]
