// SPDX-License-Identifier: GPL-2.0
/*
 * dynmem host: the arbiter.
 *
 * Overview
 * ========
 *
 * One pass of the arbiter turns the host pool and, per VM, demand, minimum,
 * maximum, buffer, weight and current grant into a target per VM:
 *
 * 1. A VM's wish is demand * (100 + buffer) / 100, rounded up to the
 *    granule and clamped to [minimum, maximum].
 * 2. If the minimums alone exceed the pool, the pass is overcommitted:
 *    every target is the minimum and the result says by how much the pool
 *    is exceeded. Nothing is hidden by shrinking a VM below its minimum.
 * 3. If all wishes fit, every VM gets its wish.
 * 4. Otherwise every VM gets its minimum and the spare memory is shared by
 *    weighted water-filling in granules: there is a level L such that a
 *    VM with room (wish - minimum) / granule <= weight * L gets its wish
 *    and every other VM gets floor(weight * L) granules, or one more. The
 *    granules the floors leave over (fewer than the VMs) go one each to
 *    the VMs whose next granule comes due first at the level, that is the
 *    smallest (granules + 1) / weight, ties broken by the key. VMs of
 *    weight 0 share only what is left once every weighted VM has its wish,
 *    among themselves with equal weights.
 * 5. Hysteresis: a VM keeps its current grant when the new target is close
 *    to it, provided the pool still holds all targets.
 *
 * Step 4 never sorts all VMs: the VMs that reach their wish are a prefix
 * of the order by units / weight, and a quickselect-style partition finds
 * that prefix in expected O(N); the leftover granules and the hysteresis
 * candidates are prefixes found the same way. A partition that goes on for
 * more than 2 log2(N) + 8 rounds falls back to sort(), so the worst case
 * is O(N log N). All memory comes from the caller (struct dmh_arb_slot),
 * so the pass neither sleeps nor allocates and needs no lock of its own.
 *
 * Bounds keep the 64-bit arithmetic exact: sizes are at most 2^50 bytes,
 * weights at most 10^4 < 2^14 and buffers at most 2000 percent, so every
 * product below (size * weight, size * (100 + buffer)) stays under 2^64.
 * Sums over many VMs saturate instead of wrapping.
 *
 * Documentation/arbiter.rst has the rules with their proofs.
 */

#include <linux/build_bug.h>
#include <linux/dynmem.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/sort.h>
#include <linux/types.h>

#include "arbiter.h"

/* The arbiter accepts whatever the netlink policy lets through. */
static_assert(DMH_ARB_SIZE_MAX == DYNMEM_SIZE_MAX);
static_assert(DMH_ARB_BUFFER_MIN == DYNMEM_BUFFER_MIN);
static_assert(DMH_ARB_BUFFER_MAX == DYNMEM_BUFFER_MAX);
static_assert(DMH_ARB_WEIGHT_MAX == DYNMEM_WEIGHT_MAX);
static_assert(DMH_ARB_MAX_VMS >= DYNMEM_MAX_VMS);

static u64 dmh_arb_add_sat(u64 a, u64 b)
{
	return a + b < a ? U64_MAX : a + b;
}

/**
 * dmh_arb_wish() - memory a VM asks for
 * @vm: the VM; its @demand may hold any value
 * @granule: rounding unit in bytes, 0 or 1 for none
 *
 * Context: any context.
 * Return: @vm->demand plus @vm->buffer percent, rounded up to @granule and
 * clamped to [@vm->minimum, @vm->maximum]. Values beyond the limits of
 * struct dmh_arb_vm are clamped to those limits first, so the arithmetic
 * cannot overflow.
 */
u64 dmh_arb_wish(const struct dmh_arb_vm *vm, u64 granule)
{
	u64 maximum = min_t(u64, vm->maximum, DMH_ARB_SIZE_MAX);
	u64 demand = min(vm->demand, maximum);
	u32 buffer = min_t(u32, vm->buffer, DMH_ARB_BUFFER_MAX);
	u64 wish;

	/* demand <= 2^50 and 100 + buffer <= 2100 < 2^12 */
	wish = div_u64(demand * (100 + buffer), 100);
	granule = min_t(u64, granule, DMH_ARB_SIZE_MAX);
	if (granule > 1)
		wish = DIV64_U64_ROUND_UP(wish, granule) * granule;
	if (wish > maximum)
		wish = maximum;
	if (wish < vm->minimum)
		wish = vm->minimum;
	return wish;
}

static bool dmh_arb_vm_valid(const struct dmh_arb_vm *vm)
{
	return vm->minimum <= vm->maximum &&
	       vm->maximum <= DMH_ARB_SIZE_MAX &&
	       vm->buffer >= DMH_ARB_BUFFER_MIN &&
	       vm->buffer <= DMH_ARB_BUFFER_MAX &&
	       vm->weight <= DMH_ARB_WEIGHT_MAX;
}

static int dmh_arb_cmp_key(const struct dmh_arb_slot *x,
			   const struct dmh_arb_slot *y)
{
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	/* Equal keys are a caller bug; stay a total order all the same. */
	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return 0;
}

/*
 * Orders VMs by the water level at which they reach their wish,
 * units / weight, compared as units_x * weight_y against units_y * weight_x
 * (each below 2^50 * 2^14).
 */
static int dmh_arb_cmp_level(const void *a, const void *b)
{
	const struct dmh_arb_slot *x = a, *y = b;
	u64 lx = x->units * y->weight;
	u64 ly = y->units * x->weight;

	if (lx != ly)
		return lx < ly ? -1 : 1;
	return dmh_arb_cmp_key(x, y);
}

/*
 * Orders VMs by the level at which their next granule, alloc + 1, comes
 * due: (alloc + 1) / weight, with alloc + 1 <= units.
 */
static int dmh_arb_cmp_claim(const void *a, const void *b)
{
	const struct dmh_arb_slot *x = a, *y = b;
	u64 cx = (x->alloc + 1) * y->weight;
	u64 cy = (y->alloc + 1) * x->weight;

	if (cx != cy)
		return cx < cy ? -1 : 1;
	return dmh_arb_cmp_key(x, y);
}

/* Orders hysteresis candidates by the memory they would keep, then key. */
static int dmh_arb_cmp_units(const void *a, const void *b)
{
	const struct dmh_arb_slot *x = a, *y = b;

	if (x->units != y->units)
		return x->units < y->units ? -1 : 1;
	return dmh_arb_cmp_key(x, y);
}

/* What the slots in front of one slot add up to. */
struct dmh_arb_sum {
	u64 units;	/* saturated at U64_MAX */
	u64 weight;
	u32 count;
};

static void dmh_arb_sum_add(struct dmh_arb_sum *sum,
			    const struct dmh_arb_slot *slot)
{
	sum->units = dmh_arb_add_sat(sum->units, slot->units);
	sum->weight += slot->weight;
	sum->count++;
}

/*
 * A predicate on a slot, given what the slots before it in sorted order
 * add up to. It must hold on a prefix of the sorted order and fail on the
 * rest.
 */
typedef bool (*dmh_arb_pred_t)(const struct dmh_arb_slot *slot,
			       const struct dmh_arb_sum *before,
			       const void *ctx);

static u32 dmh_arb_prefix_sorted(struct dmh_arb_slot *s, u32 lo, u32 hi,
				 struct dmh_arb_sum *before, cmp_func_t cmp,
				 dmh_arb_pred_t pred, const void *ctx)
{
	sort(s + lo, hi - lo, sizeof(*s), cmp, NULL);
	for (; lo < hi && pred(&s[lo], before, ctx); lo++)
		dmh_arb_sum_add(before, &s[lo]);
	return lo;
}

/*
 * Finds the prefix of @s, in the order of @cmp, on which @pred holds,
 * without sorting all of @s: quickselect-style, a pivot splits the slots
 * not yet decided into those before it and those after it, and @pred on
 * the pivot decides which part remains open. On return the prefix occupies
 * the front of @s in no particular order; its length is returned.
 *
 * Expected O(n) with the median of three as pivot; after 2 log2(n) + 8
 * rounds the rest is sorted instead, which bounds the worst case to
 * O(n log n) like introsort.
 */
static u32 dmh_arb_prefix(struct dmh_arb_slot *s, u32 n, cmp_func_t cmp,
			  dmh_arb_pred_t pred, const void *ctx)
{
	struct dmh_arb_sum before = { 0 };
	u32 lo = 0, hi = n, rounds = 8, t;

	for (t = n; t; t >>= 1)
		rounds += 2;

	while (lo < hi) {
		struct dmh_arb_sum less = before;
		u32 mid = lo + (hi - lo) / 2, last = hi - 1, i, j;

		if (!rounds--)
			return dmh_arb_prefix_sorted(s, lo, hi, &before, cmp,
						     pred, ctx);

		/* Median of three to s[last]. */
		if (cmp(&s[lo], &s[mid]) > 0)
			swap(s[lo], s[mid]);
		if (cmp(&s[mid], &s[last]) > 0)
			swap(s[mid], s[last]);
		if (cmp(&s[lo], &s[last]) > 0)
			swap(s[lo], s[last]);

		for (i = lo, j = lo; j < last; j++) {
			if (cmp(&s[j], &s[last]) < 0) {
				dmh_arb_sum_add(&less, &s[j]);
				swap(s[i], s[j]);
				i++;
			}
		}
		swap(s[i], s[last]);

		if (pred(&s[i], &less, ctx)) {
			before = less;
			dmh_arb_sum_add(&before, &s[i]);
			lo = i + 1;
		} else {
			hi = i;
		}
	}
	return lo;
}

struct dmh_arb_level {
	u64 spare;
	u64 wsum;
};

/*
 * Whether a VM fills up: it does if the VMs that fill up before it leave
 * a level (spare - their units) / (wsum - their weights) at or above its
 * own units / weight. As units is an integer, units <= floor(spare' *
 * weight / wsum') is exact; spare' <= 2^50 and weight < 2^14.
 */
static bool dmh_arb_fills(const struct dmh_arb_slot *slot,
			  const struct dmh_arb_sum *before, const void *ctx)
{
	const struct dmh_arb_level *lv = ctx;

	/* Slots before that cannot all fill up: neither does this one. */
	if (before->units > lv->spare)
		return false;
	return slot->units <= div64_u64((lv->spare - before->units) *
					slot->weight,
					lv->wsum - before->weight);
}

static bool dmh_arb_within_count(const struct dmh_arb_slot *slot __always_unused,
				 const struct dmh_arb_sum *before,
				 const void *ctx)
{
	return before->count < *(const u64 *)ctx;
}

static bool dmh_arb_within_units(const struct dmh_arb_slot *slot,
				 const struct dmh_arb_sum *before,
				 const void *ctx)
{
	return dmh_arb_add_sat(before->units, slot->units) <=
	       *(const u64 *)ctx;
}

/*
 * Weighted water-filling of @spare granules over the @n VMs of one tier;
 * each slot holds its capacity in @units and its weight (non-zero). On
 * return each slot's @alloc holds its granules. Returns the granules left
 * over, which is non-zero only when every VM of the tier is full.
 */
static u64 dmh_arb_fill(struct dmh_arb_slot *s, u32 n, u64 spare)
{
	struct dmh_arb_level lv = { .spare = spare };
	u64 given = 0, rest;
	u32 full, i;

	if (!n)
		return spare;

	for (i = 0; i < n; i++)
		lv.wsum += s[i].weight;

	/*
	 * The level only rises as full VMs leave it, so the VMs that fill up
	 * are the first ones in the order of the level that fills them.
	 */
	full = dmh_arb_prefix(s, n, dmh_arb_cmp_level, dmh_arb_fills, &lv);
	for (i = 0; i < full; i++) {
		s[i].alloc = s[i].units;
		lv.spare -= s[i].units;
		lv.wsum -= s[i].weight;
	}
	if (full == n)
		return lv.spare;

	/*
	 * The others get the floor of their share of the level, which is
	 * below their capacity: their own fill level is above the water.
	 */
	for (i = full; i < n; i++) {
		s[i].alloc = div64_u64(lv.spare * s[i].weight, lv.wsum);
		given += s[i].alloc;
	}

	/*
	 * Fewer than n - full granules remain: one each to the VMs whose next
	 * granule comes due first, ties by key.
	 */
	rest = lv.spare - given;
	s += full;
	n -= full;
	n = dmh_arb_prefix(s, n, dmh_arb_cmp_claim, dmh_arb_within_count,
			   &rest);
	for (i = 0; i < n; i++)
		s[i].alloc++;
	return 0;
}

/* Sets the target of a VM that took part in the sharing; target holds its wish. */
static void dmh_arb_grant(struct dmh_arb_vm *vm, const struct dmh_arb_slot *slot,
			  u64 granule)
{
	/* alloc <= ceil(room / granule): the product stays below 2^51 */
	vm->target = min(vm->minimum + slot->alloc * granule, vm->target);
}

/*
 * The wishes do not fit: every VM keeps its minimum and the spare pool is
 * shared. On entry each target holds the VM's wish.
 */
static void dmh_arb_share(u64 pool, u64 granule, u64 sum_min,
			  struct dmh_arb_vm *vms, u32 nr,
			  struct dmh_arb_slot *s)
{
	u64 spare = div64_u64(pool - sum_min, granule);
	u32 nw = 0, nz = 0, i;

	/* Weighted VMs fill the scratch from the front, weight 0 from the back. */
	for (i = 0; i < nr; i++) {
		const struct dmh_arb_vm *vm = &vms[i];
		u64 room = vm->target - vm->minimum;
		struct dmh_arb_slot *slot;

		if (!room)
			continue;
		if (vm->weight)
			slot = &s[nw++];
		else
			slot = &s[nr - ++nz];
		slot->units = DIV64_U64_ROUND_UP(room, granule);
		slot->alloc = 0;
		slot->key = vm->key;
		slot->weight = vm->weight ? vm->weight : 1;
		slot->idx = i;
	}

	spare = dmh_arb_fill(s, nw, spare);
	dmh_arb_fill(s + nr - nz, nz, spare);

	for (i = 0; i < nw; i++)
		dmh_arb_grant(&vms[s[i].idx], &s[i], granule);
	for (i = nr - nz; i < nr; i++)
		dmh_arb_grant(&vms[s[i].idx], &s[i], granule);
}

/*
 * Keeps current grants that are close to the new targets. Lowering a
 * target to the current grant is always safe; raising one spends the part
 * of the pool the targets leave free, smallest raises first, ties by key.
 * Returns the number of VMs that kept their grant.
 */
static u32 dmh_arb_hysteresis(const struct dmh_arb_params *params,
			      struct dmh_arb_vm *vms, u32 nr,
			      struct dmh_arb_slot *s)
{
	u64 budget = params->pool;
	u32 held = 0, n = 0, i;

	for (i = 0; i < nr; i++)
		budget -= vms[i].target;

	for (i = 0; i < nr; i++) {
		struct dmh_arb_vm *vm = &vms[i];
		u64 cur = vm->current_grant, diff, threshold;

		if (cur < vm->minimum || cur > vm->maximum || cur == vm->target)
			continue;
		diff = cur > vm->target ? cur - vm->target : vm->target - cur;
		/* cur <= 2^50, hyst_pct <= 100 */
		threshold = max(params->hyst_bytes,
				div_u64(cur * params->hyst_pct, 100));
		if (diff >= threshold)
			continue;
		if (cur < vm->target) {
			budget += vm->target - cur;
			vm->target = cur;
			held++;
			continue;
		}
		s[n].units = diff;
		s[n].weight = 0;
		s[n].key = vm->key;
		s[n].idx = i;
		n++;
	}

	n = dmh_arb_prefix(s, n, dmh_arb_cmp_units, dmh_arb_within_units,
			   &budget);
	for (i = 0; i < n; i++) {
		struct dmh_arb_vm *vm = &vms[s[i].idx];

		vm->target = vm->current_grant;
		held++;
	}
	return held;
}

/**
 * dmh_arb_compute() - decide every VM's target
 * @params: the pool and the rounding and hysteresis settings
 * @vms: the VMs; on success each one's @target is set, nothing else changes
 * @nr: number of VMs, at most DMH_ARB_MAX_VMS
 * @scratch: @nr slots of working space, contents undefined on return
 * @res: summary of the pass
 *
 * Applies the rules of the file comment and Documentation/arbiter.rst.
 * Unless @res->status is %DMH_ARB_OVERCOMMIT, the targets add up to at most
 * @params->pool; every target lies within [minimum, maximum]. The result
 * does not depend on the order of @vms as long as the keys are unique.
 *
 * Context: any context; does not sleep or allocate. The caller serialises
 * access to @vms and @scratch. O(@nr log @nr) time.
 * Return: 0, or -EINVAL if a parameter or a VM is out of its limits, in
 * which case no target is changed.
 */
int dmh_arb_compute(const struct dmh_arb_params *params,
		    struct dmh_arb_vm *vms, u32 nr,
		    struct dmh_arb_slot *scratch,
		    struct dmh_arb_result *res)
{
	u64 granule = max_t(u64, params->granule, 1);
	u64 sum_min = 0, sum_wish = 0, granted = 0;
	u32 i;

	if (params->pool > DMH_ARB_SIZE_MAX ||
	    params->granule > DMH_ARB_SIZE_MAX ||
	    params->hyst_pct > DMH_ARB_HYST_PCT_MAX || nr > DMH_ARB_MAX_VMS)
		return -EINVAL;
	for (i = 0; i < nr; i++)
		if (!dmh_arb_vm_valid(&vms[i]))
			return -EINVAL;

	for (i = 0; i < nr; i++) {
		struct dmh_arb_vm *vm = &vms[i];

		vm->target = dmh_arb_wish(vm, granule);
		sum_min = dmh_arb_add_sat(sum_min, vm->minimum);
		sum_wish = dmh_arb_add_sat(sum_wish, vm->target);
	}

	res->wanted = sum_wish;
	res->overcommit = 0;
	res->held = 0;

	if (sum_min > params->pool) {
		for (i = 0; i < nr; i++)
			vms[i].target = vms[i].minimum;
		res->status = DMH_ARB_OVERCOMMIT;
		res->granted = sum_min;
		res->overcommit = sum_min == U64_MAX ? U64_MAX :
				  sum_min - params->pool;
		return 0;
	}

	if (sum_wish <= params->pool) {
		res->status = DMH_ARB_FIT;
	} else {
		res->status = DMH_ARB_SHARED;
		dmh_arb_share(params->pool, granule, sum_min, vms, nr, scratch);
	}

	if (params->hyst_bytes || params->hyst_pct)
		res->held = dmh_arb_hysteresis(params, vms, nr, scratch);

	for (i = 0; i < nr; i++)
		granted += vms[i].target;
	res->granted = granted;
	return 0;
}
