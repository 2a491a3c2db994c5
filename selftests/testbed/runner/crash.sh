# SPDX-License-Identifier: GPL-2.0
# A scenario that crashes the L1 kernel: the runner must report that the
# host stopped without a result.
echo "crash-scenario: started"
echo c >/proc/sysrq-trigger
sleep 1000
