// SPDX-License-Identifier: GPL-2.0
/*
 * dynmem_guest: the guest side of dynmem, Dynamic Memory for KVM guests.
 *
 * The driver connects to the host over vsock, reports the guest's memory
 * figures, hot-adds the memory the host offers and balloons what the host
 * asks back (Documentation/guest.rst). This file only brings the parts up
 * in order and down in reverse:
 *
 *   balloon.c   the pages held for the host
 *   device.c    /dev/dynmem and its sysfs attributes
 *   session.c   the thread that talks to the host; calls hotadd.c and
 *               balloon.c
 *   balloon.c   the OOM notifier, last, since it kicks the thread
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>

#include "dmg.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/* The driver; main.c keeps it only to tear it down at unload. */
static struct dmg *dmg_driver;

static int __init dmg_init(void)
{
	struct dmg *dmg;
	int err;

	BUILD_BUG_ON(sizeof(struct dynmem_proto_hdr) != DYNMEM_PROTO_HDR_SIZE);

	dmg = kzalloc(sizeof(*dmg), GFP_KERNEL);
	if (!dmg)
		return -ENOMEM;
	mutex_init(&dmg->lock);
	dmg->state = DMG_STATE_CONNECTING;
	dmg->period_ms = DYNMEM_PROTO_PERIOD_DEFAULT_MS;

	err = dmg_balloon_init(dmg);
	if (err)
		goto err_free_dmg;
	err = dmg_device_init(dmg);
	if (err)
		goto err_uninit_balloon;
	err = dmg_session_init(dmg);
	if (err)
		goto err_uninit_device;
	err = dmg_balloon_oom_init(dmg);
	if (err)
		goto err_uninit_session;

	dmg_driver = dmg;
	pr_info("Virtual Dynamic Memory driver loaded, protocol %u.%u\n",
		DYNMEM_PROTO_MAJOR, DYNMEM_PROTO_MINOR);
	return 0;

err_uninit_session:
	dmg_session_uninit(dmg);
err_uninit_device:
	dmg_device_uninit(dmg);
err_uninit_balloon:
	dmg_balloon_uninit(dmg);
err_free_dmg:
	kfree(dmg);
	return err;
}

static void __exit dmg_exit(void)
{
	struct dmg *dmg = dmg_driver;

	dmg_balloon_oom_uninit(dmg);
	dmg_session_uninit(dmg);
	dmg_device_uninit(dmg);
	dmg_balloon_uninit(dmg);
	mutex_destroy(&dmg->lock);
	kfree(dmg);
	pr_info("Virtual Dynamic Memory driver unloaded\n");
}

module_init(dmg_init);
module_exit(dmg_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("dynmem guest driver: Virtual Dynamic Memory");
