# SPDX-License-Identifier: GPL-2.0
# A scenario that never ends: the runner must kill it at its timeout.
echo "hang-scenario: started"
echo "<2>hang-scenario: about to hang" >/dev/kmsg
while :; do
	sleep 1000
done
