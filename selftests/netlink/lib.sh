# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the dynmem netlink selftests: KTAP output, running
# dynmemctl and checking what it printed, loading dynmem_host.ko.
#
# The tests run as root inside UML (tools/uml/run), which sets
# DYNMEM_HOST_KO to the module built for that kernel and puts the built
# dynmemctl first on PATH. Sourced by POSIX sh scripts; no bashisms.

KTAP_PLAN=0
KTAP_N=0
KTAP_FAILED=0

# Keep the tool's output and scratch files here.
DM_TMP=$(mktemp -d /tmp/dynmem-selftest.XXXXXX) || exit 1

ktap_plan()
{
	KTAP_PLAN=$1
	echo "TAP version 13"
	echo "1..$1"
}

diag()
{
	printf '%s\n' "$@" | sed 's/^/# /'
}

pass()
{
	KTAP_N=$((KTAP_N + 1))
	echo "ok $KTAP_N - $1"
}

fail()
{
	KTAP_N=$((KTAP_N + 1))
	KTAP_FAILED=$((KTAP_FAILED + 1))
	echo "not ok $KTAP_N - $1"
	shift
	[ $# -eq 0 ] || diag "$@"
}

# ktap_finish: check the plan, clean up, exit 0 only if every test passed.
ktap_finish()
{
	if [ "$KTAP_N" -ne "$KTAP_PLAN" ]; then
		diag "planned $KTAP_PLAN tests but ran $KTAP_N"
		KTAP_FAILED=$((KTAP_FAILED + 1))
	fi
	diag "$((KTAP_N - KTAP_FAILED)) passed, $KTAP_FAILED failed of $KTAP_N"
	cleanup
	[ "$KTAP_FAILED" -eq 0 ] && exit 0
	exit 1
}

# dm ARGS...: run dynmemctl; sets OUT (stdout), ERR (stderr) and RC.
dm()
{
	dynmemctl "$@" >"$DM_TMP/out" 2>"$DM_TMP/err"
	RC=$?
	OUT=$(cat "$DM_TMP/out")
	ERR=$(cat "$DM_TMP/err")
}

# dm_as_nobody ARGS...: as dm, with the uid, gid and groups of nobody.
dm_as_nobody()
{
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$(command -v dynmemctl)" "$@" >"$DM_TMP/out" 2>"$DM_TMP/err"
	RC=$?
	OUT=$(cat "$DM_TMP/out")
	ERR=$(cat "$DM_TMP/err")
}

# expect_ok DESC ARGS...: dynmemctl ARGS succeeds and prints no error.
expect_ok()
{
	_desc=$1
	shift
	dm "$@"
	if [ "$RC" -eq 0 ] && [ -z "$ERR" ]; then
		pass "$_desc"
		return 0
	fi
	fail "$_desc" "dynmemctl $*" "exit $RC" "stderr: $ERR"
	return 1
}

# check_err DESC MESSAGE: the last command failed with exit status 1 and
# printed exactly "Error: MESSAGE" on stderr and nothing on stdout.
check_err()
{
	if [ "$RC" -eq 1 ] && [ "$ERR" = "Error: $2" ] && [ -z "$OUT" ]; then
		pass "$1"
		return 0
	fi
	fail "$1" "exit $RC (expected 1)" "stderr: $ERR" \
		"expected: Error: $2" "stdout: $OUT"
	return 1
}

# expect_err DESC MESSAGE ARGS...: dynmemctl ARGS fails with MESSAGE.
expect_err()
{
	_desc=$1
	_msg=$2
	shift 2
	dm "$@"
	check_err "$_desc" "$_msg"
}

# expect_eq DESC ACTUAL EXPECTED
expect_eq()
{
	if [ "$2" = "$3" ]; then
		pass "$1"
		return 0
	fi
	fail "$1" "got:      $2" "expected: $3"
	return 1
}

# vm_json NAME FILTER: run FILTER (jq) on the JSON of "vm show NAME".
# Prints the result, or "ERROR: ..." when the show fails.
vm_json()
{
	dm -j vm show "$1"
	if [ "$RC" -ne 0 ]; then
		echo "ERROR: exit $RC: $ERR"
		return
	fi
	printf '%s' "$OUT" | jq -c "$2" 2>&1
}

module_loaded()
{
	[ -d /sys/module/dynmem_host ]
}

# load_module: insmod dynmem_host.ko (unloading a stale copy first).
load_module()
{
	if module_loaded; then
		rmmod dynmem_host || return 1
	fi
	insmod "$DYNMEM_HOST_KO"
}

unload_module()
{
	! module_loaded || rmmod dynmem_host
}

# Processes the test started, killed by cleanup.
DM_PIDS=

cleanup()
{
	for _pid in $DM_PIDS; do
		kill "$_pid" 2>/dev/null
		wait "$_pid" 2>/dev/null
	done
	DM_PIDS=
	unload_module 2>/dev/null
	rm -rf "$DM_TMP"
}

# wait_for_line FILE PATTERN [TRIES]: poll FILE until a line matches the
# grep -E PATTERN; 0.05 s between looks, TRIES looks (default 100).
wait_for_line()
{
	_tries=${3:-100}
	while [ "$_tries" -gt 0 ]; do
		grep -Eq "$2" "$1" 2>/dev/null && return 0
		_tries=$((_tries - 1))
		sleep 0.05
	done
	return 1
}

# start_monitor FILE [OPTIONS]: run "dynmemctl OPTIONS monitor" in the
# background, output to FILE, and wait until it is subscribed: it is once
# it reports a host change made after it started.
start_monitor()
{
	_mon_file=$1
	shift
	dynmemctl "$@" monitor >"$_mon_file" 2>"$_mon_file.err" &
	DM_PIDS="$DM_PIDS $!"
	_mon_tries=50
	while [ "$_mon_tries" -gt 0 ]; do
		dynmemctl host set period 100 || return 1
		wait_for_line "$_mon_file" 'host' 4 && return 0
		_mon_tries=$((_mon_tries - 1))
	done
	return 1
}

# require_env: the variables and programs every test needs.
require_env()
{
	if [ -z "${DYNMEM_HOST_KO:-}" ] || [ ! -f "$DYNMEM_HOST_KO" ]; then
		echo "TAP version 13"
		echo "1..0 # SKIP DYNMEM_HOST_KO is not set; run under tools/uml/run"
		exit 4
	fi
	for _prog in dynmemctl jq insmod rmmod; do
		if ! command -v "$_prog" >/dev/null; then
			echo "TAP version 13"
			echo "1..0 # SKIP $_prog not found"
			exit 4
		fi
	done
	if [ "$(id -u)" -ne 0 ]; then
		echo "TAP version 13"
		echo "1..0 # SKIP must run as root"
		exit 4
	fi
}
