#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Tests of hold's check of the memory it holds, as KTAP: hold runs on this
# machine and its pages are changed behind its back through
# /proc/PID/mem, as a host that took a page back too early would change
# them. Run by make -C tools check.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../tools/testbed/ktap.sh"
tmp=$(mktemp -d)
hold=$tmp/hold
export HOLD_STATE=$tmp/state

cleanup() {
	[ -n "${pid:-}" ] && kill -9 "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

gcc -static -O2 -Wall -o "$hold" "$here/hold.c" || exit 1

state_is() {
	i=0
	while [ "$(cat "$HOLD_STATE" 2>/dev/null)" != "$1" ]; do
		i=$((i + 1))
		[ $i -gt 50 ] && { echo "state $(cat "$HOLD_STATE" 2>/dev/null), not $1"; return 1; }
		sleep 0.1
	done
}

# start MIB: hold MIB MiB in the background, until $tmp/stop exists.
start() {
	rm -f "$tmp/stop" "$HOLD_STATE"
	"$hold" "$1" "$tmp/stop" >"$tmp/out" 2>&1 &
	pid=$!
	state_is held
}

# stop: make hold exit; its exit status in $rc.
stop() {
	touch "$tmp/stop"
	wait "$pid"
	rc=$?
	pid=
}

# held_area: the start of the first anonymous mapping of hold of at least
# 2 MiB, in decimal.
held_area() {
	while read -r range perm _ _ inode name; do
		[ "$perm" = rw-p ] && [ "$inode" = 0 ] && [ -z "$name" ] ||
			continue
		s=$(printf %d "0x${range%-*}")
		e=$(printf %d "0x${range#*-}")
		[ $((e - s)) -ge 2097152 ] && { echo "$s"; return; }
	done <"/proc/$pid/maps"
}

# poke OFFSET BYTES: write BYTES zero bytes into hold's memory at OFFSET
# from the start of held_area.
poke() {
	base=$(held_area)
	[ -n "$base" ] || { echo "no held area in /proc/$pid/maps"; return 1; }
	head -c "$2" /dev/zero | dd of="/proc/$pid/mem" bs="$2" count=1 \
		seek=$((base + $1)) oflag=seek_bytes conv=notrunc 2>/dev/null
}

t_clean() {
	start 8 || return 1
	sleep 1.5
	stop
	cat "$tmp/out"
	[ $rc -eq 0 ] && state_is "done"
}

t_zeroed_page() {
	start 8 || return 1
	poke $((4096 * 3)) 4096 || return 1
	state_is corrupt || return 1
	stop
	cat "$tmp/out"
	[ $rc -eq 1 ] && grep -q "holds 0, not 0x4d41524b" "$tmp/out"
}

t_changed_byte() {
	start 8 || return 1
	poke $((4096 * 5 + 100)) 1 || return 1
	sleep 1.5
	# The once-a-second check reads only the marks.
	[ "$(cat "$HOLD_STATE")" = held ] || return 1
	stop
	cat "$tmp/out"
	[ $rc -eq 1 ] && state_is corrupt && grep -q "byte 20576 of step .* holds 0x5a5a5a005a5a5a5a" "$tmp/out"
}

echo "KTAP version 1"
echo "1..3"
check "hold_exits_clean_when_untouched" t_clean
check "hold_reports_a_zeroed_page" t_zeroed_page
check "hold_reports_a_changed_byte_at_exit" t_changed_byte
ktap_totals
