#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Attaching VM records to VMM processes (pid) and vsock CIDs (cid): every
# refusal comes back with the kernel's reason and changes nothing. UML has
# no KVM, so no process here has a KVM VM; the test bed
# (selftests/testbed/attach.sh) attaches to real ones.

. "$(dirname "$0")/lib.sh"

require_env
ktap_plan 25

G=1073741824

# The kernel's extended ACK messages (host/kvm.c, host/netlink.c).
NO_PROC_MSG="pid: no such process"
NO_KVM_MSG="pid: the process has no KVM VM"
NO_PTRACE_MSG="pid: attaching needs CAP_SYS_PTRACE"
CID_RANGE_MSG="cid: out of range (3 to 4294967294)"
CID_TAKEN_MSG="cid: another VM record has that CID"
NO_VM_MSG="no VM of that name"

if load_module; then
	pass "insmod dynmem_host"
else
	fail "insmod dynmem_host"
	ktap_finish
fi

# A PID that belongs to no process: one past the largest the kernel hands
# out can never be in use.
pid_max=$(cat /proc/sys/kernel/pid_max)
dead_pid=$pid_max

# A live process without a KVM VM.
sleep 600 &
live_pid=$!
DM_PIDS="$DM_PIDS $live_pid"

# --- pid ----------------------------------------------------------------
expect_err "add with a PID that no process has" "$NO_PROC_MSG" \
	vm add web startup 1G pid "$dead_pid"
dm vm show web
check_err "a refused attach made no record" "$NO_VM_MSG"

expect_err "add with a process that has no KVM VM" "$NO_KVM_MSG" \
	vm add web startup 1G pid "$live_pid"
dm vm show web
check_err "a process without KVM made no record" "$NO_VM_MSG"

expect_ok "add with pid 0 makes a detached record" vm add web startup 1G pid 0
expect_eq "a detached record is off, with no pid" \
	"$(vm_json web '.[0] | [.state, has("pid"), has("stats")]')" \
	'["off",false,false]'

expect_err "set with a PID that no process has" "$NO_PROC_MSG" \
	vm set web weight 100 pid "$dead_pid"
expect_err "set with a process that has no KVM VM" "$NO_KVM_MSG" \
	vm set web weight 100 pid "$live_pid"
expect_eq "a refused set changed nothing" \
	"$(vm_json web '.[0] | [.state, .weight]')" '["off",5000]'

expect_ok "pid 0 on a detached record changes nothing else" \
	vm set web weight 100 pid 0
expect_eq "the rest of a set with pid 0 applies" \
	"$(vm_json web '.[0] | [.state, .weight]')" '["off",100]'

# Attaching can take memory from the process: CAP_NET_ADMIN is not enough.
setpriv --bounding-set=-sys_ptrace --inh-caps=-sys_ptrace \
	"$(command -v dynmemctl)" vm set web pid "$live_pid" \
	>"$DM_TMP/out" 2>"$DM_TMP/err"
RC=$?
OUT=$(cat "$DM_TMP/out")
ERR=$(cat "$DM_TMP/err")
check_err "attaching without CAP_SYS_PTRACE is refused" "$NO_PTRACE_MSG"

# --- cid ----------------------------------------------------------------
expect_err "cid 2 (the host) is refused" "$CID_RANGE_MSG" vm set web cid 2
expect_err "cid 0 is refused" "$CID_RANGE_MSG" vm set web cid 0
expect_err "cid 4294967295 (VMADDR_CID_ANY) is refused" "$CID_RANGE_MSG" \
	vm set web cid 4294967295
expect_err "add with cid 1 makes no record" "$CID_RANGE_MSG" \
	vm add db startup 1G cid 1

expect_ok "cid 3 is accepted" vm set web cid 3
expect_eq "the CID is shown" "$(vm_json web '.[0] | [.cid, .state]')" '[3,"off"]'
dm vm show web
expect_eq "text show has the CID" "$OUT" \
	"vm web: state off startup 1GiB minimum 1GiB maximum 1GiB buffer 20% weight 100 cid 3"

expect_err "two records cannot share a CID" "$CID_TAKEN_MSG" \
	vm add db startup 1G cid 3
expect_ok "a record may be given its own CID again" vm set web cid 3
expect_ok "the largest CID is accepted" \
	vm add db startup $G cid 4294967294
expect_eq "both records keep their CIDs" \
	"$(dm -j vm show; printf '%s' "$OUT" | jq -c '[.[] | [.name, .cid]]')" \
	'[["web",3],["db",4294967294]]'

if unload_module; then
	pass "rmmod dynmem_host"
else
	fail "rmmod dynmem_host"
fi

ktap_finish
