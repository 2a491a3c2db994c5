#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# "dynmemctl monitor" prints every change as it happens.

. "$(dirname "$0")/lib.sh"

require_env
ktap_plan 12

if load_module; then
	pass "insmod dynmem_host"
else
	fail "insmod dynmem_host"
	ktap_finish
fi

if start_monitor "$DM_TMP/mon.json" -j; then
	pass "JSON monitor reports a host change"
else
	fail "JSON monitor reports a host change" "$(cat "$DM_TMP/mon.json.err")"
fi
expect_eq "host event in JSON" \
	"$(grep '"host"' "$DM_TMP/mon.json" | head -n 1 | jq -c '[.event, .object, .period]')" \
	'["set","host",100]'

dynmemctl vm add web startup 1G maximum 2G
dynmemctl vm set web weight 42
dynmemctl vm del web

if wait_for_line "$DM_TMP/mon.json" '"event":"del"'; then
	pass "JSON monitor sees add, set and del"
else
	fail "JSON monitor sees add, set and del" "$(cat "$DM_TMP/mon.json")"
fi
grep '"vm"' "$DM_TMP/mon.json" >"$DM_TMP/vm-events"
expect_eq "vm events arrive in order, one line each" \
	"$(jq -c '[.event, .name]' "$DM_TMP/vm-events" | tr '\n' ' ')" \
	'["add","web"] ["set","web"] ["del","web"] '
expect_eq "add event carries the new record" \
	"$(sed -n 1p "$DM_TMP/vm-events" | jq -c '[.startup, .minimum, .maximum, .weight]')" \
	'[1073741824,1073741824,2147483648,5000]'
expect_eq "set event carries the record after the change" \
	"$(sed -n 2p "$DM_TMP/vm-events" | jq -c '[.startup, .maximum, .weight]')" \
	'[1073741824,2147483648,42]'
expect_eq "del event carries the record before deletion" \
	"$(sed -n 3p "$DM_TMP/vm-events" | jq -c '[.maximum, .weight]')" \
	'[2147483648,42]'

dm vm set nosuchvm weight 1
dynmemctl vm add marker startup 1G
wait_for_line "$DM_TMP/mon.json" '"name":"marker"'
expect_eq "a refused change sends no event" \
	"$(grep -c nosuchvm "$DM_TMP/mon.json")" 0

if start_monitor "$DM_TMP/mon.txt"; then
	pass "text monitor reports a host change"
else
	fail "text monitor reports a host change" "$(cat "$DM_TMP/mon.txt.err")"
fi
dynmemctl vm set marker buffer 30
if wait_for_line "$DM_TMP/mon.txt" '^set vm marker: '; then
	pass "text monitor sees a set"
else
	fail "text monitor sees a set" "$(cat "$DM_TMP/mon.txt")"
fi
expect_eq "text event line" "$(grep '^set vm marker' "$DM_TMP/mon.txt")" \
	"set vm marker: state off startup 1GiB minimum 1GiB maximum 1GiB buffer 30% weight 5000"

ktap_finish
