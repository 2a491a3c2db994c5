// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "dynmem_arbiter": the arbiter's rules (Documentation/
 * arbiter.rst) on hand-worked corner cases, then as properties over
 * pseudo-random inputs. Every random case derives from a seed printed on
 * failure, so a failure can be replayed.
 */

#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "arbiter.h"

#define MIB		BIT_ULL(20)
#define GRANULE		4096ULL
#define SIZE_MAX_ARB	DMH_ARB_SIZE_MAX
#define ARB_CASE_VMS	4
#define NO_TARGET	0xdeadbeefULL

/* demand, minimum, maximum, buffer, weight, current grant */
#define VM(k, d, lo, hi, b, w, cur)					\
	{ .key = (k), .demand = (d), .minimum = (lo), .maximum = (hi),	\
	  .buffer = (b), .weight = (w), .current_grant = (cur) }

struct arb_case {
	const char *name;
	struct dmh_arb_params params;
	u32 nr;
	struct dmh_arb_vm vm[ARB_CASE_VMS];
	u64 target[ARB_CASE_VMS];
	enum dmh_arb_status status;
	u64 wanted;
	u64 granted;
	u64 overcommit;
	u32 held;
};

/*
 * Every expected value below is worked out by hand from the rules; the
 * comment of each case shows the arithmetic.
 */
static const struct arb_case arb_cases[] = {
	{
		/* wishes 1200M, 6000M -> max 3000M, 0 -> min 256M */
		.name = "fit-gives-wishes",
		.params = { .pool = 10000 * MIB },
		.nr = 3,
		.vm = {
			VM(1, 1000 * MIB, 512 * MIB, 4000 * MIB, 20, 5000, 0),
			VM(2, 5000 * MIB, 512 * MIB, 3000 * MIB, 20, 5000, 0),
			VM(3, 0, 256 * MIB, 1000 * MIB, 50, 5000, 0),
		},
		.target = { 1200 * MIB, 3000 * MIB, 256 * MIB },
		.status = DMH_ARB_FIT,
		.wanted = 4456 * MIB,
		.granted = 4456 * MIB,
	},
	{
		/* the same wishes fill the pool exactly */
		.name = "fit-exactly",
		.params = { .pool = 4456 * MIB },
		.nr = 3,
		.vm = {
			VM(1, 1000 * MIB, 512 * MIB, 4000 * MIB, 20, 5000, 0),
			VM(2, 5000 * MIB, 512 * MIB, 3000 * MIB, 20, 5000, 0),
			VM(3, 0, 256 * MIB, 1000 * MIB, 50, 5000, 0),
		},
		.target = { 1200 * MIB, 3000 * MIB, 256 * MIB },
		.status = DMH_ARB_FIT,
		.wanted = 4456 * MIB,
		.granted = 4456 * MIB,
	},
	{
		/* spare 2000M by weight 1:3 -> 500M, 1500M above 500M */
		.name = "shared-by-weight",
		.params = { .pool = 3000 * MIB },
		.nr = 2,
		.vm = {
			VM(1, 4000 * MIB, 500 * MIB, 4000 * MIB, 5, 1000, 0),
			VM(2, 4000 * MIB, 500 * MIB, 4000 * MIB, 5, 3000, 0),
		},
		.target = { 1000 * MIB, 2000 * MIB },
		.status = DMH_ARB_SHARED,
		.wanted = 8000 * MIB,
		.granted = 3000 * MIB,
	},
	{
		/*
		 * spare 1000M, level 1000M / 300: the first VM needs only
		 * 100M and is full; the other two share 900M.
		 */
		.name = "water-filling-reshares",
		.params = { .pool = 1300 * MIB },
		.nr = 3,
		.vm = {
			VM(1, 100 * MIB, 100 * MIB, 4000 * MIB, 100, 100, 0),
			VM(2, 1000 * MIB, 100 * MIB, 4000 * MIB, 100, 100, 0),
			VM(3, 1000 * MIB, 100 * MIB, 4000 * MIB, 100, 100, 0),
		},
		.target = { 200 * MIB, 550 * MIB, 550 * MIB },
		.status = DMH_ARB_SHARED,
		.wanted = 4200 * MIB,
		.granted = 1300 * MIB,
	},
	{
		/* weight 0 keeps its minimum while a weighted VM wants more */
		.name = "weight0-minimum-when-short",
		.params = { .pool = 700 * MIB },
		.nr = 2,
		.vm = {
			VM(1, 1000 * MIB, 100 * MIB, 1000 * MIB, 5, 0, 0),
			VM(2, 1000 * MIB, 100 * MIB, 1000 * MIB, 5, 1, 0),
		},
		.target = { 100 * MIB, 600 * MIB },
		.status = DMH_ARB_SHARED,
		.wanted = 2000 * MIB,
		.granted = 700 * MIB,
	},
	{
		/* the weighted VM is full at 300M; weight 0 gets the rest */
		.name = "weight0-gets-leftover",
		.params = { .pool = 700 * MIB },
		.nr = 2,
		.vm = {
			VM(1, 1000 * MIB, 100 * MIB, 1000 * MIB, 5, 0, 0),
			VM(2, 250 * MIB, 100 * MIB, 1000 * MIB, 20, 5, 0),
		},
		.target = { 400 * MIB, 300 * MIB },
		.status = DMH_ARB_SHARED,
		.wanted = 1300 * MIB,
		.granted = 700 * MIB,
	},
	{
		/* only weight 0: equal shares */
		.name = "weight0-only-equal",
		.params = { .pool = 300 * MIB },
		.nr = 2,
		.vm = {
			VM(1, 1000 * MIB, 100 * MIB, 1000 * MIB, 5, 0, 0),
			VM(2, 1000 * MIB, 100 * MIB, 1000 * MIB, 5, 0, 0),
		},
		.target = { 150 * MIB, 150 * MIB },
		.status = DMH_ARB_SHARED,
		.wanted = 2000 * MIB,
		.granted = 300 * MIB,
	},
	{
		/*
		 * minimums 1200M > pool 1000M: minimums, 200M over; the
		 * first VM's grant is close enough for hysteresis, which does
		 * not apply when overcommitted
		 */
		.name = "overcommit-gives-minimums",
		.params = { .pool = 1000 * MIB, .hyst_bytes = 64 * MIB },
		.nr = 2,
		.vm = {
			VM(1, 700 * MIB, 600 * MIB, 800 * MIB, 10, 1, 610 * MIB),
			VM(2, 0, 600 * MIB, 900 * MIB, 10, 1, 0),
		},
		.target = { 600 * MIB, 600 * MIB },
		.status = DMH_ARB_OVERCOMMIT,
		.wanted = 1370 * MIB,
		.granted = 1200 * MIB,
		.overcommit = 200 * MIB,
	},
	{
		/* 100 bytes over three equal VMs: 33 each, key 10 gets 34 */
		.name = "remainder-to-lowest-key",
		.params = { .pool = 100 },
		.nr = 3,
		.vm = {
			VM(30, 1000, 0, 1000, 5, 1, 0),
			VM(10, 1000, 0, 1000, 5, 1, 0),
			VM(20, 1000, 0, 1000, 5, 1, 0),
		},
		.target = { 33, 34, 33 },
		.status = DMH_ARB_SHARED,
		.wanted = 3000,
		.granted = 100,
	},
	{
		/*
		 * 10 bytes at weights 1:2 -> floors 3, 6; next granules come
		 * due at 4/1 and 7/2: the second VM gets the last byte
		 */
		.name = "remainder-to-next-claim",
		.params = { .pool = 10 },
		.nr = 2,
		.vm = {
			VM(1, 1000, 0, 1000, 5, 1, 0),
			VM(2, 1000, 0, 1000, 5, 2, 0),
		},
		.target = { 3, 7 },
		.status = DMH_ARB_SHARED,
		.wanted = 2000,
		.granted = 10,
	},
	{
		/*
		 * 3 granules and 100 bytes spare: one granule each, the third
		 * to key 1; the 100 bytes stay in the pool
		 */
		.name = "granule-shared",
		.params = { .pool = 2 * MIB + 3 * GRANULE + 100,
			    .granule = GRANULE },
		.nr = 2,
		.vm = {
			VM(2, 50 * MIB, MIB, 100 * MIB, 5, 1, 0),
			VM(1, 50 * MIB, MIB, 100 * MIB, 5, 1, 0),
		},
		.target = { MIB + GRANULE, MIB + 2 * GRANULE },
		.status = DMH_ARB_SHARED,
		.wanted = 2 * 55050240ULL,
		.granted = 2 * MIB + 3 * GRANULE,
	},
	{
		/* 1200 bytes -> one granule; 9600 -> 12288 -> maximum */
		.name = "granule-rounds-wish-up",
		.params = { .pool = MIB, .granule = GRANULE },
		.nr = 2,
		.vm = {
			VM(1, 1000, 0, 8192, 20, 1, 0),
			VM(2, 8000, 0, 10000, 20, 1, 0),
		},
		.target = { 4096, 10000 },
		.status = DMH_ARB_FIT,
		.wanted = 14096,
		.granted = 14096,
	},
	{
		/* any demand is clamped to the maximum before the buffer */
		.name = "hostile-demand",
		.params = { .pool = SIZE_MAX_ARB },
		.nr = 1,
		.vm = {
			VM(1, U64_MAX, MIB, SIZE_MAX_ARB, 2000, 10000, 0),
		},
		.target = { SIZE_MAX_ARB },
		.status = DMH_ARB_FIT,
		.wanted = SIZE_MAX_ARB,
		.granted = SIZE_MAX_ARB,
	},
	{
		/*
		 * 2^50 at weights 10000:1: floors 1125787328109813 and
		 * 112578732810, one byte left; next granules due at
		 * 1125787328109814 / 10000 and 112578732811 / 1: the first
		 */
		.name = "extreme-sizes-shared",
		.params = { .pool = SIZE_MAX_ARB },
		.nr = 2,
		.vm = {
			VM(1, SIZE_MAX_ARB, 0, SIZE_MAX_ARB, 2000, 10000, 0),
			VM(2, SIZE_MAX_ARB, 0, SIZE_MAX_ARB, 2000, 1, 0),
		},
		.target = { 1125787328109814ULL, 112578732810ULL },
		.status = DMH_ARB_SHARED,
		.wanted = 2 * SIZE_MAX_ARB,
		.granted = SIZE_MAX_ARB,
	},
	{
		.name = "no-vms",
		.params = { .pool = MIB },
		.nr = 0,
		.status = DMH_ARB_FIT,
	},
	{
		/* 20M below the wish of 1200M: kept; 2000M away: moves */
		.name = "hysteresis-keeps-small-rise",
		.params = { .pool = 10000 * MIB, .hyst_bytes = 64 * MIB },
		.nr = 2,
		.vm = {
			VM(1, 1000 * MIB, 512 * MIB, 4000 * MIB, 20, 1,
			   1180 * MIB),
			VM(2, 5000 * MIB, 512 * MIB, 3000 * MIB, 20, 1,
			   1000 * MIB),
		},
		.target = { 1180 * MIB, 3000 * MIB },
		.status = DMH_ARB_FIT,
		.wanted = 4200 * MIB,
		.granted = 4180 * MIB,
		.held = 1,
	},
	{
		/* 50M above the wish, room in the pool: kept */
		.name = "hysteresis-keeps-small-drop",
		.params = { .pool = 10000 * MIB, .hyst_bytes = 64 * MIB },
		.nr = 1,
		.vm = {
			VM(1, 1000 * MIB, 512 * MIB, 4000 * MIB, 20, 1,
			   1250 * MIB),
		},
		.target = { 1250 * MIB },
		.status = DMH_ARB_FIT,
		.wanted = 1200 * MIB,
		.granted = 1250 * MIB,
		.held = 1,
	},
	{
		/* the wishes fill the pool: no grant may stay above them */
		.name = "hysteresis-bounded-by-pool",
		.params = { .pool = 2400 * MIB, .hyst_bytes = 64 * MIB },
		.nr = 2,
		.vm = {
			VM(1, 1000 * MIB, 512 * MIB, 4000 * MIB, 20, 1,
			   1250 * MIB),
			VM(2, 1000 * MIB, 512 * MIB, 4000 * MIB, 20, 1,
			   1230 * MIB),
		},
		.target = { 1200 * MIB, 1200 * MIB },
		.status = DMH_ARB_FIT,
		.wanted = 2400 * MIB,
		.granted = 2400 * MIB,
	},
	{
		/* 40M free: the 30M excess stays, the 50M one does not */
		.name = "hysteresis-smallest-excess-first",
		.params = { .pool = 2440 * MIB, .hyst_bytes = 64 * MIB },
		.nr = 2,
		.vm = {
			VM(1, 1000 * MIB, 512 * MIB, 4000 * MIB, 20, 1,
			   1250 * MIB),
			VM(2, 1000 * MIB, 512 * MIB, 4000 * MIB, 20, 1,
			   1230 * MIB),
		},
		.target = { 1200 * MIB, 1230 * MIB },
		.status = DMH_ARB_FIT,
		.wanted = 2400 * MIB,
		.granted = 2430 * MIB,
		.held = 1,
	},
	{
		/* a VM kept 50M low frees room for one kept 50M high */
		.name = "hysteresis-low-frees-room",
		.params = { .pool = 2400 * MIB, .hyst_bytes = 64 * MIB },
		.nr = 2,
		.vm = {
			VM(1, 1000 * MIB, 512 * MIB, 4000 * MIB, 20, 1,
			   1250 * MIB),
			VM(2, 1000 * MIB, 512 * MIB, 4000 * MIB, 20, 1,
			   1150 * MIB),
		},
		.target = { 1250 * MIB, 1150 * MIB },
		.status = DMH_ARB_FIT,
		.wanted = 2400 * MIB,
		.granted = 2400 * MIB,
		.held = 2,
	},
	{
		/* a grant below the minimum is not kept, however close */
		.name = "hysteresis-ignores-grant-out-of-range",
		.params = { .pool = 10000 * MIB, .hyst_bytes = 64 * MIB },
		.nr = 1,
		.vm = {
			VM(1, 0, 512 * MIB, 4000 * MIB, 20, 1, 500 * MIB),
		},
		.target = { 512 * MIB },
		.status = DMH_ARB_FIT,
		.wanted = 512 * MIB,
		.granted = 512 * MIB,
	},
	{
		/* threshold 10 % of the grant: 100M of 1100M stays, 200M moves */
		.name = "hysteresis-percent",
		.params = { .pool = 10000 * MIB, .hyst_pct = 10 },
		.nr = 2,
		.vm = {
			VM(1, 1000 * MIB, 512 * MIB, 4000 * MIB, 20, 1,
			   1100 * MIB),
			VM(2, 1000 * MIB, 512 * MIB, 4000 * MIB, 20, 1,
			   1000 * MIB),
		},
		.target = { 1100 * MIB, 1200 * MIB },
		.status = DMH_ARB_FIT,
		.wanted = 2400 * MIB,
		.granted = 2300 * MIB,
		.held = 1,
	},
};

static void arb_case_desc(const struct arb_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(arb_case, arb_cases, arb_case_desc);

static void dmh_arb_test_cases(struct kunit *test)
{
	const struct arb_case *c = test->param_value;
	struct dmh_arb_vm vms[ARB_CASE_VMS];
	struct dmh_arb_slot scratch[ARB_CASE_VMS];
	struct dmh_arb_result res;
	u32 i;

	memcpy(vms, c->vm, sizeof(vms));
	KUNIT_ASSERT_EQ(test, dmh_arb_compute(&c->params, vms, c->nr,
					      scratch, &res), 0);
	for (i = 0; i < c->nr; i++)
		KUNIT_EXPECT_EQ_MSG(test, vms[i].target, c->target[i],
				    "VM %u (key %llu)", i, c->vm[i].key);
	KUNIT_EXPECT_EQ(test, res.status, c->status);
	KUNIT_EXPECT_EQ(test, res.wanted, c->wanted);
	KUNIT_EXPECT_EQ(test, res.granted, c->granted);
	KUNIT_EXPECT_EQ(test, res.overcommit, c->overcommit);
	KUNIT_EXPECT_EQ(test, res.held, c->held);
}

struct arb_bad_case {
	const char *name;
	struct dmh_arb_params params;
	struct dmh_arb_vm vm;
};

static const struct arb_bad_case arb_bad_cases[] = {
	{ "minimum-above-maximum", { .pool = MIB },
	  VM(1, 0, 2 * MIB, MIB, 20, 1, 0) },
	{ "maximum-above-limit", { .pool = MIB },
	  VM(1, 0, 0, SIZE_MAX_ARB + 1, 20, 1, 0) },
	{ "buffer-below-limit", { .pool = MIB },
	  VM(1, 0, 0, MIB, DMH_ARB_BUFFER_MIN - 1, 1, 0) },
	{ "buffer-above-limit", { .pool = MIB },
	  VM(1, 0, 0, MIB, DMH_ARB_BUFFER_MAX + 1, 1, 0) },
	{ "weight-above-limit", { .pool = MIB },
	  VM(1, 0, 0, MIB, 20, DMH_ARB_WEIGHT_MAX + 1, 0) },
	{ "pool-above-limit", { .pool = SIZE_MAX_ARB + 1 },
	  VM(1, 0, 0, MIB, 20, 1, 0) },
	{ "granule-above-limit", { .pool = MIB, .granule = SIZE_MAX_ARB + 1 },
	  VM(1, 0, 0, MIB, 20, 1, 0) },
	{ "hysteresis-percent-above-limit", { .pool = MIB, .hyst_pct = 101 },
	  VM(1, 0, 0, MIB, 20, 1, 0) },
};

static void arb_bad_case_desc(const struct arb_bad_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(arb_bad_case, arb_bad_cases, arb_bad_case_desc);

static void dmh_arb_test_rejects(struct kunit *test)
{
	const struct arb_bad_case *c = test->param_value;
	struct dmh_arb_vm vms[2] = { c->vm, VM(2, 0, 0, MIB, 20, 1, 0) };
	struct dmh_arb_slot scratch[2];
	struct dmh_arb_result res;

	vms[0].target = NO_TARGET;
	vms[1].target = NO_TARGET;
	KUNIT_EXPECT_EQ(test, dmh_arb_compute(&c->params, vms, 2, scratch,
					      &res), -EINVAL);
	KUNIT_EXPECT_EQ(test, vms[0].target, NO_TARGET);
	KUNIT_EXPECT_EQ(test, vms[1].target, NO_TARGET);
}

/* Too many VMs is rejected before the array is looked at. */
static void dmh_arb_test_rejects_too_many(struct kunit *test)
{
	struct dmh_arb_params params = { .pool = MIB };
	struct dmh_arb_result res;

	KUNIT_EXPECT_EQ(test, dmh_arb_compute(&params, NULL,
					      DMH_ARB_MAX_VMS + 1, NULL, &res),
			-EINVAL);
}

/* Sums of minimums beyond 2^64 saturate instead of wrapping. */
static void dmh_arb_test_overcommit_saturates(struct kunit *test)
{
	const u32 nr = 1U << 14;	/* 2^14 minimums of 2^50: 2^64 */
	struct dmh_arb_params params = { .pool = SIZE_MAX_ARB };
	struct dmh_arb_slot *scratch;
	struct dmh_arb_vm *vms;
	struct dmh_arb_result res;
	u32 i;

	vms = kunit_kcalloc(test, nr, sizeof(*vms), GFP_KERNEL);
	scratch = kunit_kcalloc(test, nr, sizeof(*scratch), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vms);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, scratch);
	for (i = 0; i < nr; i++)
		vms[i] = (struct dmh_arb_vm)VM(i, SIZE_MAX_ARB, SIZE_MAX_ARB,
					       SIZE_MAX_ARB, 2000, 1, 0);

	KUNIT_ASSERT_EQ(test, dmh_arb_compute(&params, vms, nr, scratch,
					      &res), 0);
	KUNIT_EXPECT_EQ(test, res.status, DMH_ARB_OVERCOMMIT);
	KUNIT_EXPECT_EQ(test, res.overcommit, U64_MAX);
	KUNIT_EXPECT_EQ(test, res.granted, U64_MAX);
	KUNIT_EXPECT_EQ(test, res.wanted, U64_MAX);
	for (i = 0; i < nr; i++)
		KUNIT_ASSERT_EQ(test, vms[i].target, SIZE_MAX_ARB);
}

/* Property tests over pseudo-random VMs. */

#define ARB_SEEDS	400
#define ARB_MAX_VMS	1500

static u64 arb_rand(u64 *state)
{
	u64 x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

/* Uniform enough in [lo, hi] for a test, hi - lo < 2^64 - 1. */
static u64 arb_range(u64 *state, u64 lo, u64 hi)
{
	return lo + arb_rand(state) % (hi - lo + 1);
}

struct arb_world {
	struct dmh_arb_params params;
	struct dmh_arb_vm *vms;
	struct dmh_arb_vm *copy;
	struct dmh_arb_slot *scratch;
	u32 *perm;
	u32 nr;
	u32 seed;
};

static void arb_world_alloc(struct kunit *test, struct arb_world *w)
{
	w->vms = kunit_kcalloc(test, ARB_MAX_VMS, sizeof(*w->vms), GFP_KERNEL);
	w->copy = kunit_kcalloc(test, ARB_MAX_VMS, sizeof(*w->copy),
				GFP_KERNEL);
	w->scratch = kunit_kcalloc(test, ARB_MAX_VMS, sizeof(*w->scratch),
				   GFP_KERNEL);
	w->perm = kunit_kcalloc(test, ARB_MAX_VMS, sizeof(*w->perm),
				GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, w->vms);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, w->copy);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, w->scratch);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, w->perm);
}

/*
 * Fills @w with VMs from @seed: sizes in one of several scales up to 2^50,
 * buffers up to 2000 %, weights with ties and zeros, and a pool anywhere
 * from below the minimums to above the wishes. No hysteresis.
 */
static void arb_world_random(struct arb_world *w, u32 seed)
{
	static const u64 scales[] = { 1, GRANULE, MIB, BIT_ULL(30), BIT_ULL(40) };
	u64 rng = 0x9e3779b97f4a7c15ULL * (seed + 1);
	u64 scale, sum_min = 0, sum_wish = 0, lo, hi;
	u32 i;

	w->seed = seed;
	/* Mostly small worlds, every eighth a large one. */
	w->nr = arb_range(&rng, 1, seed % 8 == 7 ? ARB_MAX_VMS : 40);
	scale = scales[arb_range(&rng, 0, ARRAY_SIZE(scales) - 1)];
	memset(&w->params, 0, sizeof(w->params));
	switch (arb_range(&rng, 0, 3)) {
	case 0:
		w->params.granule = 0;
		break;
	case 1:
		w->params.granule = 1;
		break;
	case 2:
		w->params.granule = GRANULE;
		break;
	default:
		w->params.granule = scale;
		break;
	}

	for (i = 0; i < w->nr; i++) {
		struct dmh_arb_vm *vm = &w->vms[i];

		memset(vm, 0, sizeof(*vm));
		/* An odd multiplier is a bijection: unique, unordered keys. */
		vm->key = (i + 1) * 0xd1342543de82ef95ULL;
		vm->minimum = arb_range(&rng, 0, 64) * scale;
		vm->maximum = vm->minimum + arb_range(&rng, 0, 900) * scale;
		vm->demand = arb_range(&rng, 0, 1024) * scale +
			     arb_range(&rng, 0, scale);
		if (arb_range(&rng, 0, 1))
			vm->buffer = arb_range(&rng, DMH_ARB_BUFFER_MIN, 50);
		else
			vm->buffer = arb_range(&rng, DMH_ARB_BUFFER_MIN,
					       DMH_ARB_BUFFER_MAX);
		switch (arb_range(&rng, 0, 4)) {
		case 0:
			vm->weight = 0;
			break;
		case 1:
			vm->weight = arb_range(&rng, 1, 3);
			break;
		default:
			vm->weight = arb_range(&rng, 1, DMH_ARB_WEIGHT_MAX);
			break;
		}
		sum_min += vm->minimum;
		sum_wish += dmh_arb_wish(vm, w->params.granule);
	}
	lo = sum_min - sum_min / 4;
	hi = sum_wish + sum_wish / 8;
	w->params.pool = min(arb_range(&rng, lo, hi), SIZE_MAX_ARB);
}

static void arb_run(struct kunit *test, struct arb_world *w,
		    struct dmh_arb_vm *vms, struct dmh_arb_result *res)
{
	KUNIT_ASSERT_EQ_MSG(test, dmh_arb_compute(&w->params, vms, w->nr,
						  w->scratch, res), 0,
			    "seed %u", w->seed);
}

/*
 * Checks the rules of one pass without hysteresis against its inputs,
 * independently of how the arbiter computes it.
 */
static void arb_check(struct kunit *test, const struct arb_world *w,
		      const struct dmh_arb_vm *vms,
		      const struct dmh_arb_result *res)
{
	u64 g = max_t(u64, w->params.granule, 1);
	u64 sum_min = 0, sum_wish = 0, sum = 0;
	bool weighted_short = false;
	u32 i, j;

	for (i = 0; i < w->nr; i++) {
		u64 wish = dmh_arb_wish(&vms[i], w->params.granule);

		KUNIT_ASSERT_LE_MSG(test, vms[i].minimum, vms[i].target,
				    "seed %u vm %u", w->seed, i);
		KUNIT_ASSERT_LE_MSG(test, vms[i].target, vms[i].maximum,
				    "seed %u vm %u", w->seed, i);
		sum_min += vms[i].minimum;
		sum_wish += wish;
		sum += vms[i].target;
		if (vms[i].weight && vms[i].target < wish)
			weighted_short = true;
	}
	KUNIT_ASSERT_EQ_MSG(test, res->wanted, sum_wish, "seed %u", w->seed);
	KUNIT_ASSERT_EQ_MSG(test, res->granted, sum, "seed %u", w->seed);
	KUNIT_ASSERT_EQ_MSG(test, res->held, 0, "seed %u", w->seed);

	if (sum_min > w->params.pool) {
		KUNIT_ASSERT_EQ_MSG(test, res->status, DMH_ARB_OVERCOMMIT,
				    "seed %u", w->seed);
		KUNIT_ASSERT_EQ_MSG(test, res->overcommit,
				    sum_min - w->params.pool, "seed %u",
				    w->seed);
		for (i = 0; i < w->nr; i++)
			KUNIT_ASSERT_EQ_MSG(test, vms[i].target,
					    vms[i].minimum, "seed %u vm %u",
					    w->seed, i);
		return;
	}
	KUNIT_ASSERT_EQ_MSG(test, res->overcommit, 0, "seed %u", w->seed);
	KUNIT_ASSERT_LE_MSG(test, sum, w->params.pool, "seed %u", w->seed);

	if (sum_wish <= w->params.pool) {
		KUNIT_ASSERT_EQ_MSG(test, res->status, DMH_ARB_FIT, "seed %u",
				    w->seed);
		for (i = 0; i < w->nr; i++)
			KUNIT_ASSERT_EQ_MSG(test, vms[i].target,
					    dmh_arb_wish(&vms[i],
							 w->params.granule),
					    "seed %u vm %u", w->seed, i);
		return;
	}

	KUNIT_ASSERT_EQ_MSG(test, res->status, DMH_ARB_SHARED, "seed %u",
			    w->seed);
	/*
	 * Nothing is held back but the pool's last partial granule and the
	 * unused part of the last granule of VMs that reached their wish.
	 */
	if (g == 1)
		KUNIT_ASSERT_EQ_MSG(test, sum, w->params.pool, "seed %u",
				    w->seed);
	else
		KUNIT_ASSERT_LT_MSG(test, w->params.pool - sum,
				    (w->nr + 1) * g, "seed %u", w->seed);

	for (i = 0; i < w->nr; i++) {
		u64 wish = dmh_arb_wish(&vms[i], w->params.granule);
		u64 ti = vms[i].target - vms[i].minimum;

		KUNIT_ASSERT_LE_MSG(test, vms[i].target, wish,
				    "seed %u vm %u", w->seed, i);
		/* weight 0 gets more than its minimum only after the rest */
		if (!vms[i].weight)
			KUNIT_ASSERT_TRUE_MSG(test, !ti || !weighted_short,
					      "seed %u vm %u", w->seed, i);
		if (!vms[i].weight || vms[i].target == wish)
			continue;
		/*
		 * A weighted VM below its wish is within a granule of the
		 * water level, and no weighted VM is more than a granule
		 * above it: (ti + g) / wi > level >= (tj - g) / wj.
		 */
		for (j = 0; j < w->nr; j++) {
			u64 tj = vms[j].target - vms[j].minimum;

			if (!vms[j].weight || tj <= g)
				continue;
			KUNIT_ASSERT_GT_MSG(test, (ti + g) * vms[j].weight,
					    (tj - g) * vms[i].weight,
					    "seed %u vm %u vs %u", w->seed, i,
					    j);
		}
	}
}

static void dmh_arb_test_rules(struct kunit *test)
{
	struct dmh_arb_result res;
	struct arb_world w;
	u32 seed;

	arb_world_alloc(test, &w);
	for (seed = 0; seed < ARB_SEEDS; seed++) {
		arb_world_random(&w, seed);
		arb_run(test, &w, w.vms, &res);
		arb_check(test, &w, w.vms, &res);
	}
}

/* A pool that just holds all wishes gives every VM its wish exactly. */
static void dmh_arb_test_fit_exact(struct kunit *test)
{
	struct dmh_arb_result res;
	struct arb_world w;
	u32 seed, i, ran = 0;

	arb_world_alloc(test, &w);
	for (seed = 0; seed < ARB_SEEDS; seed++) {
		u64 sum_wish = 0;

		arb_world_random(&w, seed);
		for (i = 0; i < w.nr; i++)
			sum_wish += dmh_arb_wish(&w.vms[i], w.params.granule);
		/* Only worlds whose wishes can fit in a pool at all. */
		if (sum_wish > SIZE_MAX_ARB)
			continue;
		ran++;
		w.params.pool = sum_wish;
		arb_run(test, &w, w.vms, &res);
		KUNIT_ASSERT_EQ_MSG(test, res.status, DMH_ARB_FIT, "seed %u",
				    seed);
		for (i = 0; i < w.nr; i++)
			KUNIT_ASSERT_EQ_MSG(test, w.vms[i].target,
					    dmh_arb_wish(&w.vms[i],
							 w.params.granule),
					    "seed %u vm %u", seed, i);
		KUNIT_ASSERT_EQ_MSG(test, res.granted, sum_wish, "seed %u",
				    seed);
	}
	KUNIT_EXPECT_GE(test, ran, ARB_SEEDS / 2);
}

static void dmh_arb_test_order_independent(struct kunit *test)
{
	struct dmh_arb_result res, res2;
	struct arb_world w;
	u64 rng = 12345;
	u32 seed, i;

	arb_world_alloc(test, &w);
	for (seed = 0; seed < ARB_SEEDS; seed++) {
		arb_world_random(&w, seed);
		arb_run(test, &w, w.vms, &res);

		/* Fisher-Yates: copy[i] = vms[perm[i]] */
		for (i = 0; i < w.nr; i++)
			w.perm[i] = i;
		for (i = w.nr - 1; i > 0; i--) {
			u32 j = arb_range(&rng, 0, i);

			swap(w.perm[i], w.perm[j]);
		}
		for (i = 0; i < w.nr; i++) {
			w.copy[i] = w.vms[w.perm[i]];
			w.copy[i].target = NO_TARGET;
		}

		arb_run(test, &w, w.copy, &res2);
		for (i = 0; i < w.nr; i++)
			KUNIT_ASSERT_EQ_MSG(test, w.copy[i].target,
					    w.vms[w.perm[i]].target,
					    "seed %u vm %u", seed, w.perm[i]);
		KUNIT_ASSERT_EQ_MSG(test, res2.status, res.status, "seed %u",
				    seed);
		KUNIT_ASSERT_EQ_MSG(test, res2.granted, res.granted, "seed %u",
				    seed);
	}
}

static void dmh_arb_test_weight_monotone(struct kunit *test)
{
	struct dmh_arb_result res;
	struct arb_world w;
	u64 rng = 777;
	u32 seed, v, step;

	arb_world_alloc(test, &w);
	for (seed = 0; seed < ARB_SEEDS; seed++) {
		arb_world_random(&w, seed);
		v = arb_range(&rng, 0, w.nr - 1);
		arb_run(test, &w, w.vms, &res);
		/* Raise one VM's weight step by step up to the maximum. */
		for (step = 0; step < 4; step++) {
			u64 before = w.vms[v].target;
			u32 weight = w.vms[v].weight;

			if (weight == DMH_ARB_WEIGHT_MAX)
				break;
			w.vms[v].weight = arb_range(&rng, weight + 1,
						    step == 3 ?
						    DMH_ARB_WEIGHT_MAX :
						    min(weight + 3,
							DMH_ARB_WEIGHT_MAX));
			arb_run(test, &w, w.vms, &res);
			KUNIT_ASSERT_GE_MSG(test, w.vms[v].target, before,
					    "seed %u vm %u weight %u -> %u",
					    seed, v, weight, w.vms[v].weight);
		}
	}
}

/* VMs that differ only in their key get the same, within a granule. */
static void dmh_arb_test_equal_vms(struct kunit *test)
{
	struct dmh_arb_result res;
	struct arb_world w;
	u64 rng = 4242;
	u32 seed, i, copies;

	arb_world_alloc(test, &w);
	for (seed = 0; seed < ARB_SEEDS; seed++) {
		u64 g, lo = U64_MAX, hi = 0;

		arb_world_random(&w, seed);
		g = max_t(u64, w.params.granule, 1);
		copies = min_t(u32, w.nr, arb_range(&rng, 2, 5));
		for (i = 1; i < copies; i++) {
			u64 key = w.vms[i].key;

			w.vms[i] = w.vms[0];
			w.vms[i].key = key;
		}
		arb_run(test, &w, w.vms, &res);
		for (i = 0; i < copies; i++) {
			lo = min(lo, w.vms[i].target);
			hi = max(hi, w.vms[i].target);
		}
		KUNIT_ASSERT_LE_MSG(test, hi - lo, g, "seed %u", seed);
	}
}

/*
 * Hysteresis: grants that are close to the new targets stay where the
 * pool allows, grants that are far away move to the new targets, and the
 * pool is never exceeded.
 */
static void dmh_arb_test_hysteresis(struct kunit *test)
{
	struct dmh_arb_result res, base_res;
	struct arb_world w;
	u64 rng = 99;
	u32 seed, i;

	arb_world_alloc(test, &w);
	for (seed = 0; seed < ARB_SEEDS; seed++) {
		u64 thr, raise = 0, freed = 0, sum = 0, base_sum = 0;
		u32 held = 0, nr_raise = 0;
		bool all_raises_fit;

		arb_world_random(&w, seed);
		arb_run(test, &w, w.vms, &base_res);
		if (base_res.status == DMH_ARB_OVERCOMMIT)
			continue;
		thr = arb_range(&rng, 1, 64) *
		      max_t(u64, w.params.granule, GRANULE);

		/* Grants near the targets for some VMs, far for others. */
		for (i = 0; i < w.nr; i++) {
			struct dmh_arb_vm *vm = &w.vms[i];
			u64 delta = arb_range(&rng, 0, 1) ?
				    arb_range(&rng, 1, thr - 1) :
				    arb_range(&rng, thr, 4 * thr);
			u64 cur = arb_range(&rng, 0, 1) ?
				  vm->target + delta : vm->target - min(delta,
						       vm->target);

			vm->current_grant = clamp(cur, vm->minimum,
						  vm->maximum);
			w.copy[i] = *vm;
			base_sum += vm->target;
		}
		w.params.hyst_bytes = thr;
		arb_run(test, &w, w.vms, &res);

		for (i = 0; i < w.nr; i++) {
			const struct dmh_arb_vm *vm = &w.vms[i];
			u64 base = w.copy[i].target, cur = vm->current_grant;
			u64 diff = cur > base ? cur - base : base - cur;

			KUNIT_ASSERT_LE_MSG(test, vm->minimum, vm->target,
					    "seed %u vm %u", seed, i);
			KUNIT_ASSERT_LE_MSG(test, vm->target, vm->maximum,
					    "seed %u vm %u", seed, i);
			sum += vm->target;
			if (diff >= thr || !diff) {
				/* large changes go through */
				KUNIT_ASSERT_EQ_MSG(test, vm->target, base,
						    "seed %u vm %u", seed, i);
			} else if (cur < base) {
				/* staying low is always possible */
				KUNIT_ASSERT_EQ_MSG(test, vm->target, cur,
						    "seed %u vm %u", seed, i);
				freed += diff;
				held++;
			} else {
				KUNIT_ASSERT_TRUE_MSG(test, vm->target == cur ||
						      vm->target == base,
						      "seed %u vm %u", seed, i);
				raise += diff;
				nr_raise++;
				held += vm->target == cur;
			}
		}
		KUNIT_ASSERT_LE_MSG(test, sum, w.params.pool, "seed %u", seed);
		KUNIT_ASSERT_EQ_MSG(test, res.held, held, "seed %u", seed);
		KUNIT_ASSERT_EQ_MSG(test, res.granted, sum, "seed %u", seed);
		/* When every excess fits, every close grant stays. */
		all_raises_fit = raise <= w.params.pool - base_sum + freed;
		if (all_raises_fit)
			KUNIT_ASSERT_EQ_MSG(test, sum, base_sum - freed + raise,
					    "seed %u", seed);
	}
}

static struct kunit_case dmh_arb_test_cases_list[] = {
	KUNIT_CASE_PARAM(dmh_arb_test_cases, arb_case_gen_params),
	KUNIT_CASE_PARAM(dmh_arb_test_rejects, arb_bad_case_gen_params),
	KUNIT_CASE(dmh_arb_test_rejects_too_many),
	KUNIT_CASE(dmh_arb_test_overcommit_saturates),
	KUNIT_CASE(dmh_arb_test_rules),
	KUNIT_CASE(dmh_arb_test_fit_exact),
	KUNIT_CASE(dmh_arb_test_order_independent),
	KUNIT_CASE(dmh_arb_test_weight_monotone),
	KUNIT_CASE(dmh_arb_test_equal_vms),
	KUNIT_CASE(dmh_arb_test_hysteresis),
	{}
};

static struct kunit_suite dmh_arb_test_suite = {
	.name = "dynmem_arbiter",
	.test_cases = dmh_arb_test_cases_list,
};

kunit_test_suite(dmh_arb_test_suite);
