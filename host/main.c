// SPDX-License-Identifier: GPL-2.0
/*
 * dynmem_host: the host side of dynmem, Dynamic Memory for KVM guests.
 *
 * The module keeps a record of every VM's memory policy and serves it over
 * the "dynmem" generic netlink family (see uapi/linux/dynmem.h). Each part
 * lives in its own file with an init and an uninit: vm.c holds the host
 * object and the VM registry, settings.c the rules a policy must follow,
 * kvm.c the attachment of VM records to running KVM VMs, netlink.c the
 * family, session.c the guests' connections, loop.c the closed loop that
 * balances memory among them, debugfs.c the debug knobs; trace.h has the
 * tracepoints of them all, instantiated here. This file only brings them
 * up in order and takes them down in reverse.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dynmem.h>
#include <linux/genetlink.h>
#include <linux/module.h>

#include "debugfs.h"
#include "loop.h"
#include "netlink.h"
#include "session.h"
#include "vm.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/* The host object; netlink.c serves it between init and exit. */
static struct dmh_host *dmh_host;

static int __init dmh_init(void)
{
	int ret;

	ret = dmh_vm_init();
	if (ret)
		return ret;

	dmh_host = dmh_host_create();
	if (!dmh_host) {
		ret = -ENOMEM;
		goto err_vm_uninit;
	}

	ret = dmh_netlink_init(dmh_host);
	if (ret)
		goto err_destroy_host;
	ret = dmh_loop_init(dmh_host);
	if (ret)
		goto err_netlink_uninit;
	ret = dmh_session_init(dmh_host);
	if (ret)
		goto err_loop_uninit;
	dmh_debugfs_init(dmh_host);

	pr_info("Dynamic Memory host loaded\n");
	return 0;

err_loop_uninit:
	dmh_loop_uninit();
err_netlink_uninit:
	dmh_netlink_uninit();
err_destroy_host:
	dmh_host_stop(dmh_host);
	dmh_host_destroy(dmh_host);
err_vm_uninit:
	dmh_vm_uninit();
	return ret;
}

static void __exit dmh_exit(void)
{
	dmh_debugfs_uninit();
	/* Guests are told goodbye while their records are still there. */
	dmh_session_uninit();
	dmh_loop_uninit();
	/* No event may leave once the family is gone. */
	dmh_host_stop(dmh_host);
	dmh_netlink_uninit();
	/* Detaches every attached VM record. */
	dmh_host_destroy(dmh_host);
	dmh_vm_uninit();
	pr_info("Dynamic Memory host unloaded\n");
}

module_init(dmh_init);
module_exit(dmh_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("dynmem host: Dynamic Memory for KVM guests");
MODULE_ALIAS_GENL_FAMILY(DYNMEM_GENL_NAME);
