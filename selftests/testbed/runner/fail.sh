# SPDX-License-Identifier: GPL-2.0
# A scenario that fails: the runner must return its exit status, and bring
# back the files it left in $TESTBED_RESULTS all the same.
echo "fail-scenario: started"
echo "fail-scenario: result" >"$TESTBED_RESULTS/fail.txt"
exit 3
