# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the test bed benchmarks, sourced by bench/testbed/*.sh in the
# L1 host (busybox sh). bench/run.sh brings this file to /extra together
# with the static programs probe and hold (also in every guest's /extra).
#
# Output: lines "# ..." are commentary; a measurement is one line
#   result BENCH METHOD rep=N KEY=VALUE...
# and each benchmark closes with
#   summary BENCH METHOD KEY n=N median=M min=A max=B
# A scenario exits non-zero only when it could not measure.

MiB=1048576
G=bench
CID=3
[ -f /extra/bench.conf ] && . /extra/bench.conf
REPS=${BENCH_REPS:-3}
tmp=$(mktemp -d)

# dynmemctl and probe run from RAM: started from the 9p share, a program
# and its libraries load slowly under TCG, and the benchmarks time the
# requests dynmemctl makes. (tbguest and tbvsock are in L1's initramfs.)
mkdir -p /tmp/bench-tools
cp -a "$DYNMEM_TOOLS"/. /extra/bin/probe /tmp/bench-tools/ ||
	{ echo "bench: cannot copy the tools" >&2; exit 1; }
export PATH=/tmp/bench-tools:$PATH
export LD_LIBRARY_PATH=/tmp/bench-tools/lib:$LD_LIBRARY_PATH

say() {
	echo "# $(cut -d' ' -f1 /proc/uptime) s: $*"
}

fail() {
	echo "bench: $*" >&2
	[ -f /run/tbguest/$G/console.log ] &&
		tail -n 20 /run/tbguest/$G/console.log | sed 's/^/# console: /' >&2
	exit 1
}

gx() {
	tbguest exec $G -- "$@"
}

# field NAME: a field of "dynmemctl -j -s vm show", number or string.
field() {
	dynmemctl -j -s vm show $G | tr ',{}' '\n\n\n' |
		sed -n "s/^ *\"$1\": *\"*\([^\"]*\)\"*$/\1/p"
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds; 1 on timeout.
wait_for() {
	end=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge $end ] && return 1
		sleep 0.2
	done
}

state_is() {
	[ "$(field state)" = "$1" ]
}

removed_is() {
	[ "$(field removed)" = "$1" ]
}

# virtio-balloon: QEMU's RAM less the balloon, bytes.
balloon_actual() {
	tbguest qmp $G '{"execute":"query-balloon"}' |
		sed -n 's/.*"actual": *\([0-9]*\).*/\1/p'
}

balloon_actual_is() {
	[ "$(balloon_actual)" = "$1" ]
}

meminfo_kib() { # FIELD, in the guest
	gx cat /proc/meminfo | awk -v f="$1:" '$1 == f { print $2 }'
}

# The value of "KEY=VALUE" in a line of probe's output.
kv() {
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1
}

rss_kib() {
	awk '$1 == "RssShmem:" { print $2 }' /proc/"$pid"/status
}

# final_drop PROBE-OUTPUT: how far RssShmem has dropped 3 s after probe
# ended, from the base of its first rss watch, in KiB.
final_drop() {
	sleep 3
	base=$(kv rss_base_kib "$(echo "$1" | grep '^watch 0')")
	echo $((base - $(rss_kib)))
}

# guest_start STARTUP MAX TBGUEST-OPTION...: the guest, attached and
# connected, with a VM record that keeps it at its visible memory V
# (MemTotal, rounded up to MiB): startup = minimum = maximum = V, until a
# benchmark moves them. The kernel keeps some of STARTUP for itself, so
# V is below STARTUP; a record of STARTUP would make the host hot-add a
# block at once. Sizes in MiB.
guest_start() {
	s=$1 m=$2
	shift 2
	insmod "$DYNMEM_HOST_KO" || fail "insmod dynmem_host"
	dynmemctl vm add $G startup ${s}M minimum ${s}M maximum ${s}M \
		cid $CID || fail "vm add"
	tbguest start $G --startup ${s}M --max ${m}M --cid $CID "$@" ||
		fail "guest did not start"
	pid=$(tbguest pid $G) || fail "no QEMU pid"
	kib=$(meminfo_kib MemTotal)
	[ -n "$kib" ] || fail "no MemTotal"
	set_size $(((kib + 1023) / 1024)) || fail "vm set"
	dynmemctl vm set $G pid "$pid" || fail "attach"
	wait_for 60 state_is running || fail "guest did not connect"
	say "guest $G: QEMU pid $pid, startup ${s}M, max ${m}M, options $*"
	say "guest MemTotal $kib kB, VM pinned at $(((kib + 1023) / 1024)) MiB"
}

# set_size MIB: startup = minimum = maximum = MIB: the target is MIB.
set_size() {
	dynmemctl vm set $G startup "$1"M minimum "$1"M maximum "$1"M
}

# Pin the VM at what it has now: set_size to its visible memory, rounded
# up to MiB, so that the host neither grows nor shrinks it.
pin() {
	vis=$(field visible)
	[ -n "$vis" ] || return 1
	pinned=$(((vis + MiB - 1) / MiB))
	set_size $pinned
}

dynmem_load() {
	gx insmod /lib/modules/dynmem_guest.ko || return 1
	wait_for 60 state_is running
}

dynmem_unload() {
	gx rmmod dynmem_guest || return 1
	wait_for 20 state_is attached
}

# The guest's trace buffer: cleared, with every dynmem_guest event on.
# The clock is "mono" (the clocksource, kvm-clock): the default "local"
# (sched_clock) was seen to give many events of one guest the very same
# time stamp over hundreds of milliseconds under nested TCG.
trace_start() {
	gx sh -c '{ [ -e /sys/kernel/tracing/trace ] ||
		  mount -t tracefs tracefs /sys/kernel/tracing; } &&
		cd /sys/kernel/tracing && echo mono >trace_clock &&
		echo 8192 >buffer_size_kb &&
		echo 1 >events/dynmem_guest/enable && echo >trace'
}

trace_get() {
	gx cat /sys/kernel/tracing/trace
}

# Seconds (trace clock) of the first line matching RE at or after AFTER,
# or of the last one with "last" as third argument; empty if none.
trace_time() {
	awk -v re="$2" -v after="${3:-0}" -v last="$4" '
		$0 ~ re && match($0, /[0-9]+\.[0-9]+: /) {
			t = substr($0, RSTART, RLENGTH - 2) + 0
			if (t < after) next
			if (last == "") { print t; exit }
			v = t
		}
		END { if (last != "" && v != "") print v }' "$1"
}

# ms between two trace times.
ms_between() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") print "";
		else printf "%.1f\n", (b - a) * 1000 }'
}

# summary BENCH METHOD KEY VALUE...: median and range of the values.
summary() {
	b=$1 mth=$2 key=$3
	shift 3
	echo "$@" | tr ' ' '\n' | grep -v '^$' | sort -n | awk \
		-v b="$b" -v mth="$mth" -v key="$key" '
		{ v[NR] = $1 }
		END {
			if (!NR) { printf "summary %s %s %s n=0\n", b, mth, key; exit }
			med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "summary %s %s %s n=%d median=%s min=%s max=%s\n",
				b, mth, key, NR, med, v[1], v[NR]
		}'
}

# ratio A B: A / B to two decimals.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f\n", a / b }'
}

# median of the values of "summary" output for KEY... from a file.
median_of() { # FILE BENCH METHOD KEY
	awk -v b="$2" -v m="$3" -v k="$4" '$1 == "summary" && $2 == b &&
		$3 == m && $4 == k { sub(/median=/, "", $6); print $6 }' "$1"
}

finish() {
	tbguest stop $G
	dynmemctl vm del $G
	rmmod dynmem_host
	dmesg | grep -E "WARNING:|BUG:|Oops" | sed 's/^/# L1 kernel: /'
	rm -rf "$tmp"
}
