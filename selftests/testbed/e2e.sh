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
#     nothing is OOM-killed; the program (progs/hold.c) checks that every
#     page it holds keeps what it wrote, here and under contention;
#   - shrink: the program exits; the host balloons the guest down, and the
#     QEMU process's RssShmem drops by the ballooned amount;
#   - a new host period reaches the connected guest;
#   - hot-add offers come from the VM's RAM memslots only;
#   - live changes: a lowered maximum balloons the guest down to it;
#   - the guest driver unloads and reloads mid-operation; QEMU is killed
#     with SIGKILL while attached;
#   - contention: two guests of weights 8000 and 2000 under a pool smaller
#     than both wishes; the targets are the arbiter's (checked with
#     arbiter-sim, the userspace build of the same arbiter), the low-weight
#     guest is ballooned first, and a deeper shortage is shared by weight;
#   - the host module unloads; neither kernel logged a warning or an oops.
#
#   tools/testbed/run --guest-files DIR --host-files HDIR \
#       selftests/testbed/e2e.sh
#
# DIR/bin must hold the static programs hold and hostile, HDIR/bin the
# program arbiter-sim (tools/arbiter/sim.c). KTAP on stdout.

. /mnt/tb/ktap.sh
tmp=$(mktemp -d)
MiB=1048576
G=g1
CID=3
BLOCK=$((128 * MiB))

# diagnose LINE0: after a failed test, what the host logged since line
# LINE0 of its kernel log, and each running guest's last driver lines
# and console lines.
diagnose() {
	echo "host log since the test began:"
	dmesg | tail -n +$(($1 + 1)) |
		grep -E "dynmem|WARNING|BUG|Oops|oom|Out of memory|qemu|kvm|segfault|trap" |
		tail -n 40
	for vm in $(tbguest list); do
		echo "guest $vm, driver log:"
		timeout 20 tbguest exec "$vm" -- dmesg 2>&1 |
			grep -E "dynmem|WARNING|BUG|Oops|oom|hung" | tail -n 25
		echo "guest $vm, driver state and thread:"
		# shellcheck disable=SC2016
		timeout 20 tbguest exec "$vm" -- sh -c '
			cat /sys/devices/virtual/misc/dynmem/state
			grep -E "MemTotal|MemFree|MemAvailable" /proc/meminfo
			[ -f /tmp/hold.state ] &&
				echo "hold: $(cat /tmp/hold.state)" &&
				head -n 8 /tmp/hold.log
			for d in /proc/[0-9]*; do
				[ "$(cat $d/comm 2>/dev/null)" = dynmem ] || continue
				echo "thread ${d#/proc/}: $(cat $d/wchan)"
				cat $d/stack
			done' 2>&1
		echo "guest $vm, console:"
		tail -n 15 "/run/tbguest/$vm/console.log" 2>/dev/null
		echo "guest $vm, QEMU's output:"
		tail -n 15 "/run/tbguest/$vm/qemu.log" 2>/dev/null
	done
}

# e2e_result STATUS NAME: result, or while $defer is set, keep it in
# $tmp/deferred and say it as a comment (see the contention tests).
e2e_result() {
	if [ -n "${defer:-}" ]; then
		echo "$1 $2" >>"$tmp/deferred"
		echo "# $2: status $1 in the first run; the result follows below"
	else
		result "$1" "$2"
	fi
}

check() {
	desc=$1
	shift
	t0=$(date +%s)
	d0=$(dmesg | wc -l)
	"$@" >"$tmp/log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || diagnose "$d0" >>"$tmp/log" 2>&1
	sed 's/^/# /' "$tmp/log"
	echo "# $desc: $(($(date +%s) - t0)) s"
	e2e_result $rc "$desc"
}

gx() {
	tbguest exec $G -- "$@"
}

# field NAME [VM]: a field of "dynmemctl -j -s vm show VM" (default g1),
# number or string.
field() {
	dynmemctl -j -s vm show "${2:-$G}" | tr ',{}' '\n\n\n' |
		sed -n "s/^ *\"$1\": *\"*\([^\"]*\)\"*$/\1/p"
}

# host_field NAME: a field of "dynmemctl -j host show".
host_field() {
	dynmemctl -j host show | tr ',{}' '\n\n\n' |
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

# vm_state_is VM STATE, state_is STATE (of g1)
vm_state_is() {
	[ "$(field state "$1")" = "$2" ]
}

state_is() {
	vm_state_is $G "$1"
}

hold_state_is() {
	[ "$(gx cat /tmp/hold.state)" = "$1" ]
}

# What the VM has: visible memory less the balloon, from the host's figures.
# have_of VM, have (of g1)
have_of() {
	v=$(dynmemctl -j -s vm show "$1" | tr ',{}' '\n\n\n')
	vis=$(echo "$v" | sed -n 's/^ *"visible": *//p')
	rem=$(echo "$v" | sed -n 's/^ *"removed": *//p')
	echo $((${vis:-0} - ${rem:-0}))
}

have() {
	have_of $G
}

have_at_least() {
	[ "$(have)" -ge "$1" ]
}

have_at_most() {
	[ "$(have)" -le "$1" ]
}

# removed_of_above VM BYTES, removed_above BYTES (of g1)
removed_of_above() {
	[ "$(field removed "$1")" -gt "$2" ]
}

removed_above() {
	removed_of_above $G "$1"
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
echo "1..26"
dmesg_start=$(dmesg | wc -l)

# The host's tracepoints: on from setup, checked by host_trace_events.
T=/sys/kernel/tracing
host_trace_on() {
	[ -e $T/trace ] || mount -t tracefs nodev $T || return 1
	echo 8192 >$T/buffer_size_kb && echo >$T/trace &&
		echo 1 >$T/events/dynmem_host/enable
}

t_setup() {
	insmod "$DYNMEM_HOST_KO" || return 1
	host_trace_on || return 1
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

period_is() {
	[ "$(gx cat /sys/devices/virtual/misc/dynmem/report_period_ms)" = "$1" ]
}

# A new host period goes to the connected guest, and back. The host sends
# it at its next tick; the guest reads it once it is done with what it is
# doing, which may be ballooning itself down to its target just after the
# attach: that takes a while under TCG.
t_period() {
	need_guest || return 1
	period_is 100 || { echo "guest period is not the default"; return 1; }
	dynmemctl host set period 250 || return 1
	wait_for 30 period_is 250 || { echo "guest did not get 250 ms"; return 1; }
	dynmemctl host set period 100 || return 1
	wait_for 30 period_is 100 || { echo "guest did not get 100 ms"; return 1; }
	echo "guest period followed 100 -> 250 -> 100 ms"
}
check "period_change_reaches_guest" t_period

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
		   "ballooned more than asked" \
		   "message type not sent from this side"; do
		line="vm $G: protocol violation: $why; dropping connection"
		if l1_dmesg_since | grep -qF "$line"; then
			echo "logged: $line"
		else
			echo "NOT logged: $line"
			ok=1
		fi
	done
	l1_dmesg_since | grep -q "guest speaks protocol 2.0, host 1.1" || ok=1
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

# Offers come from the RAM memslots: never the first block (it holds the
# legacy area below 1 MiB, which is not RAM), never a block past the end
# of RAM; the guest refused no offer as not RAM (status 1).
t_offers() {
	need_guest || return 1
	gx dmesg | tail -n +$((gdmesg_start + 1)) >"$tmp/gdmesg"
	grep -E "hot-add|hot-added" "$tmp/gdmesg"
	grep -q "hot-added" "$tmp/gdmesg" || return 1
	! grep -E "offer \[0x0,|refused \(status 1\)" "$tmp/gdmesg"
}
check "hotadd_offers_only_ram" t_offers

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
	# hold checks every byte it held before it says done.
	wait_for 60 hold_state_is done || {
		echo "hold did not exit clean: $(gx cat /tmp/hold.state)"
		gx cat /tmp/hold.log
		return 1
	}
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

# Every kind of decision and operation of the loop above left its events:
# passes of the arbiter, targets, requests and replies of both kinds, and
# releases that together gave back at least the 256 MiB of the shrink.
t_host_trace() {
	need_guest || return 1
	echo 0 >$T/events/dynmem_host/enable
	grep ' dmh_' $T/trace >"$tmp/trace"
	for e in pass target request reply release set_report session_open \
		violation; do
		echo "dmh_$e: $(grep -c " dmh_$e: " "$tmp/trace")"
		grep " dmh_$e: " "$tmp/trace" | head -n 2
	done
	ok=0
	grep -qE ' dmh_pass: vms=1 pool=[1-9]' "$tmp/trace" || ok=1
	for p in 'target: vm=g1 old=[0-9]+ new=[1-9]' \
		 'request: vm=g1 type=HOTADD_REQ req=[0-9]+ bytes=[1-9][0-9]* offers=[1-9]' \
		 'request: vm=g1 type=BALLOON_REQ req=[0-9]+ bytes=[1-9]' \
		 'reply: vm=g1 type=HOTADD_REPLY req=[0-9]+ bytes=[1-9]' \
		 'reply: vm=g1 type=BALLOON_REPLY req=[0-9]+ bytes=[1-9]' \
		 'release: vm=g1 gpa=0x[0-9a-f]+ len=0x[0-9a-f]+ err=0 ns=[1-9]' \
		 'session_open: vm=g1 cid=3 result=OK ' \
		 'set_report: vm=g1 period_ms=[0-9]' \
		 'violation: vm=g1 cid=3 reason='; do
		grep -qE " dmh_$p" "$tmp/trace" || { echo "no event: $p"; ok=1; }
	done
	released=$(sed -n 's/.* dmh_release: vm=g1 .* len=\(0x[0-9a-f]*\) err=0 .*/\1/p' \
		"$tmp/trace" | while read -r l; do echo $((l)); done |
		awk '{ s += $1 } END { print s + 0 }')
	echo "released without error: $released bytes"
	[ "$released" -ge $((256 * MiB)) ] || ok=1
	return $ok
}
check "host_trace_events" t_host_trace

# The host-wide figures with one VM running: running is 1, available the
# pool less its target, and the pressure its own (the average of one VM,
# weighted or not), read between two reads of the VM's.
t_host_figures() {
	need_guest || return 1
	tg0=$(field target)
	p0=$(field pressure_cur)
	pool=$(host_field pool)
	avail=$(host_field available)
	hp=$(host_field pressure)
	run=$(host_field running)
	p1=$(field pressure_cur)
	tg1=$(field target)
	dynmemctl host show
	echo "pool $pool available $avail target $tg0 $tg1; pressure $hp, VM $p0 then $p1"
	lo=$p0
	hi=$p1
	[ "$lo" -le "$hi" ] || { lo=$p1; hi=$p0; }
	[ "$run" = 1 ] && [ "$tg0" = "$tg1" ] && [ "$avail" -eq $((pool - tg0)) ] &&
		[ "$hp" -ge "$lo" ] && [ "$hp" -le "$hi" ]
}
check "host_figures_of_running_vm" t_host_figures

t_kill() {
	need_guest || return 1
	kill -9 "$pid" || return 1
	wait_for 20 state_is off || return 1
	dynmemctl vm show $G
}
check "vmm_sigkill_detaches" t_kill

# Contention: two guests of weights 8000 (hi) and 2000 (lo), each holding
# 200 MiB with a buffer of 100 %, first with room for both wishes, then
# with a pool smaller than both: the low-weight guest gives memory first,
# the high-weight one keeps its wish; then a pool so small that both are
# cut, by weight.
HI=hi
LO=lo

hx() {
	tbguest exec $HI -- "$@"
}

lx() {
	tbguest exec $LO -- "$@"
}

# near A B SLACK: |A - B| <= SLACK
near() {
	[ $(($1 - $2)) -le "$3" ] && [ $(($2 - $1)) -le "$3" ]
}

# at_target VM: the VM has its target, give or take the step margins.
at_target() {
	near "$(have_of "$1")" "$(field target "$1")" $((24 * MiB))
}

both_at_target() {
	at_target $HI && at_target $LO
}

# Both guests' balloons no longer change for 4 s.
both_settled() {
	a="$(field removed $HI) $(field removed $LO)"
	sleep 4
	b="$(field removed $HI) $(field removed $LO)"
	[ "$a" = "$b" ]
}

# set_pool BYTES: make the pool BYTES by reserving the rest of the host.
set_pool() {
	total=$(host_field total)
	dynmemctl host set reserved $(((total - $1) / 4096 * 4096)) || return 1
	echo "pool $(host_field pool)"
}

# arbiter_check [SLACK]: feed arbiter-sim the pool and both VMs' demand and
# policy as the host sees them; print its targets next to the host's and
# check each is within SLACK (demand moves a little between passes, and
# the host holds a target within its hysteresis of 8 MiB or 1 %).
arbiter_check() {
	slack=${1:-$((24 * MiB))}
	{
		echo "pool $(host_field pool)"
		echo "granule 2M"
		for vm in $HI $LO; do
			echo "vm $(field cid $vm) $(field demand $vm) $(field minimum $vm) $(field maximum $vm) $(field buffer $vm) $(field weight $vm)"
		done
	} >"$tmp/arb.in"
	cat "$tmp/arb.in"
	arbiter-sim <"$tmp/arb.in" >"$tmp/arb.out" || return 1
	cat "$tmp/arb.out"
	sim_hi=$(awk -v k="$(field cid $HI)" '$1 == k { print $3 }' "$tmp/arb.out")
	sim_lo=$(awk -v k="$(field cid $LO)" '$1 == k { print $3 }' "$tmp/arb.out")
	t_hi=$(field target $HI)
	t_lo=$(field target $LO)
	echo "targets: host $t_hi / $t_lo, arbiter-sim $sim_hi / $sim_lo"
	near "$t_hi" "$sim_hi" "$slack" && near "$t_lo" "$sim_lo" "$slack"
}

need_hilo() {
	[ -n "$(tbguest pid $HI 2>/dev/null)" ] &&
		[ -n "$(tbguest pid $LO 2>/dev/null)" ] || { echo "no guests"; return 1; }
}

both_state_is() {
	[ "$(field state $HI)" = "$1" ] && [ "$(field state $LO)" = "$1" ]
}

both_held() {
	[ "$(hx cat /tmp/hold.state)" = held ] &&
		[ "$(lx cat /tmp/hold.state)" = held ]
}

target_of_below() {
	[ "$(field target "$1")" -lt "$2" ]
}

t_contend_setup() {
	set_pool $((2048 * MiB)) || return 1
	dynmemctl vm add $HI startup 256M minimum 128M maximum 1G buffer 100 \
		weight 8000 cid 4 || return 1
	dynmemctl vm add $LO startup 256M minimum 128M maximum 1G buffer 100 \
		weight 2000 cid 5 || return 1
	for vm in $HI $LO; do
		tbguest start $vm --startup 256M --max 1G --cid \
			"$(field cid $vm)" || return 1
		# Boot messages (the emulated CPU makes some) do not count.
		tbguest exec $vm -- dmesg | wc -l >"$tmp/$vm.dmesg0"
		dynmemctl vm set $vm pid "$(tbguest pid $vm)" || return 1
	done
	wait_for 60 both_state_is running || { dynmemctl -s vm show; return 1; }
	hx sh -c 'hold 200 </dev/null >/tmp/hold.log 2>&1 &' || return 1
	lx sh -c 'hold 200 </dev/null >/tmp/hold.log 2>&1 &' || return 1
	wait_for 120 both_held || { echo "hold did not finish"; return 1; }
	# Room for both: each VM gets its wish.
	wait_for 90 both_at_target || { dynmemctl -s vm show; return 1; }
	wait_for 60 both_settled
	dynmemctl -s vm show $HI
	dynmemctl -s vm show $LO
	arbiter_check && grep -q "^status fit" "$tmp/arb.out"
}

# A third guest, without the driver, runs the hostile program while hi and
# lo run: its connections are dropped, theirs are untouched and their
# targets stay within their maximums.
t_hostile_others() {
	need_hilo || return 1
	dynmemctl vm add bad startup 256M minimum 128M maximum 1G cid 6 ||
		return 1
	tbguest start bad --startup 256M --max 1G --cid 6 --no-dynmem ||
		return 1
	dynmemctl vm set bad pid "$(tbguest pid bad)" || return 1
	l1_dmesg_since >"$tmp/before"
	tbguest exec bad -- hostile >"$tmp/hostile" 2>&1
	rc=$?
	cat "$tmp/hostile"
	l1_dmesg_since >"$tmp/after"
	# What the host logged while the hostile program ran.
	tail -n +$(($(wc -l <"$tmp/before") + 1)) "$tmp/after" >"$tmp/during"
	ok=$rc
	grep -q "vm bad: protocol violation" "$tmp/during" || ok=1
	for vm in $HI $LO; do
		a=$(grep -c "vm $vm: guest connected" "$tmp/before")
		b=$(grep -c "vm $vm: guest connected" "$tmp/after")
		echo "$vm: connected $a -> $b times, state $(field state $vm), target $(field target $vm)"
		[ "$a" = "$b" ] || ok=1
		[ "$(field state $vm)" = running ] || ok=1
		[ "$(field target $vm)" -le "$(field maximum $vm)" ] || ok=1
		! grep -E "vm $vm: (protocol violation|guest said goodbye|guest connection closed)" "$tmp/during" || ok=1
	done
	[ "$(field target bad)" -le $((1024 * MiB)) ] || ok=1
	kill -9 "$(tbguest pid bad)"
	wait_for 20 vm_state_is bad off
	dynmemctl vm del bad || ok=1
	return $ok
}

# Lower the pool below both wishes, but above the high-weight guest's wish
# plus the low-weight guest's minimum: only the low-weight guest is cut.
t_contend_lo_first() {
	need_hilo || return 1
	wish_hi=$(field target $HI)
	rem_hi=$(field removed $HI)
	rem_lo=$(field removed $LO)
	wish_lo=$(field target $LO)
	pool=$((wish_hi + wish_lo - 128 * MiB))
	echo "wishes $wish_hi / $wish_lo; pool $pool"
	set_pool $pool || return 1
	wait_for 60 removed_of_above $LO $((rem_lo + 64 * MiB)) ||
		{ dynmemctl -s vm show; return 1; }
	wait_for 60 both_settled
	dynmemctl -s vm show $HI
	dynmemctl -s vm show $LO
	echo "hi: removed $rem_hi -> $(field removed $HI), target $wish_hi -> $(field target $HI)"
	echo "lo: removed $rem_lo -> $(field removed $LO), target $wish_lo -> $(field target $LO)"
	arbiter_check || return 1
	grep -q "^status shared" "$tmp/arb.out" &&
		near "$(field target $HI)" "$wish_hi" $((16 * MiB)) &&
		[ "$(field removed $HI)" -le $((rem_hi + 16 * MiB)) ] &&
		[ "$(field target $LO)" -le $((wish_lo - 96 * MiB)) ]
}

# A pool that cuts both: what is above the minimums is shared 8000:2000.
t_contend_shared() {
	need_hilo || return 1
	pool=$((448 * MiB))
	set_pool $pool || return 1
	wait_for 60 target_of_below $HI $((pool - 128 * MiB)) ||
		{ dynmemctl -s vm show; return 1; }
	wait_for 60 both_settled
	dynmemctl -s vm show $HI
	dynmemctl -s vm show $LO
	arbiter_check || return 1
	t_hi=$(field target $HI)
	t_lo=$(field target $LO)
	above_hi=$((t_hi - 128 * MiB))
	above_lo=$((t_lo - 128 * MiB))
	echo "above the minimum: hi $above_hi, lo $above_lo (pool $pool)"
	grep -q "^status shared" "$tmp/arb.out" &&
		[ $((t_hi + t_lo)) -le "$pool" ] &&
		[ $above_lo -gt 0 ] &&
		[ $((above_hi * 10)) -ge $((above_lo * 35)) ] &&
		[ $((above_hi * 10)) -le $((above_lo * 45)) ]
}

# The pool holds even while a VM cannot be shrunk to its target: raise the
# pool so that hi's target grows while lo stays above its own (at its
# floor); hi may grow only into what the pool has left, so the two
# together never get more than the pool.
t_contend_pool_held() {
	need_hilo || return 1
	hi0=$(have_of $HI)
	lo0=$(have_of $LO)
	pool=$((704 * MiB))
	set_pool $pool || return 1
	sleep 3
	wait_for 60 both_settled
	dynmemctl -s vm show $HI
	dynmemctl -s vm show $LO
	hi1=$(have_of $HI)
	lo1=$(have_of $LO)
	echo "have: hi $hi0 -> $hi1, lo $lo0 -> $lo1; sum $((hi0 + lo0)) -> $((hi1 + lo1)); pool $pool"
	echo "targets: hi $(field target $HI), lo $(field target $LO)"
	if [ "$hi1" -gt $((hi0 + 4 * MiB)) ] || [ "$lo1" -gt $((lo0 + 4 * MiB)) ]; then
		# Something grew: only into the pool.
		[ $((hi1 + lo1)) -le $((pool + 4 * MiB)) ]
	else
		[ $((hi1 + lo1)) -le $((hi0 + lo0 + 4 * MiB)) ]
	fi
}

# The guests under contention neither crashed nor OOM-killed their
# programs, still answer and are still connected, and their programs
# still hold their memory, every page as they wrote it.
t_contend_clean() {
	need_hilo || return 1
	ok=0
	for vm in $HI $LO; do
		# A guest that no longer answers is not clean either.
		if ! timeout 60 tbguest exec $vm -- dmesg >"$tmp/cd.all"; then
			echo "$vm: no kernel log from the guest"
			ok=1
		fi
		tail -n +$(($(cat "$tmp/$vm.dmesg0") + 1)) "$tmp/cd.all" >"$tmp/cd"
		if grep -E "WARNING:|BUG:|Oops|oom-kill|Killed process" "$tmp/cd"; then
			ok=1
		fi
		echo "$vm: driver state $(timeout 60 tbguest exec $vm -- cat /sys/devices/virtual/misc/dynmem/state)"
		[ "$(field state $vm)" = running ] || ok=1
		st=$(timeout 60 tbguest exec $vm -- cat /tmp/hold.state)
		echo "$vm: hold $st"
		[ "$st" = held ] ||
			{ timeout 60 tbguest exec $vm -- cat /tmp/hold.log; ok=1; }
	done
	return $ok
}

t_contend_stop() {
	dynmemctl host set reserved 0 || return 1
	for vm in $HI $LO; do
		kill -9 "$(tbguest pid $vm)" 2>/dev/null
	done
	wait_for 20 both_state_is off || { dynmemctl vm show; return 1; }
	dynmemctl vm del $HI && dynmemctl vm del $LO
}

contention_tests() {
	check "contention_setup_both_get_their_wish" t_contend_setup
	check "hostile_guest_leaves_other_guests_alone" t_hostile_others
	check "contention_low_weight_ballooned_first" t_contend_lo_first
	check "contention_shortage_shared_by_weight" t_contend_shared
	check "contention_growth_stays_within_pool" t_contend_pool_held
	check "contention_guests_clean" t_contend_clean
	check "contention_vmms_killed_records_removed" t_contend_stop
}

# The guests of the contention tests whose QEMU ended by itself with status
# 0: under -no-reboot that is a reset of the guest's CPU (the tests end
# guests only with SIGKILL, status 137).
guests_reset() {
	for vm in $HI $LO bad; do
		[ "$(cat /run/tbguest/$vm/exit 2>/dev/null)" = 0 ] && echo $vm
	done
}

contention_cleanup() {
	dynmemctl host set reserved 0
	for vm in $HI $LO bad; do
		tbguest stop $vm 2>/dev/null
		dynmemctl vm del $vm 2>/dev/null
	done
}

# The contention tests run with three L2 guests at once, where the
# emulated CPU now and then resets one of them (Documentation/testbed.rst,
# "Known problems"). Their results wait until they have all run: when one
# failed and a guest of theirs reset meanwhile, everything of that run
# stays in the log as comments, and the tests run once more, with new
# guests, and count. A reset in the second run, or a failure without a
# reset, fails.
rm -f "$tmp/deferred"
defer=1
contention_tests
defer=
reset=$(guests_reset | xargs)
if [ -n "$reset" ] && grep -qv '^0 ' "$tmp/deferred"; then
	echo "# contention: guest(s) $reset reset in the first run (QEMU ended with status 0); the contention tests run again with new guests"
	contention_cleanup
	contention_tests
else
	while read -r rc desc; do
		result "$rc" "$desc"
	done <"$tmp/deferred"
fi

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
ktap_totals
