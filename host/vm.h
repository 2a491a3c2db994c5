/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host object and its registry of VM records.
 */

#ifndef _DMH_VM_H
#define _DMH_VM_H

#include <linux/hashtable.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "settings.h"

struct dmh_kvm;
struct netlink_ext_ack;

#define DMH_VM_HASH_BITS	10

/**
 * struct dmh_host - the host side of dynmem: settings and VM records
 * @lock: guards @vms, @vm_hash, @nr_vms, @next_id, @generation, @settings,
 *	@nr_attached, @stopping and the @policy, @state, @target, @kvm and
 *	@cid of every VM record on @vms
 * @vms: VM records in creation order, linked by &dmh_vm.host_node
 * @vm_hash: VM records by name, linked by &dmh_vm.hash_node
 * @hash_seed: random seed of the name hash, so that names cannot be
 *	chosen to collide
 * @nr_vms: number of VM records, at most DYNMEM_MAX_VMS
 * @next_id: id of the next VM record; ids grow in creation order and are
 *	never reused, so a dump resumes after the last id it sent
 * @generation: changes whenever a VM record is added, changed or removed;
 *	never 0, as netlink reads 0 as "no dump started"
 * @settings: host-wide settings
 * @nr_attached: number of VM records attached to a KVM VM
 * @stopping: set once the module goes away; @watch is not armed again
 * @watch: while VM records are attached, runs every @settings.period_ms
 *	and detaches the records whose VM is gone
 */
struct dmh_host {
	struct mutex lock;	/* the registry and settings: see above */
	struct list_head vms;
	DECLARE_HASHTABLE(vm_hash, DMH_VM_HASH_BITS);
	u32 hash_seed;
	unsigned int nr_vms;
	u64 next_id;
	unsigned int generation;
	struct dmh_host_settings settings;
	unsigned int nr_attached;
	bool stopping;
	struct delayed_work watch;
};

/**
 * struct dmh_vm - a VM record: the memory policy and state of one VM
 * @refcount: the registry holds one reference while the record is on
 *	&dmh_host.vms; users outside @host->lock hold their own
 * @host: the host the record belongs to
 * @host_node: on &dmh_host.vms
 * @hash_node: on &dmh_host.vm_hash
 * @id: creation sequence number, see &dmh_host.next_id
 * @name: unique name, NUL-terminated; never changes
 * @policy: memory policy, valid by the rules of settings.c
 * @state: enum dynmem_vm_state; DYNMEM_VM_STATE_OFF until a VMM attaches
 * @target: bytes the arbiter grants the VM now; 0 while the VM is off
 * @kvm: the KVM VM the record is attached to, or NULL while it is off
 * @cid: the guest's vsock CID, 0 if none was given
 */
struct dmh_vm {
	struct kref refcount;
	struct dmh_host *host;
	struct list_head host_node;
	struct hlist_node hash_node;
	u64 id;
	char name[DYNMEM_NAME_MAX];
	struct dmh_vm_policy policy;
	enum dynmem_vm_state state;
	u64 target;
	struct dmh_kvm *kvm;
	u32 cid;
};

int dmh_vm_init(void);
void dmh_vm_uninit(void);

struct dmh_host *dmh_host_create(void);
void dmh_host_stop(struct dmh_host *host);
void dmh_host_destroy(struct dmh_host *host);
u64 dmh_host_total(const struct dmh_host *host);
u64 dmh_host_pool(const struct dmh_host *host);
bool dmh_host_overcommit(const struct dmh_host *host);
void dmh_host_set_settings(struct dmh_host *host,
			   const struct dmh_host_settings *settings);

struct dmh_vm *dmh_vm_lookup(struct dmh_host *host, const char *name);
int dmh_vm_add(struct dmh_host *host, const char *name,
	       const struct dmh_vm_policy *policy, struct dmh_vm **vmp);
void dmh_vm_set_policy(struct dmh_vm *vm, const struct dmh_vm_policy *policy);
void dmh_vm_remove(struct dmh_vm *vm);
struct dmh_vm *dmh_vm_lookup_cid(struct dmh_host *host, u32 cid);
void dmh_vm_set_cid(struct dmh_vm *vm, u32 cid);
int dmh_vm_attach(struct dmh_vm *vm, u32 pid, struct netlink_ext_ack *extack);
void dmh_vm_detach(struct dmh_vm *vm);
struct dmh_vm *dmh_vm_get(struct dmh_vm *vm);
void dmh_vm_put(struct dmh_vm *vm);

#endif /* _DMH_VM_H */
