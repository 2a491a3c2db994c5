/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Validation of VM policies and host settings.
 *
 * The rules of the "dynmem" generic netlink family (see
 * uapi/linux/dynmem.h) live here, away from netlink, KVM and mm code, so
 * that the same source builds into the module and into KUnit, and can be
 * reused by userspace simulators.
 */

#ifndef _DMH_SETTINGS_H
#define _DMH_SETTINGS_H

#include <linux/types.h>
#include <linux/dynmem.h>

/**
 * struct dmh_vm_policy - the memory policy of one VM, in the units of the uapi
 * @startup: memory the VM starts with, bytes
 * @minimum: memory the VM never goes below, bytes
 * @maximum: memory the VM never goes above, bytes
 * @buffer: spare memory the VM should have, percent of its demand
 * @weight: share of contended memory, 0..DYNMEM_WEIGHT_MAX
 */
struct dmh_vm_policy {
	u64 startup;
	u64 minimum;
	u64 maximum;
	u32 buffer;
	u32 weight;
};

/**
 * struct dmh_vm_policy_req - policy attributes of a VM_NEW or VM_SET request
 * @val: the values; a field counts only when its attribute is in @present
 * @present: BIT(DYNMEM_VM_A_*) of every attribute the request carries
 */
struct dmh_vm_policy_req {
	struct dmh_vm_policy val;
	u32 present;
};

/**
 * struct dmh_host_settings - host-wide settings
 * @reserved: bytes of host memory that guests never get
 * @period_ms: rebalancing period, milliseconds
 */
struct dmh_host_settings {
	u64 reserved;
	u32 period_ms;
};

/**
 * struct dmh_host_settings_req - attributes of a HOST_SET request
 * @val: the values; a field counts only when its attribute is in @present
 * @present: BIT(DYNMEM_HOST_A_*) of every attribute the request carries
 */
struct dmh_host_settings_req {
	struct dmh_host_settings val;
	u32 present;
};

/**
 * struct dmh_settings_error - why a request was refused
 * @msg: static string, "attribute: rule", fit for an extended ACK
 * @attr: the attribute at fault (enum dynmem_vm_attr or enum
 *	dynmem_host_attr, after the request's kind), or 0 when no single
 *	attribute of the request is to blame
 */
struct dmh_settings_error {
	const char *msg;
	unsigned int attr;
};

int dmh_vm_name_check(const char *name, struct dmh_settings_error *err);
int dmh_vm_policy_new(const struct dmh_vm_policy_req *req,
		      struct dmh_vm_policy *out,
		      struct dmh_settings_error *err);
int dmh_vm_policy_merge(const struct dmh_vm_policy *cur,
			const struct dmh_vm_policy_req *req,
			struct dmh_vm_policy *out,
			struct dmh_settings_error *err);
void dmh_host_settings_default(struct dmh_host_settings *out);
int dmh_host_settings_merge(const struct dmh_host_settings *cur,
			    const struct dmh_host_settings_req *req,
			    struct dmh_host_settings *out,
			    struct dmh_settings_error *err);

#endif /* _DMH_SETTINGS_H */
