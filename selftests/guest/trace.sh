#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Test bed scenario (runs in the L1 host): the tracepoints of
# dynmem_guest.ko. One guest, 256 MiB at boot, 512 MiB of RAM in its
# firmware map, driven by the userspace fake host (tools/fakehost); the
# events of events/dynmem_guest/ in the guest's tracefs must show what the
# fake host saw, figure for figure. KTAP on stdout. Run by
# selftests/guest/run.sh.

. /mnt/tb/ktap.sh
KTAP_LOG=all
tmp=$(mktemp -d)
out=$tmp/fakehost.out
G=t1
T=/sys/kernel/tracing
EVENTS="dmg_state dmg_handshake dmg_status dmg_set_report dmg_hotadd_req
dmg_hotadd_range dmg_balloon_req dmg_balloon_done dmg_unballoon_req
dmg_unballoon_done dmg_ranges_sent dmg_oom_deflate dmg_balloon_ack
dmg_balloon_release dmg_violation dmg_goodbye dmg_backoff"

# fh CMD...: have the fake host run one command; its output lines are
# left in $tmp/fh; the status is 0 when it printed "done N".
fh_n=0
fh() {
	fh_n=$((fh_n + 1))
	before=$(wc -l <"$out")
	echo "$*" >&7
	i=0
	while ! grep -q "^\(done\|fail\) $fh_n " "$out"; do
		i=$((i + 1))
		[ $i -gt 3000 ] && { echo "fake host: no answer to $*"; return 1; }
		sleep 0.2
	done
	tail -n +$((before + 1)) "$out" >"$tmp/fh"
	cat "$tmp/fh"
	grep -q "^done $fh_n " "$tmp/fh"
}

gx() {
	tbguest exec $G -- "$@"
}

sysfs() {
	gx cat /sys/devices/virtual/misc/dynmem/"$1"
}

# ev EVENT: the guest's trace lines of EVENT, into $tmp/ev.
ev() {
	gx grep " $1: " $T/trace >"$tmp/ev"
	cat "$tmp/ev"
	[ -s "$tmp/ev" ]
}

# wait_ev EVENT PATTERN: a line of EVENT matching PATTERN appears within
# 30 s (events of the session thread may trail the message it sent).
wait_ev() {
	i=0
	while ! gx grep " $1: .*$2" $T/trace >"$tmp/ev"; do
		i=$((i + 1))
		[ $i -gt 60 ] && { echo "no $1 event matching '$2'"; ev "$1"; return 1; }
		sleep 0.5
	done
	cat "$tmp/ev"
}

clear_trace() {
	gx sh -c "echo >$T/trace"
}

# val KEY [FILE]: the value of KEY=VALUE in the last line of FILE.
val() {
	sed -n "s/.*[ :]$1=\([^ ]*\).*/\1/p" "${2:-$tmp/ev}" | tail -n 1
}

# hotadd_results FILE: start, len, added and status of each hot-add
# result line in FILE, numbers in decimal (the kernel prints 0 as 0x0).
hotadd_results() {
	sed -n 's/.*start=\([^ ]*\) len=\([^ ]*\) added=\([^ ]*\) status=\([^ ]*\).*/\1 \2 \3 \4/p' "$1" |
	while read -r a b c d; do
		echo "$((a)) $((b)) $((c)) $d"
	done
}

# sum KEY FILE: the sum of KEY over the lines of FILE.
sum() {
	sed -n "s/.*[ :]$1=\([0-9]*\).*/\1/p" "$2" | awk '{ s += $1 } END { print s + 0 }'
}

echo "KTAP version 1"
echo "1..11"

mkfifo "$tmp/in"
fakehost --cid 3 <"$tmp/in" >"$out" 2>&1 &
fhpid=$!
exec 7>"$tmp/in"

t_events() {
	tbguest start $G --startup 256M --max 512M --cid 3 || return 1
	gx sh -c "grep -q ' $T ' /proc/mounts || mount -t tracefs nodev $T" ||
		return 1
	gx ls $T/events/dynmem_guest >"$tmp/list" || return 1
	for e in $EVENTS; do
		grep -qx "$e" "$tmp/list" || { echo "no event $e"; return 1; }
		gx grep -q "^print fmt" $T/events/dynmem_guest/"$e"/format ||
			return 1
	done
	echo "$(echo "$EVENTS" | wc -w) events in $T/events/dynmem_guest"
}
check "tracefs_lists_every_event" t_events

t_handshake() {
	gx sh -c "echo 1 >$T/events/dynmem_guest/enable" || return 1
	[ "$(gx cat $T/events/dynmem_guest/enable)" = 1 ] || return 1
	fh accept 120 || return 1
	wait_ev dmg_state "from=handshake to=connected err=0 reason=WELCOME accepted" ||
		return 1
	wait_ev dmg_handshake "result=OK" || return 1
	caps=$(sysfs capabilities)
	echo "sysfs capabilities $caps"
	[ "$(val host)" = "$(sysfs protocol)" ] && [ "$(val caps)" = "$caps" ] &&
		[ "$(val host_caps)" = 0x1f ] && [ "$(val err)" = 0 ]
}
check "handshake_event_has_version_and_caps" t_handshake

t_status() {
	fh set-report 200 16M || return 1
	wait_ev dmg_set_report "period_ms=200 threshold=16777216" || return 1
	fh set-report 100 0 || return 1
	wait_ev dmg_set_report "period_ms=100 threshold=0" || return 1
	fh wait-status 3 30 || return 1
	seq=$(val seq "$tmp/fh")
	[ -n "$seq" ] || return 1
	wait_ev dmg_status "seq=$seq " || return 1
	grep "seq=$seq " "$tmp/ev" >"$tmp/st"
	for k in total available free committed ballooned hot_added; do
		a=$(val $k "$tmp/st")
		b=$(val $k "$tmp/fh")
		echo "seq $seq $k: traced $a, received $b"
		[ -n "$a" ] && [ "$a" = "$b" ] || return 1
	done
	[ "$(val urgent "$tmp/st")" = 0 ]
}
check "status_event_matches_report_received" t_status

t_hotadd() {
	clear_trace || return 1
	fh hotadd 0x10000000 0x8000000 0x40000000 0x8000000 || return 1
	wait_ev dmg_hotadd_req "ranges=2" || return 1
	ev dmg_hotadd_range || return 1
	[ "$(wc -l <"$tmp/ev")" -eq 2 ] || return 1
	grep "^hotadd start=" "$tmp/fh" >"$tmp/want"
	want=$(hotadd_results "$tmp/want")
	got=$(hotadd_results "$tmp/ev")
	echo "fake host: $want"
	echo "traced:    $got"
	[ "$want" = "$got" ] &&
		[ "$got" = "$(printf '%s\n' '268435456 134217728 134217728 ADDED' \
			'1073741824 134217728 0 NOT_RAM')" ]
}
check "hotadd_events_match_reply" t_hotadd

# t_bytes OP BYTES: (un)balloon BYTES; the request, per-reply and done
# events must match what the fake host received.
t_bytes() {
	op=$1
	type=$(echo "${op}_REPLY" | tr "[:lower:]" "[:upper:]")
	clear_trace || return 1
	fh "$op" "$2" || return 1
	grep "^$op total=" "$tmp/fh" >"$tmp/total"
	grep "^$op req=" "$tmp/fh" >"$tmp/replies"
	got=$(val total "$tmp/total")
	req=$(val req "$tmp/replies")
	ranges=$(sum ranges "$tmp/replies")
	echo "fake host: req $req, $got bytes in $ranges ranges"
	wait_ev "dmg_${op}_done" "req=$req " || return 1
	[ "$(val asked)" = "$(val asked "$tmp/total")" ] &&
		[ "$(val got)" = "$got" ] && [ "$(val ranges)" = "$ranges" ] &&
		[ "$(val err)" = 0 ] || return 1
	st=$(val status)
	wait_ev "dmg_${op}_req" "req=$req bytes=$(val asked "$tmp/total")\$" ||
		return 1
	ev dmg_ranges_sent >/dev/null || return 1
	grep "type=$type req=$req " "$tmp/ev" >"$tmp/sent"
	echo "$(wc -l <"$tmp/sent") $type events, status $st"
	[ "$(wc -l <"$tmp/sent")" -eq "$(wc -l <"$tmp/replies")" ] &&
		[ "$(sum bytes "$tmp/sent")" = "$got" ] &&
		[ "$(sum ranges "$tmp/sent")" = "$ranges" ] &&
		[ "$(sysfs driver_locked_bytes)" = "$3" ] &&
		[ "$st" = "$4" ]
}
check "balloon_64M_events_match_reply" t_bytes balloon 64M 67108864 DONE
check "unballoon_32M_events_match_reply" t_bytes unballoon 32M 33554432 DONE
check "unballoon_more_than_held_says_empty" t_bytes unballoon 64M 0 EMPTY

t_violation() {
	clear_trace || return 1
	fh bad-seq || return 1
	fh wait-goodbye 30 || return 1
	grep -q "^goodbye reason=4" "$out" || return 1
	wait_ev dmg_violation "type=SET_REPORT .*reason=sequence number skipped or repeated" ||
		return 1
	wait_ev dmg_goodbye "sent reason=PROTOCOL" || return 1
	wait_ev dmg_state "from=connected to=backoff err=-71 reason=protocol violation" ||
		return 1
	# A WELCOME reset the wait: the first one is the shortest.
	wait_ev dmg_backoff "err=-71 delay_ms=250" || return 1
	fh accept 60 || return 1
	wait_ev dmg_state "to=connected"
}
check "violation_goodbye_backoff_events" t_violation

# Balloon 64 MiB, then have one process in the guest touch more memory
# than is left: the OOM notifier takes pages back from the balloon, and
# the events must add up to what sysfs and the fake host report.
t_oom() {
	fh balloon 64M || return 1
	clear_trace || return 1
	mark=$(wc -l <"$out")
	gx timeout 300 dd if=/dev/zero of=/dev/null bs=314572800 count=1
	echo "dd: exit status $?"
	fh wait-status 5 30 || return 1
	ev dmg_oom_deflate || return 1
	traced=$(sum bytes "$tmp/ev")
	defl=$(sysfs deflated_bytes)
	locked=$(sysfs driver_locked_bytes)
	tail -n +$((mark + 1)) "$out" | grep "^deflate " >"$tmp/defl"
	sent=$(sum bytes "$tmp/defl")
	echo "traced $traced, deflated_bytes $defl, fake host got $sent, locked $locked"
	grep -q "allowed=1" "$tmp/ev" && [ "$traced" -gt 0 ] &&
		[ "$traced" = "$defl" ] && [ "$sent" = "$defl" ] &&
		[ $((67108864 - defl)) = "$locked" ] || return 1
	ev dmg_ranges_sent >/dev/null || return 1
	grep "type=DEFLATE" "$tmp/ev" >"$tmp/sent"
	[ "$(sum bytes "$tmp/sent")" = "$defl" ]
}
check "oom_deflate_events_add_up" t_oom

# The host releases the memory of a BALLOON_REPLY when it reads it. Until
# it acknowledges the reply, the OOM notifier must leave those pages
# alone: the host could still release them after the guest reused them.
# The fake host holds its acknowledgment back: the guest runs out of
# memory and must not deflate, and an unballoon gets nothing; once the
# reply is acknowledged, the unballoon gets all of it (t_oom showed that
# acknowledged pages deflate).
t_oom_unacked() {
	fh unballoon 256M || return 1
	[ "$(sysfs driver_locked_bytes)" = 0 ] || return 1
	fh ack off || return 1
	fh balloon 64M || return 1
	grep -q "^balloon total=67108864 " "$tmp/fh" || return 1
	! grep -q "^ack " "$tmp/fh" || return 1
	unacked=$(sysfs unacked_bytes)
	defl0=$(sysfs deflated_bytes)
	echo "held back: unacked_bytes $unacked, deflated_bytes $defl0"
	[ "$unacked" = 67108864 ] || return 1
	clear_trace || return 1
	mark=$(wc -l <"$out")
	# The OOM killer as sysrq f runs it: the notifier, then a kill, of a
	# process set up to be the victim. A real shortage takes minutes to
	# reach the OOM killer under emulation when nothing can be deflated.
	gx sh -c 'sh -c "echo 1000 >/proc/self/oom_score_adj; exec sleep 600" </dev/null >/dev/null 2>&1 &
		sleep 1; echo f >/proc/sysrq-trigger; sleep 1' || return 1
	fh wait-status 5 30 || return 1
	defl1=$(sysfs deflated_bytes)
	locked=$(sysfs driver_locked_bytes)
	ev dmg_oom_deflate >/dev/null
	echo "unacknowledged: deflated_bytes $defl0 -> $defl1, locked $locked, oom events $(wc -l <"$tmp/ev")"
	[ "$defl1" = "$defl0" ] && [ "$locked" = 67108864 ] &&
		[ -s "$tmp/ev" ] || return 1
	! grep -v " pages=0 " "$tmp/ev" || return 1
	! tail -n +$((mark + 1)) "$out" | grep "^deflate " || return 1
	fh unballoon 64M || return 1
	grep -q "^unballoon total=0 .* status=3$" "$tmp/fh" || return 1

	fh ack send || return 1
	wait_ev dmg_balloon_ack "bytes=67108864\$" || return 1
	[ "$(sysfs unacked_bytes)" = 0 ] || return 1
	fh ack on || return 1
	fh unballoon 64M || return 1
	grep -q "^unballoon total=67108864 .* status=0$" "$tmp/fh" &&
		[ "$(sysfs driver_locked_bytes)" = 0 ]
}
check "oom_deflate_waits_for_balloon_ack" t_oom_unacked

# A host of protocol 1.0 knows no BALLOON_ACK: the guest must not wait for
# one, its balloon pages are free to deflate at once.
t_host_without_ack() {
	clear_trace || return 1
	fh caps 0xf || return 1
	fh close || return 1
	fh accept 60 || return 1
	wait_ev dmg_state "to=connected" || return 1
	caps=$(sysfs capabilities)
	fh balloon 32M || return 1
	acks=$(grep -c "^ack " "$tmp/fh")
	unacked=$(sysfs unacked_bytes)
	locked=$(sysfs driver_locked_bytes)
	echo "capabilities $caps, unacked_bytes $unacked, locked $locked, acks sent $acks"
	fh caps 0x1f || return 1
	[ "$caps" = 0xf ] && [ "$unacked" = 0 ] && [ "$locked" = 33554432 ] &&
		[ "$acks" = 0 ]
}
check "host_without_ack_capability_is_not_waited_for" t_host_without_ack

t_disable() {
	gx sh -c "echo 0 >$T/events/dynmem_guest/enable" || return 1
	clear_trace || return 1
	fh wait-status 5 30 || return 1
	n=$(gx grep -c " dmg_" $T/trace)
	echo "$n events after disabling"
	[ "$n" = 0 ]
}
check "disabled_events_stay_quiet" t_disable

# From the driver's load on; the OOM report of t_oom prints a call trace
# on purpose: look for warnings and crashes only.
t_dmesg() {
	gx dmesg >"$tmp/dmesg"
	sed -n '/dynmem_guest: Virtual Dynamic Memory driver loaded/,$p' "$tmp/dmesg" >"$tmp/ours"
	grep dynmem "$tmp/ours"
	[ -s "$tmp/ours" ] && ! grep -n "WARNING:\|BUG:\|Oops" "$tmp/ours"
}
check "no_warning_in_guest_log" t_dmesg

exec 7>&-
sleep 1
kill "$fhpid" 2>/dev/null
echo "# fake host output:"
sed 's/^/# /' "$out" | grep -v "^# status " | tail -n 40
tbguest stop $G >/dev/null 2>&1
rm -rf "$tmp"
[ $failed -eq 0 ]
