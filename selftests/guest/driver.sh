#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Test bed scenario (runs in the L1 host): dynmem_guest.ko against the
# userspace fake host (tools/fakehost), which plays the host side of the
# protocol on vsock port 28004 in L1. One guest, 256 MiB at boot, 512 MiB
# of RAM in its firmware map. KTAP on stdout. Run by selftests/guest/run.sh.

. /mnt/tb/ktap.sh
KTAP_LOG=all
tmp=$(mktemp -d)
out=$tmp/fakehost.out
G=g1

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

meminfo() {
	gx cat /proc/meminfo | sed -n "s/^$1: *\([0-9]*\) kB/\1/p"
}

# wait_sysfs ATTR VALUE: the guest's attribute reaches VALUE within 30 s.
wait_sysfs() {
	i=0
	while [ "$(sysfs "$1" 2>/dev/null)" != "$2" ]; do
		i=$((i + 1))
		[ $i -gt 60 ] && { echo "$1 is '$(sysfs "$1")', want '$2'"; return 1; }
		sleep 0.5
	done
	echo "$1 = $2"
}

field() {
	sed -n "s/.*[ ]$1=\([^ ]*\).*/\1/p" "$tmp/fh" | tail -n 1
}

echo "KTAP version 1"
echo "1..18"

mkfifo "$tmp/in"
fakehost --cid 3 <"$tmp/in" >"$out" 2>&1 &
fhpid=$!
exec 7>"$tmp/in"

t_start() {
	tbguest start $G --startup 256M --max 512M --cid 3 &&
		fh accept 120
}
check "guest_connects_and_handshakes" t_start

t_sysfs() {
	grep -q "^hello major=1 minor=1 caps=0x1f block_size=134217728" "$tmp/fh" &&
		[ "$(sysfs description)" = "Virtual Dynamic Memory" ] &&
		wait_sysfs state connected && wait_sysfs protocol 1.1 &&
		wait_sysfs host_connected 1 &&
		gx test -c /dev/dynmem
}
check "sysfs_shows_connected_protocol_1.1" t_sysfs

t_status() {
	fh wait-status 20 60 || return 1
	total=$(field total)
	mt=$(meminfo MemTotal)
	echo "reported total $total, guest MemTotal $mt kB"
	[ "$total" -eq $((mt * 1024)) ] || return 1
	avail=$(field available)
	free=$(field free)
	[ "$avail" -gt 0 ] && [ "$avail" -le "$total" ] &&
		[ "$free" -gt 0 ] && [ "$free" -le "$total" ] &&
		[ "$(field ballooned)" -eq 0 ] && [ "$(field hot_added)" -eq 0 ]
}
check "status_reports_arrive_with_plausible_figures" t_status

t_period() {
	# 30 reports at 100 ms: 3 s; TCG may be slow, never faster.
	fh wait-status 30 60 || return 1
	ms=$(sed -n 's/^reports=30 in \([0-9]*\) ms/\1/p' "$tmp/fh")
	echo "30 reports in $ms ms"
	[ "$ms" -ge 2700 ] && [ "$ms" -le 15000 ]
}
check "status_period_default_100ms" t_period

t_set_report() {
	fh set-report 50 0 && wait_sysfs report_period_ms 50 &&
		fh wait-status 20 30 || return 1
	ms=$(sed -n 's/^reports=20 in \([0-9]*\) ms/\1/p' "$tmp/fh")
	echo "20 reports in $ms ms at 50 ms"
	[ "$ms" -ge 800 ] && [ "$ms" -le 8000 ] && fh set-report 100 0
}
check "set_report_changes_period" t_set_report

t_hotadd() {
	mt0=$(meminfo MemTotal)
	fh hotadd 0x10000000 0x8000000 || return 1
	grep -q "^hotadd start=0x10000000 len=0x8000000 added=0x8000000 status=ADDED" "$tmp/fh" || return 1
	mt1=$(meminfo MemTotal)
	echo "MemTotal $mt0 kB -> $mt1 kB"
	[ $((mt1 - mt0)) -eq 131072 ] || return 1
	gx cat /sys/devices/system/memory/memory2/state /sys/devices/system/memory/memory2/valid_zones >"$tmp/blk"
	cat "$tmp/blk"
	grep -qx online "$tmp/blk" && grep -qx Movable "$tmp/blk" &&
		[ "$(sysfs hot_added_bytes)" -eq 134217728 ] &&
		gx grep -q "System RAM (dynmem)" /proc/iomem
}
check "hotadd_valid_block_grows_memtotal_online_movable" t_hotadd

t_hotadd_bad() {
	mt0=$(meminfo MemTotal)
	# Beyond RAM; the top block, whose last 128 KiB the firmware keeps;
	# present since boot; added above.
	fh hotadd 0x18000000 0x8000000 0x40000000 0x8000000 || return 1
	grep -q "start=0x40000000 len=0x8000000 added=0 status=NOT_RAM" "$tmp/fh" &&
		grep -q "start=0x18000000 len=0x8000000 added=0 status=NOT_RAM" "$tmp/fh" || return 1
	fh hotadd 0x8000000 0x8000000 0x10000000 0x8000000 || return 1
	grep -q "start=0x8000000 len=0x8000000 added=0 status=PRESENT" "$tmp/fh" &&
		grep -q "start=0x10000000 len=0x8000000 added=0 status=PRESENT" "$tmp/fh" || return 1
	mt1=$(meminfo MemTotal)
	echo "MemTotal $mt0 kB -> $mt1 kB"
	[ "$mt0" -eq "$mt1" ] && [ "$(sysfs hot_added_bytes)" -eq 134217728 ]
}
check "hotadd_invalid_offers_refused_nothing_added" t_hotadd_bad

t_balloon() {
	mt0=$(meminfo MemTotal)
	mf0=$(meminfo MemFree)
	fh balloon 64M || return 1
	grep -q "^balloon total=67108864 asked=67108864 .* status=0" "$tmp/fh" || return 1
	echo "2 MiB ranges: $(field huge_ranges)"
	mt1=$(meminfo MemTotal)
	mf1=$(meminfo MemFree)
	echo "MemTotal $mt0 -> $mt1 kB, MemFree $mf0 -> $mf1 kB"
	[ "$(sysfs driver_locked_bytes)" -eq 67108864 ] && [ "$mt0" -eq "$mt1" ] &&
		[ $((mf0 - mf1)) -ge $((60 * 1024)) ] || return 1
	fh wait-status 2 && [ "$(field ballooned)" -eq 67108864 ]
}
check "balloon_64M_locks_pages_memtotal_unchanged" t_balloon

t_unballoon() {
	mf0=$(meminfo MemFree)
	fh unballoon 64M || return 1
	grep -q "^unballoon total=67108864 asked=67108864 .* status=0" "$tmp/fh" || return 1
	mf1=$(meminfo MemFree)
	echo "MemFree $mf0 -> $mf1 kB"
	[ "$(sysfs driver_locked_bytes)" -eq 0 ] &&
		[ $((mf1 - mf0)) -ge $((60 * 1024)) ]
}
check "unballoon_returns_pages" t_unballoon

t_unballoon_empty() {
	fh unballoon 4M || return 1
	grep -q "^unballoon total=0 asked=4194304 .* status=3" "$tmp/fh"
}
check "unballoon_of_empty_balloon_says_empty" t_unballoon_empty

t_floor() {
	# More than the guest has: it stops at its floor and says so.
	fh balloon 2G || return 1
	got=$(sed -n 's/^balloon total=\([0-9]*\) .* status=1$/\1/p' "$tmp/fh")
	echo "ballooned $got of 2 GiB, MemAvailable $(meminfo MemAvailable) kB"
	[ -n "$got" ] && [ "$got" -gt 0 ] &&
		[ "$(sysfs driver_locked_bytes)" -eq "$got" ] &&
		[ "$(meminfo MemAvailable)" -ge $((60 * 1024)) ] &&
		fh unballoon "$got"
}
check "balloon_stops_at_floor" t_floor

t_hostile() {
	fh bad-seq || return 1
	fh wait-goodbye 30 || return 1
	# GOODBYE may come while the fake host waits for its next command.
	grep -q "^goodbye reason=4" "$out" || return 1
	fh accept 60 && wait_sysfs state connected &&
		gx dmesg | grep -q "sequence number skipped or repeated"
}
check "bad_sequence_number_drops_and_reconnects" t_hostile

# The CPU time of the session thread over 100 reports at 100 ms. The test
# bed's L2 runs on an emulated CPU (TCG under nested KVM), where every
# vsock notification is a costly exit: the bound is for that machine, and
# Documentation/guest.rst records the figures.
t_cost() {
	# shellcheck disable=SC2016 # expanded by the guest shell
	pid=$(gx sh -c 'for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = dynmem ] && echo ${p#/proc/}; done')
	[ -n "$pid" ] || return 1
	s0=$(gx cat /proc/"$pid"/stat | awk '{print $14 + $15}')
	u0=$(gx cat /proc/uptime | awk '{print $1}')
	fh wait-status 100 60 || return 1
	s1=$(gx cat /proc/"$pid"/stat | awk '{print $14 + $15}')
	u1=$(gx cat /proc/uptime | awk '{print $1}')
	awk -v a="$s0" -v b="$s1" -v u="$u0" -v v="$u1" 'BEGIN {
		t = (b - a) / 100; w = v - u;
		printf "reporting thread: %.2f s of CPU in %.1f s: %.3f%% of one CPU\n", t, w, 100 * t / w;
		exit !(t / w < 0.05) }'
}
check "reporting_costs_under_5pct_of_an_emulated_cpu" t_cost

t_unload() {
	fh balloon 32M || return 1
	mf0=$(meminfo MemFree)
	mt0=$(meminfo MemTotal)
	gx rmmod dynmem_guest || return 1
	fh wait-goodbye 30 || return 1
	grep -q "^goodbye reason=1" "$out" || return 1
	mf1=$(meminfo MemFree)
	echo "MemFree $mf0 -> $mf1 kB, MemTotal $mt0 -> $(meminfo MemTotal) kB"
	[ $((mf1 - mf0)) -ge $((30 * 1024)) ] &&
		[ "$(meminfo MemTotal)" -eq "$mt0" ] &&
		! gx test -e /dev/dynmem &&
		[ "$(gx cat /sys/devices/system/memory/memory2/state)" = online ]
}
check "unload_returns_pages_says_goodbye_keeps_hotadded" t_unload

t_reload() {
	gx insmod /lib/modules/dynmem_guest.ko && fh accept 60 &&
		wait_sysfs state connected && fh wait-status 5
}
check "reload_reconnects" t_reload

# The host punches ballooned ranges as it reads the replies: an unloading
# driver must not free its balloon before the host closed its end. The
# fake host reads nothing for 4 s; rmmod waits for it, and then the pages
# come back.
t_unload_waits_for_host() {
	fh balloon 32M || return 1
	mf0=$(meminfo MemFree)
	fh_n=$((fh_n + 1))
	n=$fh_n
	echo "sleep 4000" >&7
	u0=$(awk '{ print $1 }' /proc/uptime)
	gx rmmod dynmem_guest || return 1
	u1=$(awk '{ print $1 }' /proc/uptime)
	i=0
	until grep -q "^done $n " "$out"; do
		i=$((i + 1))
		[ $i -gt 100 ] && { echo "fake host did not wake"; return 1; }
		sleep 0.2
	done
	fh wait-goodbye 30 || return 1
	mf1=$(meminfo MemFree)
	ms=$(awk -v a="$u0" -v b="$u1" 'BEGIN { printf "%d", (b - a) * 1000 }')
	echo "rmmod took $ms ms while the fake host read nothing for 4 s; MemFree $mf0 -> $mf1 kB"
	ok=0
	[ "$ms" -ge 2000 ] || ok=1
	[ $((mf1 - mf0)) -ge $((30 * 1024)) ] || ok=1
	! gx dmesg | grep "did not close the connection" || ok=1
	gx insmod /lib/modules/dynmem_guest.ko && fh accept 60 &&
		wait_sysfs state connected || ok=1
	return $ok
}
check "unload_waits_for_host_before_freeing_balloon" t_unload_waits_for_host

t_backoff() {
	fh close || return 1
	wait_sysfs host_connected 0 || return 1
	fh accept 60 && wait_sysfs state connected
}
check "host_going_away_reconnects" t_backoff

t_dmesg() {
	gx dmesg >"$tmp/dmesg"
	sed -n '/dynmem_guest: Virtual Dynamic Memory driver loaded/,$p' "$tmp/dmesg" >"$tmp/ours"
	grep -n "WARNING\|BUG\|Oops\|Call Trace" "$tmp/ours" && return 1
	grep dynmem "$tmp/dmesg"
	[ -s "$tmp/ours" ]
}
check "no_warning_in_guest_log" t_dmesg

exec 7>&-
sleep 1
kill "$fhpid" 2>/dev/null
echo "# fake host output:"
sed 's/^/# /' "$out" | tail -n 60
tbguest stop $G >/dev/null 2>&1
rm -rf "$tmp"
[ $failed -eq 0 ]
