#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# VM records through dynmemctl: add, set, show (text and JSON), del, and
# every kind of invalid request, which must fail with the kernel's reason.

. "$(dirname "$0")/lib.sh"

require_env
ktap_plan 54

G=1073741824
M=1048576

# The kernel's extended ACK messages (host/settings.c, host/netlink.c).
NAME_TOO_LONG_MSG="name: too long (at most 63 characters)"
DUPLICATE_MSG="a VM of that name exists"
NO_VM_MSG="no VM of that name"

if load_module; then
	pass "insmod dynmem_host"
else
	fail "insmod dynmem_host"
	ktap_finish
fi

# --- empty registry ---------------------------------------------------
dm vm show
if [ "$RC" -eq 0 ] && [ -z "$OUT" ] && [ -z "$ERR" ]; then
	pass "show on an empty registry prints nothing"
else
	fail "show on an empty registry prints nothing" "exit $RC" "$OUT" "$ERR"
fi
dm -j vm show
expect_eq "JSON show on an empty registry is []" "$(printf '%s' "$OUT" | jq -c .)" "[]"

# --- add and show -----------------------------------------------------
dm vm add web startup 1G minimum 512MiB maximum 4GiB buffer 20 weight 5000
if [ "$RC" -eq 0 ] && [ -z "$OUT" ] && [ -z "$ERR" ]; then
	pass "add succeeds silently"
else
	fail "add succeeds silently" "exit $RC" "stdout: $OUT" "stderr: $ERR"
fi

dm vm show web
expect_eq "text show of one VM" "$OUT" \
	"vm web: state off startup 1GiB minimum 512MiB maximum 4GiB buffer 20% weight 5000"

expect_eq "JSON show has exact byte values" \
	"$(vm_json web '.[0] | [.name, .state, .startup, .minimum, .maximum, .buffer, .weight]')" \
	"[\"web\",\"off\",$G,$((512 * M)),$((4 * G)),20,5000]"

expect_eq "JSON show of one VM is an array of one" "$(vm_json web 'length')" 1

dm vm
OUT_DEFAULT=$OUT
dm vm show
expect_eq "\"dynmemctl vm\" is \"dynmemctl vm show\"" "$OUT_DEFAULT" "$OUT"

expect_ok "add with startup only" vm add db startup 2G
expect_eq "minimum, maximum, buffer and weight take their defaults" \
	"$(vm_json db '.[0] | [.startup, .minimum, .maximum, .buffer, .weight]')" \
	"[$((2 * G)),$((2 * G)),$((2 * G)),20,5000]"

expect_ok "add with plain bytes and K suffix" vm add plain startup 268435456 minimum 131072K maximum 1048576KiB
expect_eq "plain bytes and K are 1024-based" \
	"$(vm_json plain '.[0] | [.startup, .minimum, .maximum]')" \
	"[268435456,134217728,1073741824]"

dm -p vm show plain
if [ "$RC" -eq 0 ] && [ "$(printf '%s\n' "$OUT" | wc -l)" -gt 3 ] &&
   [ "$(printf '%s' "$OUT" | jq -c '.[0].name')" = '"plain"' ]; then
	pass "-p pretty-prints valid JSON"
else
	fail "-p pretty-prints valid JSON" "exit $RC" "$OUT"
fi

dm vm show
expect_eq "dump lists every VM in creation order" \
	"$(printf '%s\n' "$OUT" | cut -d: -f1 | tr '\n' ' ')" "vm web vm db vm plain "
dm -j vm show
expect_eq "JSON dump lists every VM in creation order" \
	"$(printf '%s' "$OUT" | jq -c '[.[].name]')" '["web","db","plain"]'

# --- set --------------------------------------------------------------
expect_ok "set maximum, buffer (with %) and weight" vm set web maximum 8G buffer 50% weight 100
expect_eq "set changes what it names and keeps the rest" \
	"$(vm_json web '.[0] | [.startup, .minimum, .maximum, .buffer, .weight]')" \
	"[$G,$((512 * M)),$((8 * G)),50,100]"
dm vm show web
expect_eq "text show after set" "$OUT" \
	"vm web: state off startup 1GiB minimum 512MiB maximum 8GiB buffer 50% weight 100"

expect_ok "buffer 5 and weight 0 (lower bounds) are accepted" vm set web buffer 5 weight 0
expect_ok "buffer 2000 and weight 10000 (upper bounds) are accepted" vm set web buffer 2000 weight 10000
expect_eq "bounds were stored" "$(vm_json web '.[0] | [.buffer, .weight]')" "[2000,10000]"

expect_ok "set startup, minimum and maximum together" vm set web startup 2G minimum 1G maximum 2G
expect_eq "sizes were stored" "$(vm_json web '.[0] | [.startup, .minimum, .maximum]')" \
	"[$((2 * G)),$G,$((2 * G))]"

# --- invalid input: rejected by dynmemctl itself --------------------------
SUFFIXES="K, M, G, T or KiB, MiB, GiB, TiB"
expect_err "garbage size is refused locally" \
	"invalid size \"abc\": expected a number of bytes, optionally followed by $SUFFIXES" \
	vm add bad startup abc
expect_err "unknown suffix is refused locally" \
	"invalid size \"1X\": unknown suffix \"X\" (use $SUFFIXES)" \
	vm add bad startup 1X
expect_err "decimal suffix KB is refused locally" \
	"invalid size \"4KB\": unknown suffix \"KB\" (use $SUFFIXES)" \
	vm set web startup 4KB
expect_err "negative size is refused locally" \
	"invalid size \"-1G\": expected a number of bytes, optionally followed by $SUFFIXES" \
	vm add bad startup -1G
expect_err "64-bit overflow is refused locally" \
	"invalid size \"16777216T\": too large" \
	vm add bad startup 16777216T
expect_err "weight above 32 bits is refused locally" \
	"invalid number \"4294967296\": too large" \
	vm set web weight 4294967296
expect_err "keyword without value is refused" "\"weight\" needs a value" \
	vm set web weight

# --- invalid input: rejected by the kernel, with its reason ------------
expect_err "minimum above startup (and maximum) is refused" \
	"minimum: above startup" vm add bad startup 1G minimum 4G maximum 2G
expect_err "set: maximum below startup is refused" \
	"maximum: below startup" vm set web maximum 1G
expect_err "set: minimum above startup is refused" \
	"minimum: above startup" vm set web minimum 4G
expect_err "set: startup above maximum is refused" \
	"startup: above maximum" vm set web startup 4G
expect_err "buffer 4 is refused" "buffer: must be 5 to 2000 percent" \
	vm set web buffer 4
expect_err "buffer 2001 is refused" "buffer: must be 5 to 2000 percent" \
	vm add bad startup 1G buffer 2001
expect_err "weight 10001 is refused" "weight: must be 0 to 10000" \
	vm set web weight 10001
expect_err "unaligned size is refused" "startup: not a multiple of 4 KiB" \
	vm add bad startup 1000
expect_err "zero size is refused" "startup: must not be 0" \
	vm add bad startup 0
expect_err "size above 1 PiB is refused" "maximum: above the largest size, 1 PiB" \
	vm add bad startup 1G maximum 1048577G
expect_err "add without startup is refused" "startup: required" \
	vm add bad minimum 1G
expect_eq "refused requests changed nothing" \
	"$(vm_json web '.[0] | [.startup, .minimum, .maximum, .buffer, .weight]')" \
	"[$((2 * G)),$G,$((2 * G)),2000,10000]"

NAME63=$(printf '%063d' 0 | tr 0 n)
NAME64=${NAME63}n
expect_ok "a name of 63 characters is accepted" vm add "$NAME63" startup 1G
expect_err "a name of 64 characters is refused" "$NAME_TOO_LONG_MSG" \
	vm add "$NAME64" startup 1G
expect_err "a name with a space is refused" \
	"name: only printable ASCII characters without spaces allowed" \
	vm add "a b" startup 1G
expect_err "a duplicate name is refused" "$DUPLICATE_MSG" \
	vm add web startup 1G
expect_err "set of an unknown VM is refused" "$NO_VM_MSG" \
	vm set nosuchvm weight 1
expect_err "del of an unknown VM is refused" "$NO_VM_MSG" \
	vm del nosuchvm
expect_err "show of an unknown VM is refused" "$NO_VM_MSG" \
	vm show nosuchvm

dm -j vm show
expect_eq "refused adds created nothing" \
	"$(printf '%s' "$OUT" | jq -c '[.[].name]')" "[\"web\",\"db\",\"plain\",\"$NAME63\"]"

# --- del --------------------------------------------------------------
expect_ok "del" vm del web
expect_err "a deleted VM is gone" "$NO_VM_MSG" vm show web
dm -j vm show
expect_eq "the others remain" \
	"$(printf '%s' "$OUT" | jq -c '[.[].name]')" "[\"db\",\"plain\",\"$NAME63\"]"

if unload_module; then
	pass "rmmod dynmem_host"
else
	fail "rmmod dynmem_host"
fi

ktap_finish
