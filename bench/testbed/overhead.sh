#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Test bed benchmark (runs in L1): what the guest driver's status
# reporting costs an idle guest (one vCPU, 512 MiB) at the default period.
#
# Each repeat measures the guest for BENCH_WINDOW seconds (default 30)
# with dynmem_guest connected and nothing to do (the VM pinned at its
# size), then as long with the driver unloaded, in one command each, so
# that the measuring itself costs the same in both:
#
#   busy_pct    CPU time that was not idle (user, nice, system, irq,
#               softirq in /proc/stat) in percent of the one vCPU
#   thread_pct  the driver's "dynmem" thread (sum_exec_runtime in
#               /proc/PID/schedstat) in percent of one CPU
#   us_per_report  the thread's time per STATUS sent
#
# The overhead is the connected busy_pct less the unloaded one, and,
# without the noise of the rest of the guest, thread_pct. Under TCG every
# instruction of the guest is emulated, so both are upper bounds of what
# real hardware would show.
#
#   tools/testbed/run --host-files DIR --guest-files DIR bench/testbed/overhead.sh

. /extra/bench-lib.sh

WINDOW=${BENCH_WINDOW:-30}
guest_start 512 512
pin || fail "pin"

# measure SECS: "busy0 all0 busy1 all1 thread0_ns thread1_ns reports0
# reports1" over SECS seconds in the guest.
measure() {
	gx sh -c '
		t=
		for p in /proc/[0-9]*; do
			[ "$(cat $p/comm 2>/dev/null)" = dynmem ] && t=${p#/proc/}
		done
		cpu() {
			read -r _ u n s i w q sq st _ </proc/stat
			echo $((u + n + s + q + sq)) $((u + n + s + i + w + q + sq + st))
		}
		thread() {
			if [ -n "$t" ]; then cut -d" " -f1 /proc/$t/schedstat; else echo 0; fi
		}
		reports() {
			cat /sys/devices/virtual/misc/dynmem/reports 2>/dev/null || echo 0
		}
		a=$(cpu); ta=$(thread); ra=$(reports)
		sleep '"$1"'
		b=$(cpu); tb=$(thread); rb=$(reports)
		echo $a $b $ta $tb $ra $rb'
}

# pct PART WHOLE
pct() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f\n", 100 * a / b }'
}

conn='' unl='' thr='' over=''
i=1
while [ $i -le "$REPS" ]; do
	state_is running || fail "not connected"
	sleep 2
	# The eight numbers become the positional parameters.
	# shellcheck disable=SC2046
	set -- $(measure "$WINDOW")
	[ $# -eq 8 ] || fail "measure (connected): $*"
	c=$(pct $(($3 - $1)) $(($4 - $2)))
	tp=$(pct $((($6 - $5) / 1000)) $((WINDOW * 1000000)))
	nrep=$(($8 - $7))
	upr=$(awk -v ns=$(($6 - $5)) -v n=$nrep 'BEGIN { if (n) printf "%.1f\n", ns / n / 1000 }')

	dynmem_unload || fail "rmmod dynmem_guest"
	# shellcheck disable=SC2046
	set -- $(measure "$WINDOW")
	[ $# -eq 8 ] || fail "measure (unloaded): $*"
	u=$(pct $(($3 - $1)) $(($4 - $2)))
	dynmem_load || fail "insmod dynmem_guest"

	o=$(awk -v c="$c" -v u="$u" 'BEGIN { printf "%.3f\n", c - u }')
	echo "result overhead dynmem rep=$i window_s=$WINDOW busy_pct_connected=$c" \
	     "busy_pct_unloaded=$u overhead_pct=$o thread_pct=$tp reports=$nrep" \
	     "us_per_report=$upr load=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
	conn="$conn $c" unl="$unl $u" thr="$thr $tp" over="$over $o"
	i=$((i + 1))
done

summary overhead connected busy_pct $conn
summary overhead unloaded busy_pct $unl
summary overhead dynmem overhead_pct $over
summary overhead dynmem thread_pct $thr
finish
