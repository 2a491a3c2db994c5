#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest driver's end-to-end tests on the test bed: builds the fake host
# (tools/fakehost) and runs the scenarios in one L1 host with it on the
# PATH: driver.sh (the driver's behaviour), then trace.sh (its
# tracepoints), one after another (tools/testbed/bundle). Prints one KTAP
# document with each scenario as a subtest; the exit status is non-zero
# when any failed.
#
#   selftests/guest/run.sh [--no-build] [--timeout S]
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

make -s -C "$top/tools/fakehost" >&2
mkdir -p "$tmp/extra/bin"
cp "$top/tools/fakehost/fakehost" "$tmp/extra/bin/"
"$top/tools/testbed/bundle" "$tmp/guest.sh" "$top/selftests/guest/driver.sh" \
	"$top/selftests/guest/trace.sh"
rc=0
"$top/tools/testbed/rerun-on-l1-fault" \
	"$top/tools/testbed/run" --timeout 1500 --host-files "$tmp/extra" "$@" \
	"$tmp/guest.sh" || rc=$?
exit $rc
