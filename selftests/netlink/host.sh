#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host-wide settings: show, set, and refused values.

. "$(dirname "$0")/lib.sh"

require_env
ktap_plan 29

if load_module; then
	pass "insmod dynmem_host"
else
	fail "insmod dynmem_host"
	ktap_finish
fi

host_json()
{
	dm -j host show
	if [ "$RC" -ne 0 ]; then
		echo "ERROR: exit $RC: $ERR"
		return
	fi
	printf '%s' "$OUT" | jq -c "$1" 2>&1
}

expect_eq "defaults: reserved 0, period 100 ms, no VMs, no overcommit" \
	"$(host_json '[.reserved, .period, .vms, .overcommit]')" "[0,100,0,false]"

TOTAL=$(host_json .total)
MEM_KB=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)
diag "total $TOTAL bytes, MemTotal $MEM_KB kB"
if [ "$TOTAL" -gt 0 ] 2>/dev/null &&
   [ "$TOTAL" -ge $((MEM_KB * 1024)) ] &&
   [ "$TOTAL" -le $((MEM_KB * 1024 * 2)) ]; then
	pass "total is the host's RAM"
else
	fail "total is the host's RAM" "total $TOTAL, MemTotal $MEM_KB kB"
fi
expect_eq "pool is total - reserved" "$(host_json .pool)" "$TOTAL"
# UML has no KVM: no VM ever runs here.
expect_eq "no VM running: available is the pool, pressure 0, running 0" \
	"$(host_json '[.available, .pressure, .running]')" "[$TOTAL,0,0]"
expect_eq "available, pressure and running are numbers in JSON" \
	"$(host_json '[.available, .pressure, .running] | map(type)')" \
	'["number","number","number"]'

dm host show
case $OUT in
"host: reserved 0B period 100ms total "*" pool "*" vms 0 overcommit no available "*" pressure 0% running 0")
	pass "text show" ;;
*)
	fail "text show" "$OUT" ;;
esac
# The text shows sizes for people: available as the pool is shown.
expect_eq "text show: available is printed as the pool is" \
	"$(printf '%s' "$OUT" | sed -n 's/.* pool \([^ ]*\) .* available \([^ ]*\) .*/\1 \2/p')" \
	"$(printf '%s' "$OUT" | sed -n 's/.* pool \([^ ]*\) .*/\1 \1/p')"
dm host
expect_eq "\"dynmemctl host\" is \"dynmemctl host show\"" "$OUT" "$(dynmemctl host show)"

expect_ok "set reserved and period" host set reserved 64M period 250
expect_eq "reserved and period were stored" "$(host_json '[.reserved, .period]')" \
	"[67108864,250]"
expect_eq "pool shrinks by reserved" "$(host_json .pool)" "$((TOTAL - 67108864))"
expect_eq "available shrinks with the pool" "$(host_json .available)" \
	"$((TOTAL - 67108864))"

expect_ok "period 10 ms (lower bound) is accepted" host set period 10
expect_ok "period 60000 ms (upper bound) is accepted" host set period 60000
expect_ok "reserved 0 is accepted" host set reserved 0

expect_err "period 9 is refused" "period_ms: must be 10 to 60000" host set period 9
expect_err "period 60001 is refused" "period_ms: must be 10 to 60000" host set period 60001
expect_err "unaligned reserved is refused" "reserved: not a multiple of 4 KiB" \
	host set reserved 1000
expect_err "reserved above 1 PiB is refused" "reserved: above the largest size, 1 PiB" \
	host set reserved 1048577G
expect_err "bad reserved size is refused locally" \
	"invalid size \"lots\": expected a number of bytes, optionally followed by K, M, G, T or KiB, MiB, GiB, TiB" \
	host set reserved lots
expect_eq "refused sets changed nothing" "$(host_json '[.reserved, .period]')" "[0,60000]"

# Read-only figures: dynmemctl sends them, the kernel refuses them.
expect_err "available is refused in host set" "available: read-only" \
	host set available 1G
expect_err "pressure is refused in host set" "pressure: read-only" \
	host set pressure 50
expect_err "running is refused in host set" "nr_running: read-only" \
	host set running 1
expect_err "a read-only figure next to a setting is refused" \
	"available: read-only" host set reserved 128M available 1G
expect_eq "refused read-only figures changed nothing" \
	"$(host_json '[.reserved, .period, .available, .pressure, .running]')" \
	"[0,60000,$TOTAL,0,0]"

dynmemctl vm add a startup 1G && dynmemctl vm add b startup 1G
expect_eq "vms counts the VM records" "$(host_json .vms)" 2

if unload_module; then
	pass "rmmod dynmem_host"
else
	fail "rmmod dynmem_host"
fi

ktap_finish
