#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Without dynmem_host.ko, dynmemctl says what to load; unloading the module
# with VM records (and a monitor) works, and a reload starts empty.

. "$(dirname "$0")/lib.sh"

require_env
ktap_plan 13

HINT='dynmem_host is not loaded (the generic netlink family "dynmem" was not found); try: modprobe dynmem_host'

unload_module
expect_err "vm show without the module prints the hint" "$HINT" vm show
expect_err "vm add without the module prints the hint" "$HINT" vm add web startup 1G
expect_err "host show without the module prints the hint" "$HINT" host show
expect_err "monitor without the module prints the hint" "$HINT" monitor

if load_module; then
	pass "insmod dynmem_host"
else
	fail "insmod dynmem_host"
	ktap_finish
fi
dynmemctl vm add a startup 1G &&
	dynmemctl vm add b startup 2G &&
	dynmemctl vm add c startup 3G
dm -j vm show
expect_eq "three VMs defined" "$(printf '%s' "$OUT" | jq -c '[.[].name]')" '["a","b","c"]'

if start_monitor "$DM_TMP/mon"; then
	pass "a monitor is running"
else
	fail "a monitor is running" "$(cat "$DM_TMP/mon.err")"
fi

if rmmod dynmem_host; then
	pass "rmmod with VMs defined and a monitor running"
else
	fail "rmmod with VMs defined and a monitor running"
fi
if module_loaded; then
	fail "the module is gone"
else
	pass "the module is gone"
fi
expect_err "after rmmod dynmemctl prints the hint" "$HINT" vm show

if insmod "$DYNMEM_HOST_KO"; then
	pass "insmod again"
else
	fail "insmod again"
fi
dm -j vm show
expect_eq "the registry is empty after a reload" "$(printf '%s' "$OUT" | jq -c .)" "[]"
dm -j host show
expect_eq "the host settings are back to defaults" \
	"$(printf '%s' "$OUT" | jq -c '[.vms, .reserved, .period]')" "[0,0,100]"

ktap_finish
