// SPDX-License-Identifier: GPL-2.0
/*
 * dynmem_guest: the guest side of dynmem, Dynamic Memory for KVM guests.
 *
 * This first version only registers the module: it loads and unloads
 * cleanly so that images and tests can carry it. The protocol, hot-add
 * and balloon come with the host<->guest protocol.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

static int __init dmg_init(void)
{
	pr_info("Virtual Dynamic Memory driver loaded\n");
	return 0;
}

static void __exit dmg_exit(void)
{
	pr_info("Virtual Dynamic Memory driver unloaded\n");
}

module_init(dmg_init);
module_exit(dmg_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("dynmem guest driver: Virtual Dynamic Memory");
