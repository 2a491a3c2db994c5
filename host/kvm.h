/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Attaching VM records to the KVM VMs of running VMM processes, and giving
 * guest memory back to the host.
 */

#ifndef _DMH_KVM_H
#define _DMH_KVM_H

#include <linux/types.h>

struct dmh_kvm;
struct dmh_pol_range;
struct netlink_ext_ack;

struct dmh_kvm *dmh_kvm_attach(u32 nr, const char *name,
			       struct netlink_ext_ack *extack);
struct dmh_kvm *dmh_kvm_get(struct dmh_kvm *dk);
void dmh_kvm_put(struct dmh_kvm *dk);
bool dmh_kvm_alive(const struct dmh_kvm *dk);
bool dmh_kvm_same_vm(const struct dmh_kvm *a, const struct dmh_kvm *b);
u32 dmh_kvm_pid(const struct dmh_kvm *dk);
u64 dmh_kvm_resident(const struct dmh_kvm *dk);
unsigned int dmh_kvm_ram_ranges(struct dmh_kvm *dk, struct dmh_pol_range *out,
				unsigned int max);
int dmh_kvm_release(struct dmh_kvm *dk, u64 gpa, u64 len,
		    struct netlink_ext_ack *extack);

#endif /* _DMH_KVM_H */
