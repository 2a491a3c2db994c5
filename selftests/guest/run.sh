#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest driver's end-to-end tests on the test bed: builds the fake host
# (tools/fakehost) and runs each scenario in its own L1 host with it on the
# PATH: driver.sh (the driver's behaviour), then trace.sh (its
# tracepoints). Each prints its own KTAP document; the exit status is
# non-zero when any failed.
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
for scenario in driver.sh trace.sh; do
	"$top/tools/testbed/rerun-on-l1-fault" \
		"$top/tools/testbed/run" --timeout 900 --host-files "$extra" "$@" \
		"$top/selftests/guest/$scenario" || rc=$?
	# The modules and tools are built: once is enough.
	case " $* " in
	*" --no-build "*) ;;
	*) set -- --no-build "$@" ;;
	esac
done
exit $rc
