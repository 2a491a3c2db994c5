// SPDX-License-Identifier: GPL-2.0
/*
 * Hot-add: turn the host's offers into online guest memory.
 *
 * Every offered range is checked before anything is added:
 *
 *   - ALIGN: start and length are whole memory blocks
 *     (memory_block_size_bytes(), 128 MiB on x86-64 guests of this size);
 *   - NOT_RAM: the firmware memory map (e820 as the firmware gave it, the
 *     table behind /sys/firmware/memmap, which "mem=" does not shorten)
 *     says System RAM for every page of it and nothing else, and the range
 *     is inside what the kernel can hot-plug;
 *   - PRESENT: no part of it is System RAM the kernel has already.
 *
 * Then the range is added one block at a time with
 * add_memory_driver_managed(), named "System RAM (dynmem)" in /proc/iomem
 * so that kexec and the like leave it alone, and each block is onlined to
 * ZONE_MOVABLE whatever the global online policy
 * (memhp_default_state): a block the policy left offline is onlined
 * movable, one it onlined to another zone is offlined and onlined movable.
 * Linux 6.1 exports neither device_online() nor walk_memory_blocks() to
 * modules, so this goes through the block's sysfs "state" file, the
 * interface that takes the device hotplug lock as onlining requires. A
 * block that cannot be onlined movable is removed again and the range
 * stops there with FAILED. Hot-added memory stays when the driver unloads.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/ioport.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/numa.h>
#include <asm/e820/api.h>

#include "dmg.h"
#include "trace.h"

#define DMG_RES_NAME	"System RAM (dynmem)"

/* Every page of [start, start + len) is RAM in the firmware's map. */
static bool dmg_firmware_ram(u64 start, u64 len)
{
	static const enum e820_type other[] = {
		E820_TYPE_RESERVED, E820_TYPE_ACPI, E820_TYPE_NVS,
		E820_TYPE_UNUSABLE, E820_TYPE_PMEM, E820_TYPE_PRAM,
		E820_TYPE_SOFT_RESERVED, E820_TYPE_RESERVED_KERN,
	};
	struct range pluggable = mhp_get_pluggable_range(true);
	unsigned int i;
	u64 p;

	if (start < pluggable.start || start + len - 1 > pluggable.end)
		return false;
	for (i = 0; i < ARRAY_SIZE(other); i++)
		if (e820__mapped_raw_any(start, start + len, other[i]))
			return false;
	/* No other type overlaps: a page without RAM is a hole. */
	for (p = start; p < start + len; p += PAGE_SIZE) {
		if (!e820__mapped_raw_any(p, p + PAGE_SIZE, E820_TYPE_RAM))
			return false;
		if (!(p & (SZ_128M - 1)))
			cond_resched();
	}
	return true;
}

static int dmg_block_set_state(u64 addr, const char *state)
{
	char path[64];
	struct file *f;
	loff_t pos = 0;
	ssize_t ret;

	snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%llu/state",
		 addr / memory_block_size_bytes());
	f = filp_open(path, O_WRONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	ret = kernel_write(f, state, strlen(state), &pos);
	filp_close(f, NULL);
	return ret < 0 ? ret : 0;
}

/* Bring a freshly added block online in ZONE_MOVABLE. */
static int dmg_block_online_movable(u64 addr)
{
	struct page *page = pfn_to_online_page(PHYS_PFN(addr));
	int err;

	if (page && page_zonenum(page) == ZONE_MOVABLE)
		return 0;
	if (page) {
		/* The global policy onlined it elsewhere: move it. */
		err = dmg_block_set_state(addr, "offline");
		if (err)
			return err;
	}
	err = dmg_block_set_state(addr, "online_movable");
	if (err)
		return err;
	page = pfn_to_online_page(PHYS_PFN(addr));
	return page && page_zonenum(page) == ZONE_MOVABLE ? 0 : -EIO;
}

static u32 dmg_hotadd_check(u64 start, u64 len)
{
	u64 bs = memory_block_size_bytes();

	if (!IS_ALIGNED(start, bs) || !IS_ALIGNED(len, bs))
		return DYNMEM_PROTO_HOTADD_ALIGN;
	if (!dmg_firmware_ram(start, len))
		return DYNMEM_PROTO_HOTADD_NOT_RAM;
	if (region_intersects(start, len, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT)
		return DYNMEM_PROTO_HOTADD_PRESENT;
	return DYNMEM_PROTO_HOTADD_ADDED;
}

static void dmg_hotadd_range(struct dmg *dmg, struct dmp_hotadd_result *res)
{
	u64 bs = memory_block_size_bytes();
	u64 addr;
	int err;

	res->added = 0;
	res->status = dmg_hotadd_check(res->start, res->len);
	if (res->status != DYNMEM_PROTO_HOTADD_ADDED) {
		pr_warn("hot-add offer [%#llx, +%#llx) refused (status %u)\n",
			res->start, res->len, res->status);
		return;
	}
	for (addr = res->start; addr < res->start + res->len; addr += bs) {
		if (dmg_session_stopping(dmg)) {
			res->status = DYNMEM_PROTO_HOTADD_ABORTED;
			return;
		}
		err = add_memory_driver_managed(memory_add_physaddr_to_nid(addr),
						addr, bs, DMG_RES_NAME,
						MHP_MERGE_RESOURCE);
		if (err) {
			pr_warn("adding memory at %#llx failed: %d\n", addr, err);
			res->status = DYNMEM_PROTO_HOTADD_FAILED;
			return;
		}
		err = dmg_block_online_movable(addr);
		if (err) {
			pr_warn("onlining memory at %#llx failed: %d\n", addr, err);
			err = offline_and_remove_memory(addr, bs);
			if (err)
				pr_err("memory at %#llx is added but unusable: %d\n",
				       addr, err);
			res->status = DYNMEM_PROTO_HOTADD_FAILED;
			return;
		}
		res->added += bs;
		atomic64_add(bs, &dmg->hot_added);
	}
}

/**
 * dmg_hotadd() - serve a HOTADD_REQ
 * @dmg: the driver
 * @req: the request, decoded
 * @res: output: one result per offered range, in the order offered
 *
 * Context: the session thread. May sleep for long.
 */
void dmg_hotadd(struct dmg *dmg, const struct dmp_msg *req,
		struct dmp_hotadd_result *res)
{
	unsigned int i;

	for (i = 0; i < req->ranges.nr; i++) {
		struct dmp_range r = dmp_range_at(&req->ranges, i);

		res[i].start = r.start;
		res[i].len = r.len;
		if (i && res[i - 1].status == DYNMEM_PROTO_HOTADD_ABORTED) {
			res[i].added = 0;
			res[i].status = DYNMEM_PROTO_HOTADD_ABORTED;
			trace_dmg_hotadd_range(&res[i]);
			continue;
		}
		dmg_hotadd_range(dmg, &res[i]);
		trace_dmg_hotadd_range(&res[i]);
		if (res[i].status == DYNMEM_PROTO_HOTADD_ADDED)
			pr_info("hot-added [%#llx, +%#llx)\n", r.start, r.len);
	}
}
