#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Test bed scenario (runs in the L1 host): L2 guests start under KVM with
# dynmem_guest.ko, which loads and unloads; "tbguest exec" relays output
# and exit status; a guest reaches the host over vsock; three guests run
# at once, with the stock virtio-balloon and virtio-mem devices bound where
# asked for; a guest that triple-faults is reported with how it ended.
# KTAP on stdout.
#
#   tools/testbed/run selftests/testbed/guest.sh

. /mnt/tb/ktap.sh
tmp=$(mktemp -d)

echo "KTAP version 1"
echo "1..15"

t_start() {
	t0=$(date +%s)
	tbguest start g1 --startup 256M --max 512M || return 1
	echo "# g1 ready after $(($(date +%s) - t0)) s" >&3
}
check "start_guest_with_dynmem" t_start 3>&1

t_loaded() {
	tbguest exec g1 -- cat /proc/modules >"$tmp/mods" || return 1
	grep '^dynmem_guest ' "$tmp/mods"
}
check "dynmem_guest_loaded" t_loaded

t_exec() {
	tbguest exec g1 -- sh -c 'echo to-stdout; echo to-stderr >&2; exit 7' \
		>"$tmp/o" 2>"$tmp/e"
	rc=$?
	echo "status $rc, stdout '$(cat "$tmp/o")', stderr '$(cat "$tmp/e")'"
	[ $rc -eq 7 ] && [ "$(cat "$tmp/o")" = to-stdout ] &&
		[ "$(cat "$tmp/e")" = to-stderr ]
}
check "exec_relays_stdout_stderr_status" t_exec

t_exec_missing() {
	tbguest exec g1 -- /no/such/program
	[ $? -eq 127 ]
}
check "exec_reports_missing_program" t_exec_missing

# run.sh passes a dynamically linked program (xz) with its libraries as
# --host-files and --guest-files, marked by /extra/testbed-extra-files.
if [ -e /extra/testbed-extra-files ]; then
	t_extra() {
		/extra/bin/xz --version | grep liblzma || return 1
		tbguest exec g1 -- /extra/bin/xz --version | grep liblzma
	}
	check "extra_files_run_with_their_libraries" t_extra
else
	nr=$((nr + 1))
	echo "ok $nr extra_files_run_with_their_libraries # SKIP no --host-files and --guest-files given"
fi

t_memmap() {
	# mem=256M: the guest runs with less than 256 MiB, while the
	# firmware map still lists RAM up to 512 MiB for hot-add.
	tbguest exec g1 -- sh -c '
		total=$(sed -n "s/^MemTotal: *\([0-9]*\) kB/\1/p" /proc/meminfo)
		end=0
		for e in /sys/firmware/memmap/*; do
			[ "$(cat $e/type)" = "System RAM" ] || continue
			x=$(($(cat $e/end) + 1))
			[ $x -gt $end ] && end=$x
		done
		echo "MemTotal ${total} kB, RAM ends at $((end >> 20)) MiB"
		[ $total -le 262144 ] && [ $((end >> 20)) -ge 511 ]'
}
check "startup_memory_below_maximum" t_memmap

t_vsock_to_host() {
	tbvsock echod -d 5000 || return 1
	reply=$(tbguest exec g1 -- tbvsock echo -w 5 2 5000 "hello-from-g1")
	echo "reply '$reply'"
	[ "$reply" = hello-from-g1 ]
}
check "guest_reaches_host_over_vsock" t_vsock_to_host

t_pid() {
	pid=$(tbguest pid g1) || return 1
	echo "pid $pid: $(cat /proc/"$pid"/comm)"
	grep -q '^qemu-system' /proc/"$pid"/comm &&
		grep -q memory-backend-memfd /proc/"$pid"/cmdline
}
check "pid_is_qemu" t_pid

t_qmp() {
	reply=$(tbguest qmp g1 '{"execute":"query-status"}') || return 1
	echo "$reply"
	echo "$reply" | grep -q '"status": *"running"'
}
check "qmp_query_status" t_qmp

t_unload() {
	tbguest exec g1 -- rmmod dynmem_guest || return 1
	tbguest exec g1 -- cat /proc/modules >"$tmp/mods" || return 1
	! grep '^dynmem_guest ' "$tmp/mods" || return 1
	# Only what the module printed: the guest kernel may warn at boot
	# about the emulated CPU.
	tbguest exec g1 -- dmesg >"$tmp/dmesg" || return 1
	sed -n '/dynmem_guest/,$p' "$tmp/dmesg" >"$tmp/since"
	cat "$tmp/since"
	[ -s "$tmp/since" ] &&
		! grep -qE 'WARNING:|BUG:|Oops|Call Trace' "$tmp/since"
}
check "dynmem_guest_unloads_cleanly" t_unload

t_three() {
	# One after the other: L1 runs on two emulated CPUs.
	tbguest start g2 --startup 256M --max 512M --no-dynmem || return 1
	tbguest start g3 --startup 256M --max 768M --virtio-balloon --virtio-mem ||
		return 1
	for g in g1 g2 g3; do
		[ "$(tbguest exec "$g" -- echo alive)" = alive ] ||
			{ echo "$g does not answer"; return 1; }
	done
}
check "three_guests_at_once" t_three

t_no_dynmem() {
	tbguest exec g2 -- cat /proc/modules >"$tmp/mods" || return 1
	! grep '^dynmem_guest ' "$tmp/mods"
}
check "no_dynmem_guest_without_it" t_no_dynmem

t_stock() {
	tbguest exec g3 -- sh -c '
		ls -d /sys/bus/virtio/drivers/virtio_balloon/virtio* &&
		ls -d /sys/bus/virtio/drivers/virtio_mem/virtio*'
}
check "stock_balloon_and_virtio_mem_bound" t_stock

# A guest that triple-faults (the kernel's reboot type "triple") ends its
# QEMU with status 0 under -no-reboot; tbguest says so and shows what L1's
# KVM recorded: the SHUTDOWN exit and QEMU's KVM_EXIT_SHUTDOWN.
t_triple() {
	tbguest exec g2 -- sh -c 'echo triple >/sys/kernel/reboot/type &&
		exec reboot -f' >/dev/null 2>&1
	i=0
	while tbguest pid g2 >/dev/null 2>&1; do
		[ $i -ge 150 ] && { echo "g2 still runs"; return 1; }
		sleep 0.2
		i=$((i + 1))
	done
	tbguest exec g2 -- true 2>"$tmp/err" && return 1
	cat "$tmp/err"
	grep -q "its QEMU has ended (exit status 0)" "$tmp/err" &&
		grep -q "kvm_exit: .*reason shutdown" "$tmp/err" &&
		grep -q "kvm_userspace_exit: reason KVM_EXIT_SHUTDOWN" "$tmp/err"
}
check "triple_fault_reported_with_kvm_events" t_triple

t_stop() {
	pids=
	for g in g1 g2 g3; do
		pids="$pids $(tbguest pid $g 2>/dev/null)"
	done
	for g in g1 g2 g3; do
		tbguest stop $g || return 1
	done
	# Gone, or a zombie waiting for PID 1 to reap it.
	for p in $pids; do
		[ ! -d /proc/"$p" ] || grep -q ') Z ' /proc/"$p"/stat ||
			{ echo "QEMU $p still runs"; return 1; }
	done
	[ -z "$(tbguest list)" ]
}
check "stop_guests" t_stop

rm -rf "$tmp"
ktap_totals
