/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dynmem host: the decisions of the closed loop that do not need a VM,
 * a socket or a lock: how much memory a guest needs from the figures it
 * reports, which step brings a VM toward its target, which ranges to offer
 * for hot-add, and how long to wait after a failure. Pure arithmetic, so
 * that the same source builds into dynmem_host.ko and its KUnit suite
 * dynmem_policy.
 *
 * Documentation/host.rst gives the formulas.
 */
#ifndef _DMH_POLICY_H
#define _DMH_POLICY_H

#include <linux/sizes.h>
#include <linux/types.h>

/* A report of refaults or swap-ins counts this many times its bytes. */
#define DMH_POL_THRASH_FACTOR		8
/* Growing needs a gap of at least this many bytes. */
#define DMH_POL_GROW_MIN		SZ_4M
/* Shrinking needs a gap of at least this, or 1/64 of what the VM has. */
#define DMH_POL_SHRINK_MIN		SZ_16M
#define DMH_POL_SHRINK_SHIFT		6
/* ... and must have stayed above the target by that much for this long. */
#define DMH_POL_SHRINK_DELAY_MS		2000
/* At most this much per request: hot-add, balloon, unballoon. */
#define DMH_POL_HOTADD_STEP		SZ_1G
#define DMH_POL_BALLOON_STEP		SZ_512M
#define DMH_POL_UNBALLOON_STEP		SZ_1G
/* Wait after a request that fell short, doubled up to the maximum. */
#define DMH_POL_BACKOFF_MIN_MS		500
#define DMH_POL_BACKOFF_MAX_MS		16000

/**
 * struct dmh_pol_sample - the figures of one guest report that demand uses
 * @total: guest-visible memory, bytes
 * @available: memory available to new work, bytes
 * @ballooned: memory the balloon holds, bytes (part of @total)
 * @refaults: workingset refaults since boot
 * @swap_in: pages swapped in since boot
 */
struct dmh_pol_sample {
	u64 total;
	u64 available;
	u64 ballooned;
	u64 refaults;
	u64 swap_in;
};

/**
 * enum dmh_pol_action - the next step toward the target
 * @DMH_POL_NONE: nothing to do
 * @DMH_POL_UNBALLOON: give balloon memory back to the guest
 * @DMH_POL_HOTADD: offer memory blocks to hot-add
 * @DMH_POL_BALLOON: take memory from the guest
 */
enum dmh_pol_action {
	DMH_POL_NONE,
	DMH_POL_UNBALLOON,
	DMH_POL_HOTADD,
	DMH_POL_BALLOON,
};

/**
 * struct dmh_pol_vm - where one VM stands
 * @target: bytes the arbiter grants the VM
 * @total: guest-visible memory, bytes, as the guest last reported
 * @ballooned: bytes the host holds in the VM's balloon
 * @maximum: the VM's maximum, bytes; visible memory never grows beyond it
 * @block: the guest's memory block size, bytes, a power of two
 * @room: bytes the VM may grow by now: memory the host has for it (see
 *	dmh_pol_room())
 * @can_hotadd: the guest hot-adds and there may be RAM left to offer
 * @can_balloon: the guest balloons, and no backoff is running
 */
struct dmh_pol_vm {
	u64 target;
	u64 total;
	u64 ballooned;
	u64 maximum;
	u64 block;
	u64 room;
	bool can_hotadd;
	bool can_balloon;
};

/**
 * struct dmh_pol_range - guest-physical RAM: [@start, @end)
 * @start: first byte
 * @end: first byte past the range
 */
struct dmh_pol_range {
	u64 start;
	u64 end;
};

/**
 * struct dmh_pol_step - the step dmh_pol_decide() chose
 * @action: enum dmh_pol_action
 * @bytes: bytes to balloon or unballoon, page aligned; for hot-add, whole
 *	blocks
 */
struct dmh_pol_step {
	enum dmh_pol_action action;
	u64 bytes;
};

u64 dmh_pol_demand(const struct dmh_pol_sample *prev,
		   const struct dmh_pol_sample *cur);
u32 dmh_pol_pressure(u64 demand, u64 visible);
void dmh_pol_decide(const struct dmh_pol_vm *vm, struct dmh_pol_step *step);
u64 dmh_pol_room(u64 pool, u64 have, u64 host_available);
unsigned int dmh_pol_hotadd_ranges(u64 cursor, const struct dmh_pol_range *ram,
				   unsigned int nr_ram, u64 block, u64 bytes,
				   u64 *start, unsigned int max);
u64 dmh_pol_ram_end(const struct dmh_pol_range *ram, unsigned int nr_ram,
		    u64 block);
u64 dmh_pol_hotadd_start(const struct dmh_pol_range *ram, unsigned int nr_ram,
			 u64 visible, u64 block);
unsigned int dmh_pol_backoff(unsigned int prev_ms);

#endif /* _DMH_POLICY_H */
