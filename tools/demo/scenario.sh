#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The demo's scenario: runs in the L1 host of the test bed (busybox sh,
# root), started by tools/demo/demo.sh through tools/testbed/run.
#
# Three guests of different weights, all with 256 MiB at boot, a minimum of
# 128 MiB and a maximum of 1 GiB, under dynmem_host.ko:
#
#   web    weight 8000
#   db     weight 5000
#   batch  weight 2000
#
# then a workload in three phases (the "hold" program of
# selftests/testbed/progs/hold.c takes memory as a program sizing itself to
# MemAvailable would, and holds it):
#
#   1 grow     web takes 256 MiB: the host hot-adds memory blocks to it
#   2 reclaim  web lets go; every guest is idle and the balloon takes back
#              what they do not need: the host memory of web's QEMU drops
#   3 compete  the host reserves memory until the pool is smaller than what
#              db and batch both want; each takes 256 MiB, db first and
#              then batch, and the arbiter shares the pool by weight: db
#              gets its program's memory, batch stops near its share
#
# Every second a sampler appends "dynmemctl -j stats" with the time and the
# phase as one JSON line to $TESTBED_RESULTS/samples.jsonl (the runner
# brings it back with --results) and every few seconds prints a frame of
# "dynmemctl top", followed by what each VM has once its balloon is
# taken off (top's ASSIGNED is the memory the guest sees, balloon
# included) and the host memory its QEMU holds. Each phase states what it
# expects and checks it; the exit status is 0 when all held, 1 when one
# did not, 2 when the set-up failed.
#
# Guest programs: --guest-files DIR with DIR/bin/hold (static).

MiB=1048576
VMS="web db batch"
# Seconds between two frames of "dynmemctl top" on the console.
TOP_EVERY=5

out=${TESTBED_RESULTS:-/tmp/demo}
mkdir -p "$out"
samples=$out/samples.jsonl
tmp=$(mktemp -d)
failed=0
: >"$samples"

weight_of() {
	case $1 in
	web) echo 8000 ;;
	db) echo 5000 ;;
	batch) echo 2000 ;;
	esac
}

cid_of() {
	case $1 in
	web) echo 3 ;;
	db) echo 4 ;;
	batch) echo 5 ;;
	esac
}

# Seconds since the scenario started, for the banners.
t_start=$(cut -d. -f1 /proc/uptime)
elapsed() {
	echo $(($(cut -d. -f1 /proc/uptime) - t_start))
}

say() {
	echo "demo: $*"
}

# banner ID TEXT: start a phase. The sampler tags its samples with ID.
banner() {
	echo "$1" >"$tmp/phase"
	shift
	echo
	echo "=============================================================="
	echo "== [$(elapsed) s] $*"
	echo "=============================================================="
}

# expect DESCRIPTION COMMAND...: a check of what a phase should show.
expect() {
	desc=$1
	shift
	if "$@"; then
		say "as expected: $desc"
	else
		say "NOT as expected: $desc"
		failed=1
	fi
}

gx() { # gx VM CMD...: run CMD in the guest VM
	vm=$1
	shift
	tbguest exec "$vm" -- "$@"
}

# field VM KEY: one figure of "dynmemctl -j -s vm show VM" (nested keys too).
field() {
	dynmemctl -j -s vm show "$1" | tr ',{}' '\n\n\n' |
		sed -n "s/^ *\"$2\": *\"*\([^\"]*\)\"*$/\1/p"
}

# have VM: what the VM has, visible memory less its balloon, in bytes.
have() {
	v=$(dynmemctl -j -s vm show "$1" | tr ',{}' '\n\n\n')
	vis=$(echo "$v" | sed -n 's/^ *"visible": *//p')
	rem=$(echo "$v" | sed -n 's/^ *"removed": *//p')
	echo $((${vis:-0} - ${rem:-0}))
}

mib() { # bytes to whole MiB, rounded down
	echo $((${1:-0} / MiB))
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds; 1 on timeout.
wait_for() {
	end=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 1
	done
}

state_is() { # state_is VM STATE
	[ "$(field "$1" state)" = "$2" ]
}

hold_state_is() { # hold_state_is VM STATE
	[ "$(gx "$1" cat /tmp/hold.state 2>/dev/null)" = "$2" ]
}

# settled SECONDS VM...: what each VM has stays within 8 MiB for SECONDS.
settled() {
	secs=$1
	shift
	before=
	for v in "$@"; do
		before="$before $v:$(mib "$(have "$v")")"
	done
	sleep "$secs"
	for p in $before; do
		d=$(($(mib "$(have "${p%%:*}")") - ${p#*:}))
		[ "$d" -ge -8 ] && [ "$d" -le 8 ] || return 1
	done
}

have_at_most() { # have_at_most VM MIB: it has at most its target and MIB
	[ "$(have "$1")" -le $(($(field "$1" target) + $2 * MiB)) ]
}

# vm_line JSON KEY: "NAME VALUE" per VM for one figure of a stats JSON
# (in MiB; "removed" taken off "visible" for KEY "has").
vm_line() {
	echo "$1" | awk -v RS='{' -v key="$2" -v MiB=$MiB '
		function num(k) {
			if (!match($0, "\"" k "\": *[0-9]+"))
				return -1
			v = substr($0, RSTART, RLENGTH)
			sub(/.*: */, "", v)
			return v + 0
		}
		/"name":/ {
			match($0, /"name": *"[^"]*"/)
			name = substr($0, RSTART, RLENGTH)
			sub(/^"name": *"/, "", name)
			sub(/"$/, "", name)
		}
		/"visible":/ {
			v = key == "has" ? num("visible") - num("removed") : num(key)
			printf "  %s %dMiB", name, v / MiB
		}'
}

# frame: one frame of top, what each VM has with its balloon taken off and
# the host memory of each QEMU, in one write so that no other line cuts in.
frame() {
	s=${1:-$(dynmemctl -j stats 2>/dev/null)}
	printf '%s\n%s%s\n%s%s\n\n' "$(dynmemctl top -n 1)" \
		"has (balloon off):" "$(vm_line "$s" has)" \
		"host RSS:         " "$(vm_line "$s" physical)"
}

# The sampler: one JSON line per second, a frame of top every TOP_EVERY s.
sampler() {
	next_top=0
	while [ ! -e "$tmp/stop" ]; do
		sleep 1 &
		tick=$!
		read -r up _ </proc/uptime
		if s=$(dynmemctl -j stats 2>/dev/null) && [ -n "$s" ]; then
			printf '{"t":%s,"phase":"%s","stats":%s}\n' \
				"$up" "$(cat "$tmp/phase")" "$s" >>"$samples"
		fi
		# While the guests boot, the set-up prints a frame per guest.
		if [ "${up%.*}" -ge "$next_top" ] &&
		   [ "$(cat "$tmp/phase")" != boot ]; then
			next_top=$((${up%.*} + TOP_EVERY))
			frame "$s"
		fi
		wait "$tick"
	done
}

finish() {
	touch "$tmp/stop"
	[ -n "$sampler_pid" ] && wait "$sampler_pid"
	# The guests are killed, not shut down: faster, and L1 powers off next.
	for v in $VMS; do
		p=$(tbguest pid "$v" 2>/dev/null) && kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$tmp"
	say "$(wc -l <"$samples") samples in samples.jsonl"
	exit "$1"
}

setup_failed() {
	say "set-up failed: $*"
	dmesg | grep dynmem | tail -n 20 | sed 's/^/demo: L1 kernel: /'
	finish 2
}

# ---- set-up ---------------------------------------------------------------
sampler_pid=
echo boot >"$tmp/phase"
banner boot "Setting up: dynmem_host.ko and three guests (one after another)"
insmod "$DYNMEM_HOST_KO" || setup_failed "insmod dynmem_host.ko"
for v in $VMS; do
	dynmemctl vm add "$v" startup 256M minimum 128M maximum 1G buffer 20 \
		weight "$(weight_of "$v")" cid "$(cid_of "$v")" ||
		setup_failed "vm add $v"
done
dynmemctl vm show
sampler &
sampler_pid=$!
for v in $VMS; do
	say "[$(elapsed) s] starting $v"
	tbguest start "$v" --startup 256M --max 1G --cid "$(cid_of "$v")" ||
		setup_failed "guest $v did not start"
	dynmemctl vm set "$v" pid "$(tbguest pid "$v")" ||
		setup_failed "cannot attach $v"
	frame
done
for v in $VMS; do
	wait_for 30 state_is "$v" running ||
		setup_failed "the driver of $v did not connect"
done
say "[$(elapsed) s] all three guests are running; the idle ones are ballooned to their wish"
# The idle guests settle first, so that phase 1 starts from rest.
wait_for 30 settled 3 $VMS
dynmemctl -s vm show

# ---- phase 1: grow ----------------------------------------------------------
banner grow "Phase 1: web grows. A program in web takes and holds 256 MiB;" \
	"the host hot-adds memory blocks as web's free memory runs low."
added0=$(field web added)
have0=$(have web)
gx web sh -c 'hold 256 </dev/null >/tmp/hold.log 2>&1 &' ||
	setup_failed "cannot start hold in web"
wait_for 180 hold_state_is web held ||
	say "web's program did not get its 256 MiB: $(gx web cat /tmp/hold.state)"
sleep 4
have1=$(have web)
added1=$(field web added)
say "web has $(mib "$have0") MiB -> $(mib "$have1") MiB; hot-added $(mib "$added0") -> $(mib "$added1") MiB"
expect "memory was hot-added to web" [ "${added1:-0}" -gt "${added0:-0}" ]
expect "web has room for its 256 MiB and what it needed before" \
	[ "$have1" -ge $((256 * MiB + 32 * MiB)) ]
expect "nothing was OOM-killed in web" \
	sh -c "! tbguest exec web -- dmesg | grep -qiE 'out of memory|oom-kill'"

# ---- phase 2: reclaim -------------------------------------------------------
banner reclaim "Phase 2: web goes idle. Its program exits, and the balloon" \
	"takes back what web no longer needs: the host's RSS for web drops."
rss0=$(field web physical)
gx web touch /tmp/hold.stop
wait_for 20 hold_state_is web "done" || say "web's program did not exit"
# The balloon starts 2 s after the program's memory is free, and goes on
# until web has no more than its target (the shrinking margin is 16 MiB).
wait_for 90 have_at_most web 24 ||
	say "web's balloon did not reach the target: $(mib "$(have web)") MiB, target $(mib "$(field web target)") MiB"
rss1=$(field web physical)
have2=$(have web)
say "web has $(mib "$have1") MiB -> $(mib "$have2") MiB; its balloon holds $(mib "$(field web removed)") MiB"
say "host memory of web's QEMU (RssShmem): $(mib "$rss0") MiB -> $(mib "$rss1") MiB"
expect "web was ballooned down by at least 128 MiB" \
	[ $((have1 - have2)) -ge $((128 * MiB)) ]
expect "the host got at least 128 MiB of web's memory back" \
	[ $((${rss0:-0} - ${rss1:-0})) -ge $((128 * MiB)) ]

# ---- phase 3: compete -------------------------------------------------------
# A pool of the three minimums and 320 MiB: less than db and batch want.
# Memory a guest's programs use cannot be ballooned (the guests have no
# swap), so the arbiter's shares can only hold if the guests do not take
# the pool before it is shared: db's load comes first, batch's once db
# holds its memory.
total=$(dynmemctl -j host show | tr ',{}' '\n\n\n' | sed -n 's/^ *"total": *//p')
pool=$((3 * 128 * MiB + 320 * MiB))
reserved=$(((total - pool) / MiB))
banner compete "Phase 3: db (weight 5000) and batch (weight 2000) compete." \
	"The host reserves ${reserved} MiB: the pool is $(mib $pool) MiB," \
	"less than both want. Each takes 256 MiB; the higher weight wins."
dynmemctl host set reserved "${reserved}M" || setup_failed "host set reserved"
dynmemctl host show
gx db sh -c 'hold 256 </dev/null >/tmp/hold.log 2>&1 &' ||
	setup_failed "cannot start hold in db"
wait_for 180 hold_state_is db held ||
	say "db's program did not get its 256 MiB: $(gx db cat /tmp/hold.state)"
say "[$(elapsed) s] db has $(mib "$(have db)") MiB and needs $(mib "$(field db demand)") MiB; batch starts its 256 MiB"
gx batch sh -c 'hold 256 </dev/null >/tmp/hold.log 2>&1 &' ||
	setup_failed "cannot start hold in batch"
# batch grows until the pool is shared out: its target no longer follows
# its wish (demand and buffer) but stops at its share, and batch has it,
# or has all the pool has left. A VM grows only into memory the pool has
# left: while db is above its target (its program holds the memory, the
# balloon cannot take it), batch stops short of its share.
pool_left() {
	sum=0
	for v in $VMS; do
		sum=$((sum + $(have "$v")))
	done
	echo $((pool > sum ? pool - sum : 0))
}
at_share() { # at_share VM
	t=$(field "$1" target)
	d=$(field "$1" demand)
	[ "$t" -lt $((d * 120 / 100 - 8 * MiB)) ] || return 1
	[ "$(have "$1")" -ge $((t - 8 * MiB)) ] ||
		[ "$(pool_left)" -lt $((128 * MiB)) ]
}
wait_for 240 at_share batch || say "batch did not reach its share"
wait_for 60 settled 5 db batch
dynmemctl -s vm show
hdb=$(have db)
hbatch=$(have batch)
tdb=$(field db target)
tbatch=$(field batch target)
sum=0
for v in $VMS; do
	sum=$((sum + $(have "$v")))
done
say "db has $(mib "$hdb") MiB (target $(mib "$tdb") MiB), its program: $(gx db cat /tmp/hold.state)"
say "batch has $(mib "$hbatch") MiB (target $(mib "$tbatch") MiB), its program: $(gx batch cat /tmp/hold.state)"
say "the three guests have $(mib $sum) MiB of a pool of $(mib $pool) MiB"
expect "db (weight 5000) gets more than batch (weight 2000)" \
	[ "$hdb" -gt "$hbatch" ]
expect "the arbiter's targets fit in the pool" \
	[ $((tdb + tbatch + $(field web target))) -le "$pool" ]
expect "the guests together have no more than the pool" \
	[ "$sum" -le $((pool + 4 * MiB)) ]
# The balloon leaves a guest 64 MiB of available memory (its floor), and
# takes only memory no program uses: a guest stays above its target by
# up to that floor and the shrinking margin of 16 MiB.
expect "db and batch are held near their shares (target + 64 MiB + 16 MiB)" \
	sh -c "[ $hdb -le $((tdb + 80 * MiB)) ] && [ $hbatch -le $((tbatch + 80 * MiB)) ]"

banner end "Done."
l1=$(dmesg | grep -E 'WARNING:|BUG:|Oops|Call Trace')
expect "no kernel warning in L1" [ -z "$l1" ]
[ -n "$l1" ] && echo "$l1" | head -n 10 | sed 's/^/demo: L1 kernel: /'
finish $failed
