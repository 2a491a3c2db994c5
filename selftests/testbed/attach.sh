#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Test bed scenario (runs in the L1 host): a VM record attaches to the KVM
# VM of a running QEMU and reports its host-resident memory; a QEMU whose
# RAM is anonymous is refused; guest memory given back through the debug
# knob really leaves the QEMU process; a QEMU killed with SIGKILL detaches
# by itself; the host's tracepoints recorded all of it; and the module
# unloads cleanly. KTAP on stdout.
#
#   tools/testbed/run selftests/testbed/attach.sh
#
# The guest runs without dynmem_guest.ko: this is the host's side alone.

. /mnt/tb/ktap.sh
tmp=$(mktemp -d)
anon_pid=

MiB=1048576
CID=3
# RAM the released range lies in: above the guest's mem=256M, so the guest
# never uses it, and inside the 512 MiB of RAM QEMU gives it.
REL_GPA=$((320 * MiB))
REL_LEN=$((64 * MiB))
KNOB=/sys/kernel/debug/dynmem/release
T=/sys/kernel/tracing

# Run dynmemctl, keeping stdout, stderr and the exit status apart.
ctl() {
	dynmemctl "$@" >"$tmp/out" 2>"$tmp/err"
	ctl_rc=$?
	echo "\$ dynmemctl $* -> $ctl_rc"
	cat "$tmp/out" "$tmp/err"
	return 0
}

# jq-free JSON field of "dynmemctl -j -s vm show g1": a number or a string.
field() {
	dynmemctl -j -s vm show g1 | tr ',{}' '\n\n\n' |
		sed -n "s/^ *\"$1\": *\"*\([^\"]*\)\"*$/\1/p"
}

rss_shmem() { # bytes
	kb=$(awk '$1 == "RssShmem:" { print $2 }' /proc/"$1"/status)
	echo $((kb * 1024))
}

# Tests that need the guest fail at once without it.
need_guest() {
	[ -n "$pid" ] || { echo "no guest"; return 1; }
}

# release LINE: write LINE to the debug knob; the status of the write.
release() {
	sh -c "echo '$1' >$KNOB" 2>&1
}

echo "KTAP version 1"
echo "1..14"

dmesg_before=$(dmesg | wc -l)

t_load() {
	[ -c /dev/kvm ] || { echo "no /dev/kvm"; return 1; }
	command -v dynmemctl || return 1
	insmod "$DYNMEM_HOST_KO" debug_release=1 && [ -w "$KNOB" ] || return 1
	# The host's events, checked by trace_attach_release_detach.
	[ -e $T/trace ] || mount -t tracefs nodev $T || return 1
	echo >$T/trace && echo 1 >$T/events/dynmem_host/enable
}
check "insmod_with_debug_release" t_load

t_start() {
	tbguest start g1 --startup 256M --max 512M --cid $CID --no-dynmem ||
		return 1
	pid=$(tbguest pid g1) && echo "QEMU pid $pid"
}
check "start_guest" t_start
pid=$(tbguest pid g1 2>/dev/null)

t_attach() {
	need_guest || return 1
	ctl vm add g1 startup 256M maximum 512M pid "$pid" cid $CID
	[ $ctl_rc -eq 0 ] || return 1
	ctl -j -s vm show g1
	[ "$(field state)" = attached ] && [ "$(field pid)" = "$pid" ] &&
		[ "$(field cid)" = $CID ]
}
check "attach_by_pid" t_attach

# The module reads the same counter as /proc/PID/status (MM_SHMEMPAGES of
# QEMU's mm); the guest keeps running, so read RssShmem just before and
# just after and allow 1 MiB of drift besides.
t_physical() {
	need_guest || return 1
	before=$(rss_shmem "$pid")
	phys=$(field physical)
	after=$(rss_shmem "$pid")
	echo "RssShmem $before, $after; physical $phys"
	lo=$before
	hi=$after
	[ "$lo" -le "$hi" ] || { lo=$after; hi=$before; }
	[ -n "$phys" ] && [ "$before" -gt 0 ] &&
		[ "$phys" -ge $((lo - MiB)) ] && [ "$phys" -le $((hi + MiB)) ]
}
check "physical_is_rss_shmem" t_physical

t_twice() {
	need_guest || return 1
	ctl vm add g1b startup 256M pid "$pid"
	[ $ctl_rc -ne 0 ] &&
		grep -qx "Error: pid: the process's KVM VM is attached to another VM record" "$tmp/err" || return 1
	ctl vm show g1b
	[ $ctl_rc -ne 0 ]
}
check "one_vm_one_record" t_twice

# QEMU with plain -m: guest RAM is anonymous memory of the process.
t_anon() {
	qemu-system-x86_64 -accel kvm -cpu host -m 256M -S -nodefaults \
		-no-user-config -display none </dev/null >"$tmp/anon.log" 2>&1 &
	anon_pid=$!
	echo "anonymous QEMU pid $anon_pid"
	# Until QEMU has made its VM and memslots, attaching fails otherwise.
	tries=300
	while [ $tries -gt 0 ]; do
		ctl vm add anon startup 256M pid "$anon_pid"
		grep -q 'memory-backend-memfd' "$tmp/err" && break
		[ $ctl_rc -eq 0 ] && return 1
		tries=$((tries - 1))
		sleep 0.2
	done
	grep -qx 'Error: pid: guest RAM is not file-backed and cannot be given back; start QEMU with -object memory-backend-memfd,id=m0,size=...,share=on -machine memory-backend=m0' "$tmp/err" || return 1
	ctl vm show anon
	[ $ctl_rc -ne 0 ]
}
check "anonymous_ram_refused_with_memfd_option" t_anon
[ -n "$anon_pid" ] && kill -9 "$anon_pid" 2>/dev/null

t_bad_ranges() {
	need_guest || return 1
	ok=0
	# legacy area, unaligned, beyond RAM, across the end of RAM, empty
	for r in "0 65536" "$((0xc0000)) 4096" "$((REL_GPA + 1)) 4096" \
		 "$REL_GPA 4095" "$((4096 * MiB)) $REL_LEN" \
		 "$((511 * MiB)) $((2 * MiB))" "$REL_GPA 0"; do
		if release "g1 $r"; then
			echo "range $r accepted"
			ok=1
		fi
	done
	release "nosuchvm $REL_GPA $REL_LEN" && ok=1
	[ $ok -eq 0 ]
}
check "invalid_ranges_rejected" t_bad_ranges

# Let QEMU read the range (QMP pmemsave): every page of it becomes
# resident in its memfd and mapped in QEMU, counted in RssShmem.
t_release() {
	need_guest || return 1
	tbguest qmp g1 "{\"execute\":\"pmemsave\",\"arguments\":{\"val\":$REL_GPA,\"size\":$REL_LEN,\"filename\":\"$tmp/pmem\"}}" ||
		return 1
	rm -f "$tmp/pmem"
	before=$(rss_shmem "$pid")
	release "g1 $REL_GPA $REL_LEN" || return 1
	after=$(rss_shmem "$pid")
	echo "RssShmem $before -> $after (released $REL_LEN)"
	[ $((before - after)) -ge $((REL_LEN * 9 / 10)) ]
}
check "release_frees_host_memory" t_release

t_still_running() {
	need_guest || return 1
	tbguest exec g1 -- cat /proc/uptime
}
check "guest_runs_after_release" t_still_running

t_kill() {
	need_guest || return 1
	kill -9 "$pid" || return 1
	tries=100
	while [ $tries -gt 0 ]; do
		[ "$(field state)" = off ] && break
		tries=$((tries - 1))
		sleep 0.1
	done
	ctl -j -s vm show g1
	[ "$(field state)" = off ] && [ -z "$(field pid)" ] &&
		[ -z "$(field physical)" ]
}
check "sigkill_detaches_by_itself" t_kill

# What the events say of the above: g1 attached to QEMU (and neither the
# anonymous QEMU nor the second record did), the range went back with no
# error and took some time, a refused range has its error, and the
# record detached because QEMU was gone.
t_trace() {
	need_guest || return 1
	grep ' dmh_' $T/trace >"$tmp/trace"
	cat "$tmp/trace"
	grep -q " dmh_attach: vm=g1 pid=$pid cid=$CID\$" "$tmp/trace" ||
		{ echo "no attach event of g1"; return 1; }
	grep -qE ' dmh_attach: vm=(anon|g1b) ' "$tmp/trace" &&
		{ echo "an attach that failed was traced"; return 1; }
	rel=$(printf 'vm=g1 gpa=0x%x len=0x%x' $REL_GPA $REL_LEN)
	grep -qE " dmh_release: $rel err=0 ns=[1-9][0-9]*\$" "$tmp/trace" ||
		{ echo "no release event: $rel err=0"; return 1; }
	grep -q " dmh_release: vm=g1 gpa=0xc0000 len=0x1000 err=-22 " \
		"$tmp/trace" || { echo "no event of a refused range"; return 1; }
	grep -q " dmh_detach: vm=g1 vmm_gone=1\$" "$tmp/trace" ||
		{ echo "no detach event of g1"; return 1; }
	echo 0 >$T/events/dynmem_host/enable
}
check "trace_attach_release_detach" t_trace

t_reattach_dead() {
	need_guest || return 1
	ctl vm set g1 pid "$pid"
	[ $ctl_rc -ne 0 ] && grep -qx 'Error: pid: no such process' "$tmp/err"
}
check "dead_pid_refused" t_reattach_dead

t_unload() {
	tbguest stop g1 >/dev/null 2>&1
	rmmod dynmem_host || return 1
	! grep -q '^dynmem_host ' /proc/modules
}
check "rmmod_clean" t_unload

t_dmesg() {
	dmesg | tail -n +"$((dmesg_before + 1))" >"$tmp/dmesg"
	cat "$tmp/dmesg"
	! grep -qE 'WARNING:|BUG:|Oops|Call Trace|refcount_t|general protection' "$tmp/dmesg"
}
check "no_kernel_warnings" t_dmesg

rm -rf "$tmp"
ktap_totals
