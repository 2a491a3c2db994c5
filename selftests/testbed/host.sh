#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Test bed scenario (runs in the L1 host): dynmem_host.ko loads into the
# Debian 6.1 kernel next to KVM, a smoke set of dynmemctl commands works
# against it, and it unloads cleanly. KTAP on stdout.
#
#   tools/testbed/run selftests/testbed/host.sh

. /mnt/tb/ktap.sh
tmp=$(mktemp -d)

# Run "$@" and file it as test $desc.
# Run dynmemctl, keeping stdout, stderr and the exit status apart.
ctl() {
	dynmemctl "$@" >"$tmp/out" 2>"$tmp/err"
	ctl_rc=$?
	echo "\$ dynmemctl $*"
	cat "$tmp/out" "$tmp/err"
	return 0
}

echo "KTAP version 1"
echo "1..11"

t_prereq() {
	grep -qw kvm_amd /proc/modules || grep -qw kvm_intel /proc/modules || {
		echo "KVM is not loaded"; return 1; }
	[ -c /dev/kvm ] || { echo "no /dev/kvm"; return 1; }
	[ -f "$DYNMEM_HOST_KO" ] || { echo "dynmem_host.ko was not built"; return 1; }
	command -v dynmemctl || { echo "dynmemctl was not built"; return 1; }
}
check "host_prerequisites" t_prereq

t_not_loaded() {
	ctl vm show
	[ $ctl_rc -ne 0 ] && grep -q 'dynmem_host is not loaded' "$tmp/err"
}
check "dynmemctl_without_module_says_not_loaded" t_not_loaded

dmesg_before=$(dmesg | wc -l)
t_load() {
	insmod "$DYNMEM_HOST_KO" || return 1
	grep -q '^dynmem_host ' /proc/modules &&
		grep -qE '^kvm_(amd|intel) ' /proc/modules
}
check "insmod_next_to_kvm" t_load

t_add_show() {
	ctl vm add tb-web1 startup 1G maximum 2G
	[ $ctl_rc -eq 0 ] || return 1
	ctl vm show tb-web1
	[ $ctl_rc -eq 0 ] &&
		grep -q 'tb-web1:.* startup 1GiB' "$tmp/out" &&
		grep -q 'maximum 2GiB' "$tmp/out"
}
check "vm_add_and_show" t_add_show

t_set() {
	ctl vm set tb-web1 maximum 4G weight 100
	[ $ctl_rc -eq 0 ] || return 1
	ctl vm show tb-web1
	grep -q 'maximum 4GiB' "$tmp/out" && grep -q 'weight 100' "$tmp/out" &&
		grep -q 'startup 1GiB' "$tmp/out"
}
check "vm_set_changes_only_given_values" t_set

t_bad_add() {
	ctl vm add tb-bad startup 2G maximum 1G
	[ $ctl_rc -ne 0 ] || return 1
	# The kernel's extended ACK message reaches the user.
	grep -q '^Error: ..*' "$tmp/err" || return 1
	ctl vm show tb-bad
	[ $ctl_rc -ne 0 ]
}
check "vm_add_rejected_with_message" t_bad_add

t_dup() {
	ctl vm add tb-web1 startup 1G
	[ $ctl_rc -ne 0 ] && grep -q '^Error: ' "$tmp/err"
}
check "vm_add_duplicate_rejected" t_dup

t_dump() {
	ctl vm add tb-web2 startup 512M
	[ $ctl_rc -eq 0 ] || return 1
	ctl vm show
	[ $ctl_rc -eq 0 ] && grep -q 'tb-web1:' "$tmp/out" &&
		grep -q 'tb-web2:' "$tmp/out"
}
check "vm_dump_lists_all" t_dump

t_del() {
	ctl vm del tb-web1
	[ $ctl_rc -eq 0 ] || return 1
	ctl vm show tb-web1
	[ $ctl_rc -ne 0 ] && grep -q '^Error: ' "$tmp/err" || return 1
	ctl vm show
	! grep -q 'tb-web1:' "$tmp/out" && grep -q 'tb-web2:' "$tmp/out"
}
check "vm_del" t_del

t_unload() {
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
