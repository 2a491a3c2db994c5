#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest driver's end-to-end tests on the test bed: builds the fake host
# (tools/fakehost) and runs driver.sh in the L1 host with it on the PATH.
#
#   selftests/guest/run.sh [--no-build] [--timeout S]
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
extra=$(mktemp -d)
trap 'rm -rf "$extra"' EXIT

make -s -C "$top/tools/fakehost" >&2
mkdir -p "$extra/bin"
cp "$top/tools/fakehost/fakehost" "$extra/bin/"
rc=0
"$top/tools/testbed/run" --timeout 900 --host-files "$extra" "$@" \
	"$top/selftests/guest/driver.sh" || rc=$?
exit $rc
