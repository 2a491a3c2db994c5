// SPDX-License-Identifier: GPL-2.0
/*
 * dynmem_guest for kernels that lack what the driver needs (memory
 * hot-plug, vsock, the x86 firmware memory map), such as the UML kernel of
 * the KUnit tests: a module that loads, says why it does nothing, and
 * unloads, so that the build of the tree stays whole there.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

static int __init dmg_stub_init(void)
{
	pr_info("this kernel lacks memory hot-plug or vsock: driver inactive\n");
	return 0;
}

static void __exit dmg_stub_exit(void)
{
}

module_init(dmg_stub_init);
module_exit(dmg_stub_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("dynmem guest driver: Virtual Dynamic Memory (inactive)");
