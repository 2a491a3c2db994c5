// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "dynmem_policy": the closed loop's pure decisions (demand,
 * pressure, the next step toward a target, hot-add offers, backoff) on
 * hand-worked cases.
 */

#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/limits.h>

#include "policy.h"

#define MIB	BIT_ULL(20)
#define GIB	BIT_ULL(30)
#define BLOCK	(128 * MIB)

struct demand_case {
	const char *name;
	bool has_prev;
	struct dmh_pol_sample prev;
	struct dmh_pol_sample cur;
	u64 demand;
};

static const struct demand_case demand_cases[] = {
	{
		/* 1000M - 600M available - 100M balloon */
		.name = "use-less-balloon",
		.cur = { .total = 1000 * MIB, .available = 600 * MIB,
			 .ballooned = 100 * MIB },
		.demand = 300 * MIB,
	},
	{
		/* available above total (hostile): no use at all */
		.name = "available-above-total",
		.cur = { .total = 100 * MIB, .available = 200 * MIB },
		.demand = 0,
	},
	{
		/* 256 refaults + 0 swap-ins = 1M, times 8 = 8M on 300M */
		.name = "refaults-raise",
		.has_prev = true,
		.prev = { .refaults = 1000, .swap_in = 5 },
		.cur = { .total = 1000 * MIB, .available = 700 * MIB,
			 .refaults = 1256, .swap_in = 5 },
		.demand = 308 * MIB,
	},
	{
		/* 128 swap-ins = 512K, times 8 = 4M */
		.name = "swap-in-raises",
		.has_prev = true,
		.prev = { .swap_in = 10 },
		.cur = { .total = 1000 * MIB, .available = 700 * MIB,
			 .swap_in = 138 },
		.demand = 304 * MIB,
	},
	{
		/* heavy thrashing is capped at half the use: 300M + 150M */
		.name = "thrash-capped",
		.has_prev = true,
		.cur = { .total = 1000 * MIB, .available = 700 * MIB,
			 .refaults = U64_MAX },
		.demand = 450 * MIB,
	},
	{
		/* counters went backwards (driver reloaded): no raise */
		.name = "counters-backwards",
		.has_prev = true,
		.prev = { .refaults = 5000, .swap_in = 5000 },
		.cur = { .total = 1000 * MIB, .available = 700 * MIB },
		.demand = 300 * MIB,
	},
};

static void demand_case_desc(const struct demand_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(demand, demand_cases, demand_case_desc);

static void dmh_pol_test_demand(struct kunit *test)
{
	const struct demand_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, dmh_pol_demand(c->has_prev ? &c->prev : NULL,
					     &c->cur), c->demand);
}

static void dmh_pol_test_pressure(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, dmh_pol_pressure(512 * MIB, GIB), 50U);
	KUNIT_EXPECT_EQ(test, dmh_pol_pressure(3 * GIB, GIB), 300U);
	KUNIT_EXPECT_EQ(test, dmh_pol_pressure(GIB, 0), 0U);
	KUNIT_EXPECT_EQ(test, dmh_pol_pressure(U64_MAX, 1), U32_MAX);
	KUNIT_EXPECT_EQ(test, dmh_pol_pressure(U64_MAX / 200, 1), U32_MAX);
}

struct decide_case {
	const char *name;
	struct dmh_pol_vm vm;
	enum dmh_pol_action action;
	u64 bytes;
};

#define VM(t, tot, bal, max, ha, ba)					\
	{ .target = (t), .total = (tot), .ballooned = (bal),		\
	  .maximum = (max), .block = BLOCK, .can_hotadd = (ha),		\
	  .can_balloon = (ba) }

static const struct decide_case decide_cases[] = {
	{
		.name = "at-target",
		.vm = VM(512 * MIB, 512 * MIB, 0, GIB, true, true),
		.action = DMH_POL_NONE,
	},
	{
		/* 3M short: inside the hysteresis */
		.name = "grow-below-margin",
		.vm = VM(515 * MIB, 512 * MIB, 0, GIB, true, true),
		.action = DMH_POL_NONE,
	},
	{
		/* have 400M of 500M, 100M ballooned: unballoon the 100M */
		.name = "grow-unballoons-first",
		.vm = VM(700 * MIB, 500 * MIB, 100 * MIB, GIB, true, true),
		.action = DMH_POL_UNBALLOON,
		.bytes = 100 * MIB,
	},
	{
		/* 50M short, 100M ballooned: unballoon 50M only */
		.name = "unballoon-what-is-missing",
		.vm = VM(450 * MIB, 500 * MIB, 100 * MIB, GIB, true, true),
		.action = DMH_POL_UNBALLOON,
		.bytes = 50 * MIB,
	},
	{
		/* 200M short: two blocks */
		.name = "hotadd-rounds-up-to-blocks",
		.vm = VM(712 * MIB, 512 * MIB, 0, 2 * GIB, true, true),
		.action = DMH_POL_HOTADD,
		.bytes = 2 * BLOCK,
	},
	{
		/* 900M short, but only 256M below the maximum */
		.name = "hotadd-stops-at-maximum",
		.vm = VM(GIB + 400 * MIB, 768 * MIB, 0, GIB, true, true),
		.action = DMH_POL_HOTADD,
		.bytes = 2 * BLOCK,
	},
	{
		/* 100M below the maximum: not a whole block */
		.name = "hotadd-no-room",
		.vm = VM(GIB, 924 * MIB, 0, GIB, true, true),
		.action = DMH_POL_NONE,
	},
	{
		/* 3G short: one step of 1G */
		.name = "hotadd-step-limit",
		.vm = VM(4 * GIB, GIB, 0, 8 * GIB, true, true),
		.action = DMH_POL_HOTADD,
		.bytes = GIB,
	},
	{
		.name = "hotadd-not-possible",
		.vm = VM(GIB, 512 * MIB, 0, 2 * GIB, false, true),
		.action = DMH_POL_NONE,
	},
	{
		/* 300M above, margin max(16M, 800M/64 = 12.5M) */
		.name = "shrink-balloons",
		.vm = VM(500 * MIB, 800 * MIB, 0, GIB, true, true),
		.action = DMH_POL_BALLOON,
		.bytes = 300 * MIB,
	},
	{
		/* 15M above: inside the margin */
		.name = "shrink-below-margin",
		.vm = VM(500 * MIB, 515 * MIB, 0, GIB, true, true),
		.action = DMH_POL_NONE,
	},
	{
		/* 40M above 4G: margin is 4G/64 = 64M */
		.name = "shrink-margin-scales",
		.vm = VM(4 * GIB, 4 * GIB + 40 * MIB, 0, 8 * GIB, true, true),
		.action = DMH_POL_NONE,
	},
	{
		/* 2G above: one step of 512M */
		.name = "shrink-step-limit",
		.vm = VM(GIB, 3 * GIB, 0, 4 * GIB, true, true),
		.action = DMH_POL_BALLOON,
		.bytes = 512 * MIB,
	},
	{
		/* what is ballooned already does not count again */
		.name = "shrink-counts-balloon",
		.vm = VM(500 * MIB, 800 * MIB, 200 * MIB, GIB, true, true),
		.action = DMH_POL_BALLOON,
		.bytes = 100 * MIB,
	},
	{
		.name = "shrink-backing-off",
		.vm = VM(500 * MIB, 800 * MIB, 0, GIB, true, false),
		.action = DMH_POL_NONE,
	},
	{
		/* the visible total above a lowered maximum: balloon */
		.name = "maximum-lowered",
		.vm = VM(512 * MIB, GIB, 0, 512 * MIB, true, true),
		.action = DMH_POL_BALLOON,
		.bytes = 512 * MIB,
	},
	{
		/* hostile: balloon above total */
		.name = "balloon-above-total",
		.vm = VM(512 * MIB, 100 * MIB, 200 * MIB, GIB, false, false),
		.action = DMH_POL_NONE,
	},
};

static void decide_case_desc(const struct decide_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(decide, decide_cases, decide_case_desc);

static void dmh_pol_test_decide(struct kunit *test)
{
	const struct decide_case *c = test->param_value;
	struct dmh_pol_step step;

	dmh_pol_decide(&c->vm, &step);
	KUNIT_EXPECT_EQ(test, step.action, c->action);
	KUNIT_EXPECT_EQ(test, step.bytes, c->bytes);
}

static void dmh_pol_test_hotadd_ranges(struct kunit *test)
{
	u64 start[4] = {};

	/* 3 blocks asked from 256M, limit 1G */
	KUNIT_ASSERT_EQ(test, dmh_pol_hotadd_ranges(2 * BLOCK, GIB, BLOCK,
						    3 * BLOCK, start, 4), 3U);
	KUNIT_EXPECT_EQ(test, start[0], 2 * BLOCK);
	KUNIT_EXPECT_EQ(test, start[2], 4 * BLOCK);
	/* the limit cuts: 7*128M is the last block below 1G */
	KUNIT_EXPECT_EQ(test, dmh_pol_hotadd_ranges(7 * BLOCK, GIB, BLOCK,
						    3 * BLOCK, start, 4), 1U);
	KUNIT_EXPECT_EQ(test, start[0], 7 * BLOCK);
	/* room in the array cuts */
	KUNIT_EXPECT_EQ(test, dmh_pol_hotadd_ranges(0, 8 * GIB, BLOCK,
						    8 * GIB, start, 4), 4U);
	/* misaligned cursor, bad block size, nothing asked */
	KUNIT_EXPECT_EQ(test, dmh_pol_hotadd_ranges(MIB, GIB, BLOCK, BLOCK,
						    start, 4), 0U);
	KUNIT_EXPECT_EQ(test, dmh_pol_hotadd_ranges(0, GIB, 3 * MIB, BLOCK,
						    start, 4), 0U);
	KUNIT_EXPECT_EQ(test, dmh_pol_hotadd_ranges(0, GIB, BLOCK, 0,
						    start, 4), 0U);
	/* no wrap at the top of the address space */
	KUNIT_EXPECT_EQ(test, dmh_pol_hotadd_ranges(U64_MAX - BLOCK + 1,
						    U64_MAX, BLOCK, BLOCK,
						    start, 4), 0U);
}

static void dmh_pol_test_backoff(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, dmh_pol_backoff(0), DMH_POL_BACKOFF_MIN_MS);
	KUNIT_EXPECT_EQ(test, dmh_pol_backoff(DMH_POL_BACKOFF_MIN_MS),
			2 * DMH_POL_BACKOFF_MIN_MS);
	KUNIT_EXPECT_EQ(test, dmh_pol_backoff(DMH_POL_BACKOFF_MAX_MS),
			DMH_POL_BACKOFF_MAX_MS);
	KUNIT_EXPECT_EQ(test, dmh_pol_backoff(UINT_MAX),
			DMH_POL_BACKOFF_MAX_MS);
}

static struct kunit_case dmh_pol_test_cases[] = {
	KUNIT_CASE_PARAM(dmh_pol_test_demand, demand_gen_params),
	KUNIT_CASE(dmh_pol_test_pressure),
	KUNIT_CASE_PARAM(dmh_pol_test_decide, decide_gen_params),
	KUNIT_CASE(dmh_pol_test_hotadd_ranges),
	KUNIT_CASE(dmh_pol_test_backoff),
	{}
};

static struct kunit_suite dmh_pol_test_suite = {
	.name = "dynmem_policy",
	.test_cases = dmh_pol_test_cases,
};

kunit_test_suite(dmh_pol_test_suite);
