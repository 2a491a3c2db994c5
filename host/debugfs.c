// SPDX-License-Identifier: GPL-2.0
/*
 * Debug knobs in debugfs, for tests and for people debugging the host.
 *
 * /sys/kernel/debug/dynmem/release (only with the module parameter
 * debug_release=1) takes "NAME GPA LEN": it gives the guest-physical range
 * [GPA, GPA + LEN) of the attached VM record NAME back to the host at once,
 * as the host does with memory a guest has ballooned, but without asking
 * the guest. The guest reads zeros there afterwards: this is for test VMs
 * only. GPA and LEN take a 0x prefix for hexadecimal. write() fails with
 * -ENOENT for an unknown record, -ENODEV if it is not attached and with
 * the error of dmh_kvm_release() otherwise.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/dynmem.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "debugfs.h"
#include "kvm.h"
#include "vm.h"

static bool debug_release;
module_param(debug_release, bool, 0444);
MODULE_PARM_DESC(debug_release,
		 "Offer debugfs dynmem/release, which takes guest memory away without asking the guest; for tests only (default: false)");

/* Longest line: a name, two 64-bit numbers in hexadecimal, separators. */
#define DMH_DEBUGFS_LINE_MAX	(DYNMEM_NAME_MAX + 2 * 19 + 2)

static struct dentry *dmh_debugfs_dir;

static ssize_t dmh_debugfs_release_write(struct file *file,
					 const char __user *ubuf,
					 size_t count, loff_t *ppos)
{
	struct dmh_host *host = file_inode(file)->i_private;
	char *buf, *cur, *name, *gpa_s, *len_s;
	struct dmh_kvm *dk;
	struct dmh_vm *vm;
	u64 gpa, len;
	int ret;

	if (count > DMH_DEBUGFS_LINE_MAX)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);

	cur = strim(buf);
	name = strsep(&cur, " ");
	gpa_s = strsep(&cur, " ");
	len_s = strsep(&cur, " ");
	if (!gpa_s || !len_s || cur || kstrtou64(gpa_s, 0, &gpa) ||
	    kstrtou64(len_s, 0, &len)) {
		ret = -EINVAL;
		goto out_free;
	}

	/* Punching holes takes a while: not under the host's lock. */
	mutex_lock(&host->lock);
	vm = dmh_vm_lookup(host, name);
	if (!vm) {
		ret = -ENOENT;
	} else if (!vm->kvm) {
		ret = -ENODEV;
	} else {
		vm = dmh_vm_get(vm);
		dk = dmh_kvm_get(vm->kvm);
	}
	mutex_unlock(&host->lock);
	if (ret)
		goto out_free;

	ret = dmh_kvm_release(dk, gpa, len, NULL);
	if (!ret)
		pr_info("VM %s: released %llu bytes at 0x%llx (debugfs)\n",
			vm->name, len, gpa);
	dmh_kvm_put(dk);
	dmh_vm_put(vm);
	if (!ret)
		ret = count;
out_free:
	kfree(buf);
	return ret;
}

static const struct file_operations dmh_debugfs_release_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = dmh_debugfs_release_write,
	.llseek = no_llseek,
};

/**
 * dmh_debugfs_init() - create the debugfs directory "dynmem" and its knobs
 * @host: the host the knobs act on; must stay until dmh_debugfs_uninit()
 *
 * debugfs is optional: failures are not reported.
 *
 * Context: process context, may sleep.
 */
void dmh_debugfs_init(struct dmh_host *host)
{
	if (!debug_release)
		return;
	dmh_debugfs_dir = debugfs_create_dir("dynmem", NULL);
	debugfs_create_file("release", 0200, dmh_debugfs_dir, host,
			    &dmh_debugfs_release_fops);
}

/**
 * dmh_debugfs_uninit() - remove the debugfs directory "dynmem"
 *
 * Returns once no knob runs any more.
 *
 * Context: process context, may sleep.
 */
void dmh_debugfs_uninit(void)
{
	debugfs_remove(dmh_debugfs_dir);
	dmh_debugfs_dir = NULL;
}
