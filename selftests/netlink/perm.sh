#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Writes need CAP_NET_ADMIN; reads are open to every user.

. "$(dirname "$0")/lib.sh"

require_env
ktap_plan 11

if load_module; then
	pass "insmod dynmem_host"
else
	fail "insmod dynmem_host"
	ktap_finish
fi

expect_ok "root adds a VM" vm add web startup 1G

dm_as_nobody vm add evil startup 1G
check_err "nobody cannot add a VM" "Operation not permitted"
dm_as_nobody vm set web weight 1
check_err "nobody cannot change a VM" "Operation not permitted"
dm_as_nobody vm del web
check_err "nobody cannot delete a VM" "Operation not permitted"
dm_as_nobody host set period 1000
check_err "nobody cannot change host settings" "Operation not permitted"

dm_as_nobody vm show
expect_eq "nobody can list the VMs" "$OUT" \
	"vm web: state off startup 1GiB minimum 1GiB maximum 1GiB buffer 20% weight 5000"
dm_as_nobody -j vm show web
expect_eq "nobody can show one VM in JSON" \
	"$(printf '%s' "$OUT" | jq -c '[.[].name, .[].weight]')" '["web",5000]'
dm_as_nobody -j host show
expect_eq "nobody can show the host settings" \
	"$(printf '%s' "$OUT" | jq -c '[.period, .vms]')" "[100,1]"

dm -j vm show
expect_eq "refused writes changed nothing" \
	"$(printf '%s' "$OUT" | jq -c '[.[] | [.name, .weight]]')" '[["web",5000]]'

if unload_module; then
	pass "rmmod dynmem_host"
else
	fail "rmmod dynmem_host"
fi

ktap_finish
