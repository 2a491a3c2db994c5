/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DYNMEMCTL_VM_H
#define DYNMEMCTL_VM_H

#include "dynmemctl.h"

/**
 * struct vm_info - a VM record as the kernel reported it
 * @name: the VM's name
 * @startup: startup memory, bytes
 * @minimum: minimum memory, bytes
 * @maximum: maximum memory, bytes
 * @target: what the arbiter grants now, bytes
 * @buffer: buffer, percent
 * @weight: weight
 * @state: enum dynmem_vm_state
 * @pid: VMM process, when attached
 * @cid: vsock CID, when attached
 * @stats: counters, indexed by enum dynmem_vm_stat
 * @present: bit (1 << DYNMEM_VM_A_*) set for each attribute received
 * @stats_present: bit (1 << DYNMEM_VM_STAT_*) set for each counter received
 */
struct vm_info {
	char name[DYNMEM_NAME_MAX];
	uint64_t startup;
	uint64_t minimum;
	uint64_t maximum;
	uint64_t target;
	uint32_t buffer;
	uint32_t weight;
	uint32_t state;
	uint32_t pid;
	uint32_t cid;
	uint64_t stats[DYNMEM_VM_STAT_MAX + 1];
	uint64_t present;
	uint64_t stats_present;
};

int vm_parse(struct nl_msg *msg, struct vm_info *vm);
void vm_print(const struct vm_info *vm, const char *event);
const char *vm_state_name(uint32_t state);

#endif /* DYNMEMCTL_VM_H */
