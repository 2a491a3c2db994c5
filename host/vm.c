// SPDX-License-Identifier: GPL-2.0
/*
 * The host object and its registry of VM records.
 *
 * A VM record holds the memory policy of one VM; it may exist long before
 * the VM runs. Records live on a list in creation order (for dumps) and in
 * a hash table by name (for lookups), both guarded by the host's mutex.
 * Every record is reference counted: the registry holds one reference, and
 * code that keeps a record beyond the mutex takes its own, so that a VM
 * being torn down can outlive its entry in the registry.
 *
 * A record is attached to the KVM VM of a running VMM (kvm.c) on request.
 * While any record is attached, the host's watch work looks every period
 * for VMs that went away and detaches their records, which then show
 * DYNMEM_VM_STATE_OFF; netlink announces each such change.
 *
 * Records come from the "dynmem_vm" slab cache: a record leaked at unload
 * makes kmem_cache_destroy() complain.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/jhash.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/netlink.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "kvm.h"
#include "netlink.h"
#include "trace.h"
#include "vm.h"

static struct kmem_cache *dmh_vm_cache;

/**
 * dmh_vm_init() - create the slab cache of VM records
 *
 * Context: process context, may sleep.
 * Return: 0 on success, -ENOMEM otherwise.
 */
int dmh_vm_init(void)
{
	dmh_vm_cache = kmem_cache_create("dynmem_vm", sizeof(struct dmh_vm),
					 0, 0, NULL);
	if (!dmh_vm_cache)
		return -ENOMEM;
	return 0;
}

/**
 * dmh_vm_uninit() - destroy the slab cache of VM records
 *
 * Every record must have been freed.
 *
 * Context: process context, may sleep.
 */
void dmh_vm_uninit(void)
{
	kmem_cache_destroy(dmh_vm_cache);
}

static void dmh_host_changed(struct dmh_host *host)
{
	lockdep_assert_held(&host->lock);

	if (!++host->generation)
		host->generation = 1;
}

static void dmh_host_arm_watch(struct dmh_host *host)
{
	lockdep_assert_held(&host->lock);

	if (host->nr_attached && !host->stopping)
		schedule_delayed_work(&host->watch,
				      msecs_to_jiffies(host->settings.period_ms));
}

/* Detach the records whose VM went away, and tell listeners. */
static void dmh_host_watch(struct work_struct *work)
{
	struct dmh_host *host = container_of(to_delayed_work(work),
					     struct dmh_host, watch);
	struct dmh_vm *vm;

	mutex_lock(&host->lock);
	list_for_each_entry(vm, &host->vms, host_node) {
		if (!vm->kvm || dmh_kvm_alive(vm->kvm))
			continue;
		pr_info("VM %s: the VMM is gone, detached\n", vm->name);
		dmh_vm_detach(vm);
		dmh_netlink_vm_event(vm);
	}
	dmh_host_arm_watch(host);
	mutex_unlock(&host->lock);
}

/**
 * dmh_host_create() - allocate the host object
 *
 * Context: process context, may sleep.
 * Return: the host with default settings and no VM records, or NULL when
 * out of memory.
 */
struct dmh_host *dmh_host_create(void)
{
	struct dmh_host *host;

	host = kzalloc(sizeof(*host), GFP_KERNEL);
	if (!host)
		return NULL;

	mutex_init(&host->lock);
	INIT_LIST_HEAD(&host->vms);
	hash_init(host->vm_hash);
	host->hash_seed = get_random_u32();
	host->next_id = 1;
	host->generation = 1;
	dmh_host_settings_default(&host->settings);
	INIT_DELAYED_WORK(&host->watch, dmh_host_watch);

	return host;
}

/**
 * dmh_host_stop() - stop watching attached VMs
 * @host: the host
 *
 * Records stay attached until dmh_host_destroy(); VMs that go away in
 * between are not noticed any more, and nothing is announced.
 *
 * Context: process context, may sleep; not @host->lock.
 */
void dmh_host_stop(struct dmh_host *host)
{
	mutex_lock(&host->lock);
	host->stopping = true;
	mutex_unlock(&host->lock);
	cancel_delayed_work_sync(&host->watch);
}

/**
 * dmh_host_destroy() - remove every VM record and free the host object
 * @host: the host; nothing else may use it any more
 *
 * Attached records are detached first. dmh_host_stop() must have run.
 *
 * Context: process context, may sleep.
 */
void dmh_host_destroy(struct dmh_host *host)
{
	struct dmh_vm *vm, *tmp;

	mutex_lock(&host->lock);
	list_for_each_entry_safe(vm, tmp, &host->vms, host_node)
		dmh_vm_remove(vm);
	mutex_unlock(&host->lock);

	mutex_destroy(&host->lock);
	kfree(host);
}

/**
 * dmh_host_total() - host RAM
 * @host: the host
 *
 * Context: any.
 * Return: the RAM the kernel manages, in bytes.
 */
u64 dmh_host_total(const struct dmh_host *host)
{
	return (u64)totalram_pages() << PAGE_SHIFT;
}

/**
 * dmh_host_pool() - memory guests may have
 * @host: the host
 *
 * Context: @host->lock held.
 * Return: TOTAL - RESERVED in bytes, or 0 if RESERVED is not below TOTAL.
 */
u64 dmh_host_pool(const struct dmh_host *host)
{
	u64 total = dmh_host_total(host);

	lockdep_assert_held(&host->lock);

	if (host->settings.reserved >= total)
		return 0;
	return total - host->settings.reserved;
}

/**
 * dmh_host_overcommit() - whether the minimums of running VMs exceed the pool
 * @host: the host
 *
 * VMs that are off hold no memory and do not count.
 *
 * Context: @host->lock held.
 * Return: true if the sum of the minimums of attached VMs exceeds POOL.
 */
bool dmh_host_overcommit(const struct dmh_host *host)
{
	const struct dmh_vm *vm;
	u64 sum = 0;

	lockdep_assert_held(&host->lock);

	list_for_each_entry(vm, &host->vms, host_node)
		if (vm->state != DYNMEM_VM_STATE_OFF)
			sum += vm->policy.minimum;

	return sum > dmh_host_pool(host);
}

/**
 * dmh_host_set_settings() - replace the host settings
 * @host: the host
 * @settings: validated settings
 *
 * Context: @host->lock held.
 */
void dmh_host_set_settings(struct dmh_host *host,
			   const struct dmh_host_settings *settings)
{
	lockdep_assert_held(&host->lock);

	host->settings = *settings;
}

static u32 dmh_vm_hash(const struct dmh_host *host, const char *name)
{
	return jhash(name, strlen(name), host->hash_seed);
}

/**
 * dmh_vm_lookup() - find a VM record by name
 * @host: the host
 * @name: NUL-terminated name
 *
 * Context: @host->lock held; the record stays valid while it is held.
 * Return: the record, or NULL if there is none of that name.
 */
struct dmh_vm *dmh_vm_lookup(struct dmh_host *host, const char *name)
{
	struct dmh_vm *vm;

	lockdep_assert_held(&host->lock);

	hash_for_each_possible(host->vm_hash, vm, hash_node,
			       dmh_vm_hash(host, name))
		if (!strcmp(vm->name, name))
			return vm;
	return NULL;
}

/**
 * dmh_vm_add() - add a VM record
 * @host: the host
 * @name: valid name (see dmh_vm_name_check())
 * @policy: valid policy
 * @vmp: set to the new record, valid while @host->lock is held
 *
 * The record starts in DYNMEM_VM_STATE_OFF.
 *
 * Context: @host->lock held, may sleep.
 * Return: 0 on success, -EEXIST if a record of that name exists, -ENOSPC
 * if the host has DYNMEM_MAX_VMS records, -ENOMEM when out of memory.
 */
int dmh_vm_add(struct dmh_host *host, const char *name,
	       const struct dmh_vm_policy *policy, struct dmh_vm **vmp)
{
	struct dmh_vm *vm;

	lockdep_assert_held(&host->lock);

	if (dmh_vm_lookup(host, name))
		return -EEXIST;
	if (host->nr_vms >= DYNMEM_MAX_VMS)
		return -ENOSPC;

	vm = kmem_cache_zalloc(dmh_vm_cache, GFP_KERNEL);
	if (!vm)
		return -ENOMEM;

	kref_init(&vm->refcount);
	vm->host = host;
	vm->id = host->next_id++;
	strscpy(vm->name, name, sizeof(vm->name));
	vm->policy = *policy;
	vm->state = DYNMEM_VM_STATE_OFF;

	list_add_tail(&vm->host_node, &host->vms);
	hash_add(host->vm_hash, &vm->hash_node, dmh_vm_hash(host, vm->name));
	host->nr_vms++;
	dmh_host_changed(host);

	*vmp = vm;
	return 0;
}

/**
 * dmh_vm_set_policy() - replace the policy of a VM record
 * @vm: the record
 * @policy: valid policy
 *
 * Context: @vm->host->lock held.
 */
void dmh_vm_set_policy(struct dmh_vm *vm, const struct dmh_vm_policy *policy)
{
	lockdep_assert_held(&vm->host->lock);

	vm->policy = *policy;
	dmh_host_changed(vm->host);
}

/**
 * dmh_vm_remove() - remove a VM record from the registry
 * @vm: the record; it is freed once its last reference is dropped
 *
 * An attached record is detached first.
 *
 * Context: @vm->host->lock held, may sleep.
 */
void dmh_vm_remove(struct dmh_vm *vm)
{
	struct dmh_host *host = vm->host;

	lockdep_assert_held(&host->lock);

	dmh_vm_detach(vm);
	list_del(&vm->host_node);
	hash_del(&vm->hash_node);
	host->nr_vms--;
	dmh_host_changed(host);
	dmh_vm_put(vm);
}

/**
 * dmh_vm_lookup_cid() - find the VM record that has a vsock CID
 * @host: the host
 * @cid: the CID, not 0
 *
 * Context: @host->lock held; the record stays valid while it is held.
 * Return: the record, or NULL if no record has @cid.
 */
struct dmh_vm *dmh_vm_lookup_cid(struct dmh_host *host, u32 cid)
{
	struct dmh_vm *vm;

	lockdep_assert_held(&host->lock);

	list_for_each_entry(vm, &host->vms, host_node)
		if (vm->cid == cid)
			return vm;
	return NULL;
}

/**
 * dmh_vm_set_cid() - set the vsock CID of a VM record
 * @vm: the record
 * @cid: a valid CID that no other record has
 *
 * Context: @vm->host->lock held.
 */
void dmh_vm_set_cid(struct dmh_vm *vm, u32 cid)
{
	lockdep_assert_held(&vm->host->lock);

	vm->cid = cid;
	dmh_host_changed(vm->host);
}

/**
 * dmh_vm_attach() - attach a VM record to the KVM VM of a VMM process
 * @vm: the record
 * @pid: PID of the VMM in the caller's PID namespace; 0 detaches
 * @extack: for the reason of a failure
 *
 * Attaching a record to the process it is attached to already changes
 * nothing. A record attached to another process must be detached first,
 * and a KVM VM can be attached to one record only.
 *
 * Context: @vm->host->lock held, process context, may sleep.
 * Return: 0 on success, -EBUSY when one of the rules above is broken, or
 * an error of dmh_kvm_attach(); on failure nothing changed.
 */
int dmh_vm_attach(struct dmh_vm *vm, u32 pid, struct netlink_ext_ack *extack)
{
	struct dmh_host *host = vm->host;
	struct dmh_vm *other;
	struct dmh_kvm *dk;

	lockdep_assert_held(&host->lock);

	if (!pid) {
		dmh_vm_detach(vm);
		return 0;
	}
	if (vm->kvm) {
		if (dmh_kvm_alive(vm->kvm) && dmh_kvm_pid(vm->kvm) == pid)
			return 0;
		NL_SET_ERR_MSG(extack,
			       "pid: the VM record is attached already; detach it first with pid 0");
		return -EBUSY;
	}

	dk = dmh_kvm_attach(pid, vm->name, extack);
	if (IS_ERR(dk))
		return PTR_ERR(dk);

	list_for_each_entry(other, &host->vms, host_node) {
		if (other->kvm && dmh_kvm_same_vm(other->kvm, dk)) {
			dmh_kvm_put(dk);
			NL_SET_ERR_MSG(extack,
				       "pid: the process's KVM VM is attached to another VM record");
			return -EBUSY;
		}
	}

	vm->kvm = dk;
	vm->state = DYNMEM_VM_STATE_ATTACHED;
	host->nr_attached++;
	trace_dmh_attach(vm->name, pid, vm->cid);
	dmh_host_changed(host);
	if (host->nr_attached == 1)
		dmh_host_arm_watch(host);
	return 0;
}

/**
 * dmh_vm_detach() - detach a VM record from its KVM VM
 * @vm: the record; nothing happens if it is not attached
 *
 * The record goes to DYNMEM_VM_STATE_OFF with no target.
 *
 * Context: @vm->host->lock held, process context, may sleep.
 */
void dmh_vm_detach(struct dmh_vm *vm)
{
	struct dmh_host *host = vm->host;

	lockdep_assert_held(&host->lock);

	if (!vm->kvm)
		return;
	trace_dmh_detach(vm->name, !dmh_kvm_alive(vm->kvm));
	dmh_kvm_put(vm->kvm);
	vm->kvm = NULL;
	vm->state = DYNMEM_VM_STATE_OFF;
	vm->target = 0;
	host->nr_attached--;
	dmh_host_changed(host);
}

/**
 * dmh_vm_get() - take a reference to a VM record
 * @vm: the record
 *
 * Context: any; the caller holds a reference or @vm->host->lock.
 * Return: @vm.
 */
struct dmh_vm *dmh_vm_get(struct dmh_vm *vm)
{
	kref_get(&vm->refcount);
	return vm;
}

static void dmh_vm_release(struct kref *refcount)
{
	struct dmh_vm *vm = container_of(refcount, struct dmh_vm, refcount);

	kmem_cache_free(dmh_vm_cache, vm);
}

/**
 * dmh_vm_put() - drop a reference to a VM record
 * @vm: the record
 *
 * Context: any.
 */
void dmh_vm_put(struct dmh_vm *vm)
{
	kref_put(&vm->refcount, dmh_vm_release);
}
