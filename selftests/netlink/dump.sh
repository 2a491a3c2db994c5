#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A dump of many VM records spans many recv() calls and must return every
# record once, in creation order.

. "$(dirname "$0")/lib.sh"

require_env
ktap_plan 7

NR=1000

if load_module; then
	pass "insmod dynmem_host"
else
	fail "insmod dynmem_host"
	ktap_finish
fi

seq -f 'vm%04g' 1 "$NR" >"$DM_TMP/expected"

# One process adds them all (-b): a thousand execs are slow under UML.
sed 's/.*/vm add & startup 64M maximum 128M/' "$DM_TMP/expected" >"$DM_TMP/batch"
expect_ok "$NR VMs added" -b "$DM_TMP/batch"

dm -j vm show
printf '%s' "$OUT" | jq -r '.[].name' >"$DM_TMP/json-names"
expect_eq "JSON dump returns $NR VMs" "$(wc -l <"$DM_TMP/json-names")" "$NR"
if cmp -s "$DM_TMP/json-names" "$DM_TMP/expected"; then
	pass "JSON dump names every VM once, in creation order"
else
	fail "JSON dump names every VM once, in creation order" \
		"$(diff "$DM_TMP/expected" "$DM_TMP/json-names" | head -n 10)"
fi
expect_eq "every dumped VM carries its policy" \
	"$(printf '%s' "$OUT" | jq '[.[] | select(.startup == 67108864 and .maximum == 134217728)] | length')" \
	"$NR"

dm vm show
printf '%s\n' "$OUT" | sed -n 's/^vm \([^:]*\): .*/\1/p' >"$DM_TMP/text-names"
if cmp -s "$DM_TMP/text-names" "$DM_TMP/expected"; then
	pass "text dump has one line per VM, in creation order"
else
	fail "text dump has one line per VM, in creation order" \
		"$(wc -l <"$DM_TMP/text-names") lines"
fi

dm -j host show
expect_eq "host counts $NR VMs" "$(printf '%s' "$OUT" | jq .vms)" "$NR"

ktap_finish
