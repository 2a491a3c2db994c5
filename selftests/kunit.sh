#!/bin/sh
# Run the KUnit suites of dynmem_host.ko inside the UML kernel (through
# tools/uml/run) and print one KTAP line per test case.
#
# The suites run when the module loads; their results are read from
# debugfs, which keeps the module's own indented KTAP intact.
set -u

suites="dynmem_settings dynmem_arbiter dynmem_codec dynmem_policy"

if ! insmod "$DYNMEM_HOST_KO"; then
	echo "TAP version 13"
	echo "1..1"
	echo "not ok 1 - insmod dynmem_host.ko"
	exit 1
fi

dir=$(mktemp -d /tmp/dynmem-kunit.XXXXXX)
for s in $suites; do
	if [ -r "/sys/kernel/debug/kunit/$s/results" ]; then
		cat "/sys/kernel/debug/kunit/$s/results" >"$dir/$s"
	else
		: >"$dir/$s"
	fi
done
rmmod dynmem_host
rc=$?

python3 "$DYNMEM_TOP/selftests/kunit_flatten.py" "$dir" $suites
prc=$?
rm -rf "$dir"
if [ $rc -ne 0 ]; then
	echo "# rmmod dynmem_host failed"
	exit 1
fi
exit $prc
