# SPDX-License-Identifier: GPL-2.0
# A scenario that fails: the runner must return its exit status.
echo "fail-scenario: started"
exit 3
