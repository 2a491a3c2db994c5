/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DYNMEMCTL_STATS_H
#define DYNMEMCTL_STATS_H

#include "dynmemctl.h"
#include "vm.h"

/**
 * struct host_info - the host object as the kernel reported it
 * @reserved: memory guests never get, bytes
 * @total: host RAM, bytes
 * @pool: memory guests may have, bytes
 * @period_ms: rebalancing period, milliseconds
 * @nr_vms: number of VM records
 * @overcommit: the minimums of the running VMs do not fit in @pool
 * @available: @pool less the targets of the running VMs, bytes
 * @pressure: demand of the running VMs in percent of their visible memory
 * @nr_running: number of VM records whose guest is connected
 * @present: bit (1 << DYNMEM_HOST_A_*) set for each attribute received
 */
struct host_info {
	uint64_t reserved;
	uint64_t total;
	uint64_t pool;
	uint32_t period_ms;
	uint32_t nr_vms;
	bool overcommit;
	uint64_t available;
	uint32_t pressure;
	uint32_t nr_running;
	uint64_t present;
};

/**
 * struct snapshot - the host and every VM record, read one after the other
 * @host: the host object
 * @vms: the VM records, in creation order
 * @nr: number of entries in @vms
 */
struct snapshot {
	struct host_info host;
	struct vm_info *vms;
	size_t nr;
};

int snapshot_take(struct dm_nl *nl, struct snapshot *snap);
void snapshot_free(struct snapshot *snap);
void host_info_print(const struct host_info *host);

int do_stats(int argc, char **argv);
int do_top(int argc, char **argv);

#endif /* DYNMEMCTL_STATS_H */
