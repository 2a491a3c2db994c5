// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching VM records to the KVM VMs of running VMM processes.
 *
 * A VMM such as QEMU owns its KVM VM through a file descriptor. Attaching
 * finds that descriptor among the process's files, takes a reference to
 * the VM (struct kvm) and keeps a reference to the process's struct pid.
 * An attachment is reference counted: the VM record holds one, and so does
 * each guest session that works with the VM, so that memory can be given
 * back without the host's lock held while the record detaches at the same
 * time. The reference keeps struct kvm, its memslots and its mm_struct in
 * memory after the VMM is gone, but not the VMM's address space: every look at
 * guest memory first takes a user of the mm (mmget_not_zero()) and gives
 * up when there is none. dmh_kvm_alive() tells when the VM is gone (the
 * VMM closed it or exited); the caller then detaches, which drops the
 * last reference and lets KVM destroy the VM.
 *
 * Memslots are read afresh each time they are needed, under the VM's
 * SRCU, never kept: the VMM may change them at any time. Hot-add offers
 * come from them (dmh_kvm_ram_ranges()). Only RAM counts:
 * the slots of address space 0 that userspace made, are writable and lie
 * at or above 1 MiB. Below 1 MiB a PC has its BIOS and the legacy shadow
 * areas, which QEMU backs with the same file as RAM; they are never given
 * back. Address space 1 (SMM) aliases the same host memory.
 *
 * Giving memory back means punching a hole in the file behind the guest's
 * RAM (memfd, shmem or hugetlbfs mapped shared): the pages go back to the
 * host, KVM's MMU notifier unmaps them from the guest, and a later guest
 * access finds a fresh zeroed page. RAM that is anonymous memory of the
 * VMM cannot be given back from the kernel without the VMM's help, so such
 * VMs are refused at attach.
 *
 * Kernels without KVM (the UML test kernel) build this file too: a process
 * there has no KVM VM, and attaching says so after the same checks of the
 * caller and the process.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/dynmem.h>
#include <linux/err.h>
#include <linux/falloc.h>
#include <linux/fdtable.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/netlink.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#if IS_ENABLED(CONFIG_KVM)
#include <linux/kvm_host.h>
#endif

#include "kvm.h"
#include "policy.h"
#include "trace.h"

/* Guest-physical memory below this is the PC's legacy area, never RAM. */
#define DMH_KVM_LEGACY_END	SZ_1M

/* Spelled out in the message below; keep the two together. */
#define DMH_KVM_MEMFD_MSG						\
	"pid: guest RAM is not file-backed and cannot be given back; "	\
	"start QEMU with -object memory-backend-memfd,id=m0,size=...,"	\
	"share=on -machine memory-backend=m0"

/**
 * struct dmh_kvm - an attachment to the KVM VM of a VMM process
 * @ref: the VM record's reference and one per guest session using it
 * @kvm: the VM; this holds one of its users (kvm_get_kvm_safe())
 * @pid: the VMM process, referenced; only to report its PID
 * @name: the VM record's name, for tracepoints
 */
struct dmh_kvm {
	struct kref ref;
	struct kvm *kvm;
	struct pid *pid;
	char name[DYNMEM_NAME_MAX];
};

#if IS_ENABLED(CONFIG_KVM)

/* What dmh_kvm_find_fd() found among the files of a process. */
struct dmh_kvm_found {
	struct file *file;
	unsigned int nr;
};

/*
 * iterate_fd() callback, under the files' spinlock: note KVM VM files and
 * take a reference to the first.
 */
static int dmh_kvm_find_fd(const void *arg, struct file *file,
			   unsigned int fd)
{
	struct dmh_kvm_found *found = *(struct dmh_kvm_found * const *)arg;

	if (!file_is_kvm(file))
		return 0;
	if (!found->nr++)
		found->file = get_file(file);
	return 0;
}

/* A slot of address space 0 that is guest RAM we may give back. */
static bool dmh_kvm_slot_is_ram(const struct kvm_memory_slot *slot)
{
	return slot->id < KVM_USER_MEM_SLOTS &&
	       !(slot->flags & KVM_MEM_READONLY) &&
	       slot->base_gfn >= DMH_KVM_LEGACY_END >> PAGE_SHIFT;
}

/*
 * Whether [hva, hva + size) is mapped shared from files throughout.
 * Called with the mm's mmap_lock held.
 */
static bool dmh_kvm_hva_file_backed(struct mm_struct *mm, unsigned long hva,
				    unsigned long size)
{
	unsigned long end = hva + size;
	struct vm_area_struct *vma;

	mmap_assert_locked(mm);

	while (hva < end) {
		vma = find_vma(mm, hva);
		if (!vma || vma->vm_start > hva || !vma->vm_file ||
		    !(vma->vm_flags & VM_SHARED))
			return false;
		hva = vma->vm_end;
	}
	return true;
}

/*
 * Check the RAM of @kvm: at least one RAM slot, and every one of them
 * backed by a shared file mapping. Context: may sleep.
 */
static int dmh_kvm_check_ram(struct kvm *kvm, struct netlink_ext_ack *extack)
{
	struct kvm_memslot_iter iter;
	struct kvm_memslots *slots;
	unsigned int nr_ram = 0;
	bool file_backed = true;
	int idx;

	if (!mmget_not_zero(kvm->mm)) {
		NL_SET_ERR_MSG(extack, "pid: the process is exiting");
		return -ESRCH;
	}

	idx = srcu_read_lock(&kvm->srcu);
	mmap_read_lock(kvm->mm);
	slots = __kvm_memslots(kvm, 0);
	kvm_for_each_memslot_in_gfn_range(&iter, slots, 0, ~0ULL) {
		struct kvm_memory_slot *slot = iter.slot;

		if (!dmh_kvm_slot_is_ram(slot))
			continue;
		nr_ram++;
		if (!dmh_kvm_hva_file_backed(kvm->mm, slot->userspace_addr,
					     slot->npages << PAGE_SHIFT))
			file_backed = false;
	}
	mmap_read_unlock(kvm->mm);
	srcu_read_unlock(&kvm->srcu, idx);
	mmput(kvm->mm);

	if (!nr_ram) {
		NL_SET_ERR_MSG(extack, "pid: the KVM VM has no RAM (yet)");
		return -ENODEV;
	}
	if (!file_backed) {
		NL_SET_ERR_MSG(extack, DMH_KVM_MEMFD_MSG);
		return -EINVAL;
	}
	return 0;
}

/*
 * Take a user of the KVM VM that @task owns. Context: may sleep.
 */
static struct kvm *dmh_kvm_get_task_vm(struct task_struct *task,
				       struct netlink_ext_ack *extack)
{
	struct dmh_kvm_found found = {};
	struct dmh_kvm_found *foundp = &found;
	struct mm_struct *mm;
	struct kvm *kvm;
	int ret;

	/* exit_files() clears task->files under task_lock(). */
	task_lock(task);
	iterate_fd(task->files, 0, dmh_kvm_find_fd, &foundp);
	task_unlock(task);

	if (!found.nr) {
		NL_SET_ERR_MSG(extack, "pid: the process has no KVM VM");
		return ERR_PTR(-ENODEV);
	}
	if (found.nr > 1) {
		ret = -EINVAL;
		NL_SET_ERR_MSG(extack,
			       "pid: the process has more than one KVM VM");
		goto err_put_file;
	}

	kvm = found.file->private_data;
	if (!kvm_get_kvm_safe(kvm)) {
		ret = -ENODEV;
		NL_SET_ERR_MSG(extack, "pid: the process's KVM VM is going away");
		goto err_put_file;
	}
	fput(found.file);

	/* The VM file may have been passed on from the process that made it. */
	mm = get_task_mm(task);
	if (mm)
		mmput(mm);
	if (mm != kvm->mm) {
		NL_SET_ERR_MSG(extack,
			       "pid: the process's KVM VM belongs to another process");
		kvm_put_kvm(kvm);
		return ERR_PTR(-EINVAL);
	}

	ret = dmh_kvm_check_ram(kvm, extack);
	if (ret) {
		kvm_put_kvm(kvm);
		return ERR_PTR(ret);
	}
	return kvm;

err_put_file:
	fput(found.file);
	return ERR_PTR(ret);
}

static void dmh_kvm_put_vm(struct kvm *kvm)
{
	kvm_put_kvm(kvm);
}

#else /* !CONFIG_KVM */

static struct kvm *dmh_kvm_get_task_vm(struct task_struct *task,
				       struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG(extack, "pid: the process has no KVM VM");
	return ERR_PTR(-ENODEV);
}

static void dmh_kvm_put_vm(struct kvm *kvm)
{
}

#endif /* CONFIG_KVM */

/**
 * dmh_kvm_attach() - attach to the KVM VM of a VMM process
 * @nr: PID of the process, in the caller's PID namespace
 * @name: the VM record's name, for tracepoints; copied
 * @extack: for the reason of a failure; may be NULL
 *
 * The caller must have CAP_SYS_PTRACE: an attachment can take memory away
 * from the process, which only a tracer could do otherwise. The process
 * must have exactly one KVM VM, made by itself, whose guest RAM is mapped
 * shared from files.
 *
 * Context: process context, may sleep.
 * Return: the attachment, or an ERR_PTR(): -EPERM without CAP_SYS_PTRACE,
 * -ESRCH if there is no such process, -ENODEV if it has no KVM VM or the
 * VM has no RAM, -EINVAL if its RAM cannot be given back or the VM is not
 * its own, -ENOMEM.
 */
struct dmh_kvm *dmh_kvm_attach(u32 nr, const char *name,
			       struct netlink_ext_ack *extack)
{
	struct task_struct *task;
	struct dmh_kvm *dk;
	struct kvm *kvm;
	int ret;

	if (!capable(CAP_SYS_PTRACE)) {
		NL_SET_ERR_MSG(extack, "pid: attaching needs CAP_SYS_PTRACE");
		return ERR_PTR(-EPERM);
	}

	dk = kzalloc(sizeof(*dk), GFP_KERNEL);
	if (!dk)
		return ERR_PTR(-ENOMEM);
	kref_init(&dk->ref);
	strscpy(dk->name, name, sizeof(dk->name));

	dk->pid = nr > 0 && nr <= INT_MAX ? find_get_pid(nr) : NULL;
	task = dk->pid ? get_pid_task(dk->pid, PIDTYPE_PID) : NULL;
	if (!task) {
		NL_SET_ERR_MSG(extack, "pid: no such process");
		ret = -ESRCH;
		goto err_put_pid;
	}

	kvm = dmh_kvm_get_task_vm(task, extack);
	put_task_struct(task);
	if (IS_ERR(kvm)) {
		ret = PTR_ERR(kvm);
		goto err_put_pid;
	}
	dk->kvm = kvm;
	return dk;

err_put_pid:
	put_pid(dk->pid);
	kfree(dk);
	return ERR_PTR(ret);
}

/**
 * dmh_kvm_get() - take another reference to an attachment
 * @dk: the attachment; the caller holds a reference or the host's lock
 *	while the VM record holds one
 *
 * Context: any.
 * Return: @dk.
 */
struct dmh_kvm *dmh_kvm_get(struct dmh_kvm *dk)
{
	kref_get(&dk->ref);
	return dk;
}

static void dmh_kvm_free(struct kref *ref)
{
	struct dmh_kvm *dk = container_of(ref, struct dmh_kvm, ref);

	dmh_kvm_put_vm(dk->kvm);
	put_pid(dk->pid);
	kfree(dk);
}

/**
 * dmh_kvm_put() - drop a reference to an attachment
 * @dk: the attachment, from dmh_kvm_attach() or dmh_kvm_get()
 *
 * The last reference drops the VM; if the VMM is gone, that destroys it.
 *
 * Context: process context, may sleep.
 */
void dmh_kvm_put(struct dmh_kvm *dk)
{
	kref_put(&dk->ref, dmh_kvm_free);
}

/**
 * dmh_kvm_alive() - whether the VM still runs
 * @dk: the attachment
 *
 * The VM is gone once the attachment holds its last user (the VMM closed
 * the VM and its vCPUs, or exited) or the VMM's address space is gone.
 * Once gone it never comes back.
 *
 * Context: any.
 * Return: false if the VM is gone.
 */
bool dmh_kvm_alive(const struct dmh_kvm *dk)
{
#if IS_ENABLED(CONFIG_KVM)
	return refcount_read(&dk->kvm->users_count) > 1 &&
	       atomic_read(&dk->kvm->mm->mm_users) > 0;
#else
	return false;
#endif
}

/**
 * dmh_kvm_same_vm() - whether two attachments are to the same VM
 * @a: an attachment
 * @b: another
 *
 * Context: any.
 * Return: true if they are.
 */
bool dmh_kvm_same_vm(const struct dmh_kvm *a, const struct dmh_kvm *b)
{
	return a->kvm == b->kvm;
}

/**
 * dmh_kvm_pid() - PID of the VMM process
 * @dk: the attachment
 *
 * Context: process context.
 * Return: the PID in the current task's PID namespace, 0 if the process
 * has no PID there (or is gone).
 */
u32 dmh_kvm_pid(const struct dmh_kvm *dk)
{
	return pid_vnr(dk->pid);
}

/**
 * dmh_kvm_resident() - host memory the VMM's shared mappings hold
 * @dk: the attachment
 *
 * This is the RssShmem of the VMM process (/proc/PID/status): the
 * memfd/shmem pages it has mapped, which for a VM whose RAM is a memfd
 * are the guest pages resident in host memory. hugetlbfs pages are not
 * counted there.
 *
 * Context: any.
 * Return: bytes; 0 once the VMM is gone.
 */
u64 dmh_kvm_resident(const struct dmh_kvm *dk)
{
#if IS_ENABLED(CONFIG_KVM)
	return (u64)get_mm_counter(dk->kvm->mm, MM_SHMEMPAGES) << PAGE_SHIFT;
#else
	return 0;
#endif
}

/**
 * dmh_kvm_ram_ranges() - the guest-physical RAM of the VM
 * @dk: the attachment
 * @out: filled with the RAM ranges, in address order, adjacent slots merged
 * @max: room in @out
 *
 * RAM is what dmh_kvm_release() may give back: the writable slots of
 * address space 0 that userspace made, at or above 1 MiB. The memslots
 * are read afresh, under the VM's SRCU; the VMM may change them right
 * after.
 *
 * Context: process context, may sleep.
 * Return: the number of ranges written; ranges beyond @max are left out.
 */
unsigned int dmh_kvm_ram_ranges(struct dmh_kvm *dk, struct dmh_pol_range *out,
				unsigned int max)
{
#if IS_ENABLED(CONFIG_KVM)
	struct kvm *kvm = dk->kvm;
	struct kvm_memslot_iter iter;
	struct kvm_memslots *slots;
	unsigned int nr = 0;
	u64 start, end;
	int idx;

	idx = srcu_read_lock(&kvm->srcu);
	slots = __kvm_memslots(kvm, 0);
	kvm_for_each_memslot_in_gfn_range(&iter, slots, 0, ~0ULL) {
		struct kvm_memory_slot *slot = iter.slot;

		if (!dmh_kvm_slot_is_ram(slot))
			continue;
		start = (u64)slot->base_gfn << PAGE_SHIFT;
		end = start + ((u64)slot->npages << PAGE_SHIFT);
		if (nr && out[nr - 1].end == start) {
			out[nr - 1].end = end;
			continue;
		}
		if (nr == max)
			break;
		out[nr++] = (struct dmh_pol_range){ .start = start, .end = end };
	}
	srcu_read_unlock(&kvm->srcu, idx);
	return nr;
#else
	return 0;
#endif
}

#if IS_ENABLED(CONFIG_KVM)

/*
 * Punch [hva, hva + len) out of the files behind it, one VMA at a time.
 * Context: may sleep; @mm has a user held by the caller.
 */
static int dmh_kvm_punch(struct mm_struct *mm, unsigned long hva,
			 unsigned long len, struct netlink_ext_ack *extack)
{
	unsigned long end = hva + len;
	struct vm_area_struct *vma;
	struct file *file;
	unsigned long piece;
	loff_t off;
	int ret;

	while (hva < end) {
		mmap_read_lock(mm);
		vma = find_vma(mm, hva);
		if (!vma || vma->vm_start > hva || !vma->vm_file ||
		    !(vma->vm_flags & VM_SHARED)) {
			mmap_read_unlock(mm);
			NL_SET_ERR_MSG(extack,
				       "range: guest RAM is no longer mapped from a file");
			return -EINVAL;
		}
		piece = min(end, vma->vm_end) - hva;
		off = ((loff_t)vma->vm_pgoff << PAGE_SHIFT) +
		      (hva - vma->vm_start);
		file = get_file(vma->vm_file);
		mmap_read_unlock(mm);

		ret = vfs_fallocate(file,
				    FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				    off, piece);
		fput(file);
		if (ret) {
			NL_SET_ERR_MSG(extack,
				       "range: punching a hole in the RAM's file failed");
			return ret;
		}
		hva += piece;
	}
	return 0;
}

/* dmh_kvm_release() without the tracepoint. */
static int dmh_kvm_do_release(struct dmh_kvm *dk, u64 gpa, u64 len,
			      struct netlink_ext_ack *extack)
{
	struct kvm *kvm = dk->kvm;
	struct kvm_memslot_iter iter;
	struct kvm_memslots *slots;
	struct kvm_memory_slot *slot;
	gfn_t gfn, nr;
	unsigned long hva = 0;
	int idx, ret;

	if (!len || !PAGE_ALIGNED(gpa) || !PAGE_ALIGNED(len)) {
		NL_SET_ERR_MSG(extack, "range: empty or not page aligned");
		return -EINVAL;
	}
	if (gpa + len < gpa) {
		NL_SET_ERR_MSG(extack, "range: wraps around");
		return -EINVAL;
	}
	gfn = gpa >> PAGE_SHIFT;
	nr = len >> PAGE_SHIFT;

	idx = srcu_read_lock(&kvm->srcu);
	slots = __kvm_memslots(kvm, 0);
	kvm_for_each_memslot_in_gfn_range(&iter, slots, gfn, gfn + 1) {
		slot = iter.slot;
		if (slot->base_gfn <= gfn &&
		    gfn + nr <= slot->base_gfn + slot->npages &&
		    dmh_kvm_slot_is_ram(slot))
			hva = gfn_to_hva_memslot(slot, gfn);
		break;
	}
	srcu_read_unlock(&kvm->srcu, idx);

	if (!hva || kvm_is_error_hva(hva)) {
		NL_SET_ERR_MSG(extack,
			       "range: not inside one RAM memslot (read-only, legacy area below 1 MiB or not RAM)");
		return -EINVAL;
	}

	if (!mmget_not_zero(kvm->mm)) {
		NL_SET_ERR_MSG(extack, "range: the VMM is gone");
		return -ESRCH;
	}
	ret = dmh_kvm_punch(kvm->mm, hva, len, extack);
	mmput(kvm->mm);
	return ret;
}

#else /* !CONFIG_KVM */

static int dmh_kvm_do_release(struct dmh_kvm *dk, u64 gpa, u64 len,
			      struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG(extack, "range: this kernel has no KVM");
	return -EOPNOTSUPP;
}

#endif /* CONFIG_KVM */

/**
 * dmh_kvm_release() - give guest memory back to the host
 * @dk: the attachment
 * @gpa: guest-physical start, page aligned
 * @len: length in bytes, page aligned, not 0
 * @extack: for the reason of a failure; may be NULL
 *
 * The range must lie in one RAM memslot of the VM: not read-only, not
 * below 1 MiB. Its pages are punched out of the file behind the guest's
 * RAM; a later guest access gets a zeroed page. The caller makes sure the
 * guest no longer uses the range.
 *
 * Context: process context, may sleep.
 * Return: 0 on success; -EINVAL for a range that breaks the rules above,
 * -ESRCH if the VMM is gone, or the error of vfs_fallocate().
 */
int dmh_kvm_release(struct dmh_kvm *dk, u64 gpa, u64 len,
		    struct netlink_ext_ack *extack)
{
	u64 start = ktime_get_ns();
	int ret;

	ret = dmh_kvm_do_release(dk, gpa, len, extack);
	trace_dmh_release(dk->name, gpa, len, ret, ktime_get_ns() - start);
	return ret;
}
