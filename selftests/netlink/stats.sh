#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# "dynmemctl stats" (text, JSON and the Prometheus text format) and
# "dynmemctl top": what they print must be what "vm show" and "host show"
# report, and top must redraw when a change is announced. UML has no KVM,
# so every VM here is off and has no counters: the counters that the
# Prometheus output must carry are derived from "vm show -s", whatever it
# holds.

. "$(dirname "$0")/lib.sh"

require_env
if ! command -v python3 >/dev/null; then
	echo "TAP version 13"
	echo "1..0 # SKIP python3 not found"
	exit 4
fi
ktap_plan 33

# A name with the characters the exposition format escapes in labels.
ODD='a"b\c'

if load_module; then
	pass "insmod dynmem_host"
else
	fail "insmod dynmem_host"
	ktap_finish
fi

ok=1
dynmemctl vm add web startup 1G minimum 512M maximum 4G buffer 30 weight 8000 || ok=
dynmemctl vm add db startup 2G || ok=
dynmemctl vm add "$ODD" startup 512M weight 0 || ok=
dynmemctl host set reserved 64M || ok=
if [ -n "$ok" ]; then
	pass "add three VMs and reserve host memory"
else
	fail "add three VMs and reserve host memory"
fi

# --- Prometheus ---------------------------------------------------------

# A parser of the text exposition format (version 0.0.4) that checks the
# output against "vm show -s -j" and "host show -j". Prints one line per
# check: "NAME ok" or "NAME FAIL: reason".
cat >"$DM_TMP/prom.py" <<'EOF'
import json
import re
import sys

NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*'
VALUE = r'(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?Inf|NaN)'
HELP_RE = re.compile(r'# HELP (' + NAME + r') (.*)$')
TYPE_RE = re.compile(r'# TYPE (' + NAME + r') (counter|gauge|histogram|summary|untyped)$')
SAMPLE_RE = re.compile(r'(' + NAME + r')(\{.*\})? (' + VALUE + r')(?: (-?[0-9]+))?$')
PAIR_RE = re.compile(r'(' + LABEL + r')="((?:[^"\\\n]|\\[\\"n])*)"')


def unescape(s):
    return re.sub(r'\\(.)', lambda m: {'n': '\n'}.get(m.group(1), m.group(1)), s)


def labels(text):
    """'{a="x",b="y"}' -> {'a': 'x', 'b': 'y'}, or None if malformed."""
    if not text:
        return {}
    body, out, pos = text[1:-1], {}, 0
    while pos < len(body):
        m = PAIR_RE.match(body, pos)
        if not m or m.group(1) in out:
            return None
        out[m.group(1)] = unescape(m.group(2))
        pos = m.end()
        if pos < len(body):
            if body[pos] != ',':
                return None
            pos += 1
    return out


def number(s):
    return int(s) if re.fullmatch(r'-?[0-9]+', s) else float(s)


prom, vms, host = sys.argv[1:4]
lines = open(prom, encoding='utf-8').read().split('\n')
vms = json.load(open(vms))
host = json.load(open(host))
results = {}
bad = []
helps, types, samples, order = {}, {}, {}, []
for n, line in enumerate(lines, 1):
    if line == '' and n == len(lines):
        continue
    m = HELP_RE.match(line)
    if m:
        if m.group(1) in helps:
            bad.append('line %d: second HELP' % n)
        helps[m.group(1)] = n
        continue
    m = TYPE_RE.match(line)
    if m:
        if m.group(1) in types:
            bad.append('line %d: second TYPE' % n)
        types[m.group(1)] = (n, m.group(2))
        continue
    m = SAMPLE_RE.match(line)
    lab = labels(m.group(2)) if m else None
    if not m or lab is None:
        bad.append('line %d: not a sample, HELP or TYPE: %r' % (n, line))
        continue
    key = (m.group(1), frozenset(lab.items()))
    if key in samples:
        bad.append('line %d: duplicate sample' % n)
    samples[key] = number(m.group(3))
    if not order or order[-1][0] != m.group(1):
        order.append((m.group(1), n))
results['grammar'] = bad

bad = []
seen = set()
for name, n in order:
    if name in seen:
        bad.append('%s: samples not grouped' % name)
    seen.add(name)
    if name not in helps or helps[name] > n:
        bad.append('%s: no HELP before the samples' % name)
    if name not in types or types[name][0] > n:
        bad.append('%s: no TYPE before the samples' % name)
    elif types[name][1] == 'counter' and not name.endswith('_total'):
        bad.append('%s: a counter without _total' % name)
for name in set(helps) | set(types):
    if name not in seen:
        bad.append('%s: HELP or TYPE without samples' % name)
results['help_type'] = bad

SIMPLE = {
    'startup': 'dynmem_vm_startup_bytes',
    'minimum': 'dynmem_vm_minimum_bytes',
    'maximum': 'dynmem_vm_maximum_bytes',
    'buffer': 'dynmem_vm_buffer_percent',
    'weight': 'dynmem_vm_weight',
    'target': 'dynmem_vm_target_bytes',
}
STATS = {
    'visible': ('dynmem_vm_visible_bytes', None),
    'physical': ('dynmem_vm_physical_bytes', None),
    'added': ('dynmem_vm_added_bytes', None),
    'removed': ('dynmem_vm_removed_bytes', None),
    'demand': ('dynmem_vm_demand_bytes', None),
    'pressure_cur': ('dynmem_vm_pressure_percent', 'current'),
    'pressure_avg': ('dynmem_vm_pressure_percent', 'average'),
    'pressure_min': ('dynmem_vm_pressure_percent', 'minimum'),
    'pressure_max': ('dynmem_vm_pressure_percent', 'maximum'),
    'hotadd_ops': ('dynmem_vm_hotadd_operations_total', None),
    'balloon_ops': ('dynmem_vm_balloon_operations_total', None),
    'failures': ('dynmem_vm_failures_total', None),
    'last_error': ('dynmem_vm_last_error', None),
}
want = {}
bad = []
for vm in vms:
    def put(name, value, **extra):
        want[(name, frozenset(dict(vm=vm['name'], **extra).items()))] = value
    for key, name in SIMPLE.items():
        if key in vm:
            put(name, vm[key])
    for state in ('off', 'attached', 'running'):
        put('dynmem_vm_state', int(vm['state'] == state), state=state)
    for key, value in vm.get('stats', {}).items():
        if key not in STATS:
            bad.append('%s: counter %s has no metric' % (vm['name'], key))
            continue
        name, kind = STATS[key]
        if kind:
            put(name, value, kind=kind)
        else:
            put(name, value)
got = {k: v for k, v in samples.items() if k[0].startswith('dynmem_vm_')}
for k in sorted(set(want) | set(got), key=repr):
    if want.get(k) != got.get(k):
        bad.append('%s%s: expected %s, got %s' %
                   (k[0], dict(k[1]), want.get(k), got.get(k)))
results['vms'] = bad

want = {}
for key, name in (('total', 'dynmem_host_total_bytes'),
                  ('pool', 'dynmem_host_pool_bytes'),
                  ('reserved', 'dynmem_host_reserved_bytes'),
                  ('vms', 'dynmem_host_vms'),
                  ('available', 'dynmem_host_available_bytes'),
                  ('pressure', 'dynmem_host_pressure_percent'),
                  ('running', 'dynmem_host_running_vms')):
    if key in host:
        want[name] = host[key]
if 'overcommit' in host:
    want['dynmem_host_overcommit'] = int(host['overcommit'])
if 'period' in host:
    want['dynmem_host_period_seconds'] = host['period'] / 1000
got = {k[0]: v for k, v in samples.items() if k[0].startswith('dynmem_host_')}
bad = ['%s: expected %s, got %s' % (k, want.get(k), got.get(k))
       for k in sorted(set(want) | set(got)) if want.get(k) != got.get(k)]
bad += ['%s: has labels' % k[0] for k in samples
        if k[0].startswith('dynmem_host_') and k[1]]
results['host'] = bad

others = [k[0] for k in samples if not k[0].startswith(('dynmem_vm_', 'dynmem_host_'))]
results['names'] = ['unexpected metric %s' % n for n in others]

for check, problems in results.items():
    print(check, 'ok' if not problems else 'FAIL: ' + '; '.join(problems[:10]))
EOF

dm -s -j vm show
printf '%s' "$OUT" >"$DM_TMP/vms.json"
dm -j host show
printf '%s' "$OUT" >"$DM_TMP/host.json"

if dynmemctl stats --format prometheus >"$DM_TMP/prom" 2>"$DM_TMP/prom.err" &&
   [ ! -s "$DM_TMP/prom.err" ] && [ -s "$DM_TMP/prom" ]; then
	pass "stats --format prometheus succeeds"
else
	fail "stats --format prometheus succeeds" "$(cat "$DM_TMP/prom.err")"
fi

python3 "$DM_TMP/prom.py" "$DM_TMP/prom" "$DM_TMP/vms.json" "$DM_TMP/host.json" \
	>"$DM_TMP/prom.check" 2>&1
for check in grammar help_type vms host names; do
	line=$(grep "^$check " "$DM_TMP/prom.check")
	case $line in
	"$check ok") pass "prometheus: $check" ;;
	*) fail "prometheus: $check" \
		"${line:-no result: $(cat "$DM_TMP/prom.check")}" ;;
	esac
done

if grep -Fqx 'dynmem_vm_weight{vm="a\"b\\c"} 0' "$DM_TMP/prom"; then
	pass "prometheus: quote and backslash escaped in a label"
else
	fail "prometheus: quote and backslash escaped in a label" \
		"$(grep -F dynmem_vm_weight "$DM_TMP/prom")"
fi
expect_eq "prometheus: state is one sample per state" \
	"$(grep '^dynmem_vm_state{vm="web"' "$DM_TMP/prom" | tr '\n' ' ')" \
	'dynmem_vm_state{vm="web",state="off"} 1 dynmem_vm_state{vm="web",state="attached"} 0 dynmem_vm_state{vm="web",state="running"} 0 '
# The host-wide figures of the running VMs, by name, type and value
# (no VM runs in UML: all the pool is available).
POOL=$(jq .pool "$DM_TMP/host.json")
expect_eq "prometheus: available is a gauge equal to the pool" \
	"$(grep -E '^(# TYPE )?dynmem_host_available_bytes ' "$DM_TMP/prom" | tr '\n' ' ')" \
	"# TYPE dynmem_host_available_bytes gauge dynmem_host_available_bytes $POOL "
expect_eq "prometheus: pressure is a gauge, 0 with no VM running" \
	"$(grep -E '^(# TYPE )?dynmem_host_pressure_percent ' "$DM_TMP/prom" | tr '\n' ' ')" \
	"# TYPE dynmem_host_pressure_percent gauge dynmem_host_pressure_percent 0 "
expect_eq "prometheus: running VMs is a gauge, 0 here" \
	"$(grep -E '^(# TYPE )?dynmem_host_running_vms ' "$DM_TMP/prom" | tr '\n' ' ')" \
	"# TYPE dynmem_host_running_vms gauge dynmem_host_running_vms 0 "
expect_eq "prometheus: no counters for VMs that are off" \
	"$(grep -c -E '^dynmem_vm_(physical|visible|demand|pressure)' "$DM_TMP/prom")" 0

# --- text and JSON ------------------------------------------------------

dm stats --format json
printf '%s' "$OUT" >"$DM_TMP/stats.json"
expect_eq "stats --format json: host and VMs as host show and vm show -s" \
	"$(jq -c '[.host, .vms]' "$DM_TMP/stats.json" 2>&1)" \
	"$(jq -c --slurpfile v "$DM_TMP/vms.json" '[., $v[0]]' "$DM_TMP/host.json")"
dm -j stats
expect_eq "-j stats is the JSON format" "$OUT" "$(cat "$DM_TMP/stats.json")"

dm stats
expect_eq "stats text: a host line, then each VM as vm show -s" \
	"$(printf '%s\n' "$OUT" | sed -n '1s/^host: .* pool .* vms 3 overcommit no available .* pressure 0% running 0$/HOST/p;2,$p')" \
	"$(printf 'HOST\n'; dynmemctl -s vm show)"

expect_err "stats refuses an unknown format" \
	"unknown format \"csv\" (use prometheus, text or json)" stats --format csv

# --- top ----------------------------------------------------------------

# frames FILE: number of complete frames (each ends with an empty line).
frames()
{
	grep -c '^$' "$1"
}

if dynmemctl top -n 2 -d 0.2 >"$DM_TMP/top" 2>"$DM_TMP/top.err" &&
   [ ! -s "$DM_TMP/top.err" ]; then
	pass "top -n 2 -d 0.2 exits"
else
	fail "top -n 2 -d 0.2 exits" "$(cat "$DM_TMP/top.err")"
fi
expect_eq "top prints two frames" "$(frames "$DM_TMP/top")" 2
expect_eq "top uses no escape sequences when not on a terminal" \
	"$(tr -d '\n' <"$DM_TMP/top" | tr -d '[:print:]' | wc -c)" 0
# Each frame: a host line, a heading, one line per VM.
expect_eq "each frame lists every VM and its state" \
	"$(awk 'BEGIN { RS = "" } {
		n = split($0, l, "\n"); s = ""
		for (i = 3; i <= n; i++) { split(l[i], f, " "); s = s f[1] "=" f[2] " " }
		print s }' "$DM_TMP/top" | sort -u)" \
	"web=off db=off $ODD=off "
expect_eq "top host line" \
	"$(sed -n '1s/^[0-9][0-9]:[0-9][0-9]:[0-9][0-9] //p' "$DM_TMP/top" |
		sed 's/pool [^ ]* //; s/available [^ ]* //')" \
	"host: reserved 64MiB vms 3 overcommit no pressure 0% running 0"
# No VM runs: all of the pool is available, as top shows it.
expect_eq "top host line: available is the pool" \
	"$(sed -n '1s/.* pool \([^ ]*\) .* available \([^ ]*\) .*/\1 \2/p' "$DM_TMP/top")" \
	"$(sed -n '1s/.* pool \([^ ]*\) .*/\1 \1/p' "$DM_TMP/top")"
expect_eq "top heading" "$(sed -n 2p "$DM_TMP/top" | tr -s ' ')" \
	"NAME STATE ASSIGNED DEMAND PRESSURE STATUS"

dm -j top -n 2 -d 0.2
printf '%s\n' "$OUT" >"$DM_TMP/top.json"
expect_eq "top -j prints one JSON object per frame" \
	"$(jq -c '[.host.vms, [.vms[].name]]' "$DM_TMP/top.json" 2>&1 | tr '\n' ' ')" \
	"[3,[\"web\",\"db\",\"a\\\"b\\\\c\"]] [3,[\"web\",\"db\",\"a\\\"b\\\\c\"]] "
expect_eq "top -j: the host-wide figures, as numbers" \
	"$(jq -c '.host | [.available == .pool, .pressure, .running]' "$DM_TMP/top.json" | head -n 1)" \
	"[true,0,0]"
# Nothing measured for VMs that are off: assigned is the target, and
# demand, pressure and status are absent rather than zero.
expect_eq "top -j: assigned is the target, nothing else is made up" \
	"$(jq -c '[.vms[] | [.name, .state, .assigned, has("demand"), has("pressure"), has("status")]]' "$DM_TMP/top.json" | head -n 1)" \
	"$(jq -c '[.[] | [.name, .state, .target, false, false, false]]' "$DM_TMP/vms.json")"

# A change shows up at once, long before the 60 s refresh is due.
dynmemctl top -n 1000 -d 60 >"$DM_TMP/live" 2>"$DM_TMP/live.err" &
DM_PIDS="$DM_PIDS $!"
if wait_for_line "$DM_TMP/live" '^$'; then
	pass "top running in the background drew its first frame"
else
	fail "top running in the background drew its first frame" \
		"$(cat "$DM_TMP/live.err")"
fi
dynmemctl vm add late startup 256M
if wait_for_line "$DM_TMP/live" '^late +off '; then
	pass "a VM added while top runs is in the next frame"
else
	fail "a VM added while top runs is in the next frame" "$(cat "$DM_TMP/live")"
fi
dynmemctl vm del db
tries=100
while [ "$tries" -gt 0 ] && [ "$(frames "$DM_TMP/live")" -lt 3 ]; do
	tries=$((tries - 1))
	sleep 0.05
done
expect_eq "a VM deleted while top runs is gone from the next frame" \
	"$(awk 'BEGIN { RS = "" } NR == 3 {
		n = split($0, l, "\n")
		for (i = 3; i <= n; i++) { split(l[i], f, " "); printf "%s ", f[1] } }' "$DM_TMP/live")" \
	"web $ODD late "

expect_err "top refuses a zero delay" \
	'invalid delay "0": expected seconds, more than 0 and at most 86400' top -d 0
expect_err "top refuses an unknown argument" \
	'unknown argument "-x"; try "dynmemctl top help"' top -x

ktap_finish
