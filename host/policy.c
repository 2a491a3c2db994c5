// SPDX-License-Identifier: GPL-2.0
/*
 * dynmem host: the pure decisions of the closed loop (see policy.h).
 *
 * Every input comes from a guest, directly or through the host's own
 * bookkeeping of what the guest said, so each function accepts any value
 * and saturates rather than wraps.
 */

#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/types.h>

#include "policy.h"

#define DMH_POL_PAGE	4096ULL

static u64 dmh_pol_sub(u64 a, u64 b)
{
	return a > b ? a - b : 0;
}

/**
 * dmh_pol_demand() - how much memory a guest needs
 * @prev: the previous report of the same connection, or NULL
 * @cur: the report just received
 *
 * Real use is what the guest cannot hand to new work, less the balloon:
 * total - available - ballooned. A guest that refaults or swaps in is
 * short of memory by more than that: the pages it had to read back since
 * @prev count DMH_POL_THRASH_FACTOR times, up to half the real use.
 * Counters that went backwards (a new driver instance) count as 0.
 *
 * Context: any.
 * Return: the demand in bytes.
 */
u64 dmh_pol_demand(const struct dmh_pol_sample *prev,
		   const struct dmh_pol_sample *cur)
{
	u64 used, pages = 0, thrash;

	used = dmh_pol_sub(dmh_pol_sub(cur->total, cur->available),
			   cur->ballooned);
	if (prev) {
		pages = dmh_pol_sub(cur->refaults, prev->refaults);
		pages = min(pages + dmh_pol_sub(cur->swap_in, prev->swap_in),
			    1ULL << 40);
	}
	thrash = pages * DMH_POL_PAGE * DMH_POL_THRASH_FACTOR;
	return used + min(thrash, used / 2);
}

/**
 * dmh_pol_pressure() - demand as a percentage of visible memory
 * @demand: bytes
 * @visible: bytes
 *
 * Context: any.
 * Return: demand * 100 / visible, saturated at U32_MAX; 0 if @visible is 0.
 */
u32 dmh_pol_pressure(u64 demand, u64 visible)
{
	u64 pct;

	if (!visible)
		return 0;
	/* Demand and visible memory are below 2^50 when they are sane. */
	if (demand > U64_MAX / 100)
		return U32_MAX;
	pct = div64_u64(demand * 100, visible);
	return pct > U32_MAX ? U32_MAX : pct;
}

/**
 * dmh_pol_decide() - the next step that brings a VM toward its target
 * @vm: where the VM stands
 * @step: output
 *
 * What the VM has is its visible memory less its balloon. Below the
 * target by at least DMH_POL_GROW_MIN, it grows: from its balloon first
 * (UNBALLOON), then by whole blocks of hot-add, never beyond @vm->maximum
 * of visible memory. Above the target by at least DMH_POL_SHRINK_MIN or
 * 1/64 of what it has, whichever is more, it shrinks by BALLOON. Steps are
 * at most DMH_POL_UNBALLOON_STEP, DMH_POL_HOTADD_STEP and
 * DMH_POL_BALLOON_STEP. The margins are the hysteresis that keeps a VM
 * whose target moves by little from bouncing. Growth never exceeds
 * @vm->room, the memory the host has for it: an unballoon is cut to it,
 * a hot-add to the whole blocks that fit in it.
 *
 * Context: any.
 */
void dmh_pol_decide(const struct dmh_pol_vm *vm, struct dmh_pol_step *step)
{
	u64 have = dmh_pol_sub(vm->total, vm->ballooned);
	u64 gap, room, block = vm->block;

	step->action = DMH_POL_NONE;
	step->bytes = 0;

	if (vm->target >= have) {
		gap = vm->target - have;
		if (gap < DMH_POL_GROW_MIN)
			return;
		if (vm->ballooned && vm->can_balloon) {
			step->action = DMH_POL_UNBALLOON;
			step->bytes = round_up(min3(gap, vm->ballooned,
						    DMH_POL_UNBALLOON_STEP),
					       DMH_POL_PAGE);
			step->bytes = min3(step->bytes,
					   round_down(vm->ballooned,
						      DMH_POL_PAGE),
					   round_down(vm->room, DMH_POL_PAGE));
			if (!step->bytes)
				step->action = DMH_POL_NONE;
			return;
		}
		if (!vm->can_hotadd || !block || (block & (block - 1)))
			return;
		room = round_down(dmh_pol_sub(vm->maximum, vm->total), block);
		gap = min3(round_up(min(gap, 1ULL << 52), block), room,
			   max(round_down(DMH_POL_HOTADD_STEP, block), block));
		gap = min(gap, round_down(vm->room, block));
		if (!gap)
			return;
		step->action = DMH_POL_HOTADD;
		step->bytes = gap;
		return;
	}

	gap = have - vm->target;
	if (gap < max(DMH_POL_SHRINK_MIN, have >> DMH_POL_SHRINK_SHIFT) ||
	    !vm->can_balloon)
		return;
	step->bytes = round_down(min(gap, DMH_POL_BALLOON_STEP), DMH_POL_PAGE);
	step->action = DMH_POL_BALLOON;
}

/**
 * dmh_pol_room() - how much the VMs may grow by, all together
 * @pool: the host's pool, bytes
 * @have: what the connected VMs have now (visible less balloon), summed
 * @host_available: memory available on the host now, bytes
 *
 * The arbiter's targets fit in the pool, but a VM whose guest cannot be
 * shrunk to its target yet (it is at its floor) still holds more. Growing
 * another VM to its full target meanwhile would put more than the pool
 * in the guests, and the host may be short of memory whatever the pool
 * says. A VM grows only into what neither limit has used up.
 *
 * Context: any.
 * Return: min(@pool - @have, @host_available), 0 if @have exceeds @pool.
 */
u64 dmh_pol_room(u64 pool, u64 have, u64 host_available)
{
	return min(dmh_pol_sub(pool, have), host_available);
}

/**
 * dmh_pol_hotadd_ranges() - the blocks to offer for hot-add
 * @cursor: the lowest address not offered yet, a multiple of @block
 * @ram: the VM's RAM, in address order (dmh_kvm_ram_ranges())
 * @nr_ram: number of entries in @ram
 * @block: the guest's memory block size, a power of two
 * @bytes: how much to offer, a multiple of @block
 * @start: output: the start of each block offered
 * @max: room in @start
 *
 * Only whole blocks that lie inside one RAM range are offered: never the
 * holes between ranges, never a block that is part RAM. Blocks are
 * offered one per range, in address order, so that the guest's answer
 * tells for each block whether it was added, present already or not RAM
 * in the guest's eyes. Ranges that are empty, out of order or that wrap
 * offer nothing.
 *
 * Context: any.
 * Return: the number of blocks written to @start.
 */
unsigned int dmh_pol_hotadd_ranges(u64 cursor, const struct dmh_pol_range *ram,
				   unsigned int nr_ram, u64 block, u64 bytes,
				   u64 *start, unsigned int max)
{
	unsigned int nr = 0, i;
	u64 b;

	if (!block || (block & (block - 1)) || cursor & (block - 1))
		return 0;
	for (i = 0; i < nr_ram && nr < max && bytes >= block; i++) {
		if (ram[i].end <= ram[i].start || ram[i].end <= cursor)
			continue;
		b = max(cursor, ram[i].start);
		if (b > U64_MAX - (block - 1))
			break;
		b = round_up(b, block);
		while (nr < max && bytes >= block && b < ram[i].end &&
		       ram[i].end - b >= block) {
			start[nr++] = b;
			cursor = b + block;
			bytes -= block;
			b += block;
		}
	}
	return nr;
}

/**
 * dmh_pol_ram_end() - where hot-add offers end
 * @ram: the VM's RAM, as for dmh_pol_hotadd_ranges()
 * @nr_ram: number of entries in @ram
 * @block: the guest's memory block size
 *
 * Context: any.
 * Return: the end of the last whole block of RAM, 0 if there is none.
 */
u64 dmh_pol_ram_end(const struct dmh_pol_range *ram, unsigned int nr_ram,
		    u64 block)
{
	u64 end = 0;
	unsigned int i;

	if (!block || (block & (block - 1)))
		return 0;
	for (i = 0; i < nr_ram; i++) {
		if (ram[i].end <= ram[i].start ||
		    round_up(ram[i].start, block) < ram[i].start)
			continue;
		if (round_down(ram[i].end, block) >
		    max(end, round_up(ram[i].start, block)))
			end = round_down(ram[i].end, block);
	}
	return end;
}

/**
 * dmh_pol_hotadd_start() - where the first hot-add offer of a session starts
 * @ram: the VM's RAM, as for dmh_pol_hotadd_ranges()
 * @nr_ram: number of entries in @ram
 * @visible: the guest's visible memory (MemTotal), bytes
 * @block: the guest's memory block size, a power of two
 *
 * A guest's memory fills its RAM from the bottom: what it booted with and
 * what it hot-added before, in address order. Offers start at the block
 * that holds the @visible-th byte of RAM, rounded down, so that the first
 * request does not walk through blocks the guest has. MemTotal is a little
 * less than the RAM the guest has (the kernel reserves some), so the start
 * errs low: the guest answers PRESENT for a block it has, and the cursor
 * moves on. A guest whose earlier hot-adds left a gap (a block that failed)
 * is not offered that gap again in this session.
 *
 * Context: any.
 * Return: a multiple of @block; 0 if @block is not a power of two.
 */
u64 dmh_pol_hotadd_start(const struct dmh_pol_range *ram, unsigned int nr_ram,
			 u64 visible, u64 block)
{
	unsigned int i;
	u64 len;

	if (!block || (block & (block - 1)))
		return 0;
	for (i = 0; i < nr_ram; i++) {
		if (ram[i].end <= ram[i].start)
			continue;
		len = ram[i].end - ram[i].start;
		if (visible < len)
			return round_down(ram[i].start + visible, block);
		visible -= len;
	}
	return dmh_pol_ram_end(ram, nr_ram, block);
}

/**
 * dmh_pol_backoff() - how long to wait before asking again
 * @prev_ms: the previous wait, 0 if none
 *
 * Context: any.
 * Return: DMH_POL_BACKOFF_MIN_MS after no wait, then twice the previous
 * wait, at most DMH_POL_BACKOFF_MAX_MS.
 */
unsigned int dmh_pol_backoff(unsigned int prev_ms)
{
	if (prev_ms < DMH_POL_BACKOFF_MIN_MS)
		return DMH_POL_BACKOFF_MIN_MS;
	if (prev_ms >= DMH_POL_BACKOFF_MAX_MS / 2)
		return DMH_POL_BACKOFF_MAX_MS;
	return prev_ms * 2;
}
