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

#define VM_ROOM(t, tot, bal, max, ha, ba, r)				\
	{ .target = (t), .total = (tot), .ballooned = (bal),		\
	  .maximum = (max), .block = BLOCK, .room = (r),		\
	  .can_hotadd = (ha), .can_balloon = (ba) }
#define VM(t, tot, bal, max, ha, ba)					\
	VM_ROOM(t, tot, bal, max, ha, ba, U64_MAX)

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
		/* 100M short, 100M ballooned, the host has 30M */
		.name = "unballoon-limited-by-room",
		.vm = VM_ROOM(700 * MIB, 500 * MIB, 100 * MIB, GIB, true, true,
			      30 * MIB + 123),
		.action = DMH_POL_UNBALLOON,
		.bytes = 30 * MIB,
	},
	{
		.name = "unballoon-no-room",
		.vm = VM_ROOM(700 * MIB, 500 * MIB, 100 * MIB, GIB, true, true,
			      0),
		.action = DMH_POL_NONE,
	},
	{
		/* 200M short, the host has 200M: one whole block */
		.name = "hotadd-limited-by-room",
		.vm = VM_ROOM(712 * MIB, 512 * MIB, 0, 2 * GIB, true, true,
			      200 * MIB),
		.action = DMH_POL_HOTADD,
		.bytes = BLOCK,
	},
	{
		/* the host has less than a block */
		.name = "hotadd-room-below-block",
		.vm = VM_ROOM(712 * MIB, 512 * MIB, 0, 2 * GIB, true, true,
			      BLOCK - 1),
		.action = DMH_POL_NONE,
	},
	{
		/* room does not limit shrinking */
		.name = "shrink-without-room",
		.vm = VM_ROOM(500 * MIB, 800 * MIB, 0, GIB, true, true, 0),
		.action = DMH_POL_BALLOON,
		.bytes = 300 * MIB,
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

static void dmh_pol_test_hotadd_start(struct kunit *test)
{
	static const struct dmh_pol_range pc[] = { { MIB, GIB } };
	static const struct dmh_pol_range split[] = {
		{ MIB, 3 * GIB }, { 4 * GIB, 6 * GIB },
	};
	static const struct dmh_pol_range bad[] = { { 2 * GIB, GIB } };

	/* 256M at boot, MemTotal a little less: start in the second block */
	KUNIT_EXPECT_EQ(test, dmh_pol_hotadd_start(pc, 1, 240 * MIB, BLOCK),
			BLOCK);
	KUNIT_EXPECT_EQ(test, dmh_pol_hotadd_start(pc, 1, 0, BLOCK), 0);
	/* past the hole: 3G - 1M below it, the rest above 4G */
	KUNIT_EXPECT_EQ(test, dmh_pol_hotadd_start(split, 2, 3 * GIB + 300 * MIB,
						   BLOCK),
			4 * GIB + 2 * BLOCK);
	/* more than all RAM: the end, where nothing is offered */
	KUNIT_EXPECT_EQ(test, dmh_pol_hotadd_start(pc, 1, 8 * GIB, BLOCK),
			GIB);
	KUNIT_EXPECT_EQ(test, dmh_pol_hotadd_start(bad, 1, GIB, BLOCK), 0);
	KUNIT_EXPECT_EQ(test, dmh_pol_hotadd_start(pc, 1, GIB, 3 * MIB), 0);
}

static void dmh_pol_test_room(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, dmh_pol_room(GIB, 600 * MIB, 8 * GIB),
			424 * MIB);
	/* the host's available memory is the tighter limit */
	KUNIT_EXPECT_EQ(test, dmh_pol_room(GIB, 600 * MIB, 100 * MIB),
			100 * MIB);
	/* VMs stuck above their targets hold more than the pool */
	KUNIT_EXPECT_EQ(test, dmh_pol_room(GIB, GIB + 1, 8 * GIB), 0);
	KUNIT_EXPECT_EQ(test, dmh_pol_room(U64_MAX, 0, U64_MAX), U64_MAX);
}

static void dmh_pol_test_hotadd_ranges(struct kunit *test)
{
	/* A PC with 1 GiB: RAM from 1 MiB (the legacy area is not RAM). */
	static const struct dmh_pol_range pc[] = { { MIB, GIB } };
	/* RAM below the 3 GiB hole and above 4 GiB */
	static const struct dmh_pol_range split[] = {
		{ MIB, 3 * GIB }, { 4 * GIB, 4 * GIB + 3 * BLOCK + MIB },
	};
	/* a range that is not block aligned at either end */
	static const struct dmh_pol_range odd[] = {
		{ BLOCK + MIB, 5 * BLOCK - MIB },
	};
	static const struct dmh_pol_range bad[] = {
		{ GIB, GIB }, { 2 * GIB, GIB },
		{ U64_MAX - BLOCK / 2, U64_MAX },
	};
	u64 start[4] = {};

	/* 3 blocks asked from 256M */
	KUNIT_ASSERT_EQ(test, dmh_pol_hotadd_ranges(2 * BLOCK, pc, 1, BLOCK,
						    3 * BLOCK, start, 4), 3U);
	KUNIT_EXPECT_EQ(test, start[0], 2 * BLOCK);
	KUNIT_EXPECT_EQ(test, start[2], 4 * BLOCK);
	/* the end of RAM cuts: 7*128M is the last block below 1G */
	KUNIT_EXPECT_EQ(test, dmh_pol_hotadd_ranges(7 * BLOCK, pc, 1, BLOCK,
						    3 * BLOCK, start, 4), 1U);
	KUNIT_EXPECT_EQ(test, start[0], 7 * BLOCK);
	/* block 0 holds the legacy area: never offered */
	KUNIT_ASSERT_EQ(test, dmh_pol_hotadd_ranges(0, pc, 1, BLOCK, BLOCK,
						    start, 4), 1U);
	KUNIT_EXPECT_EQ(test, start[0], BLOCK);
	/* room in the array cuts */
	KUNIT_EXPECT_EQ(test, dmh_pol_hotadd_ranges(0, pc, 1, BLOCK, 8 * GIB,
						    start, 4), 4U);
	/* the hole is skipped, the partial block at the top is not offered */
	KUNIT_ASSERT_EQ(test, dmh_pol_hotadd_ranges(3 * GIB - BLOCK, split, 2,
						    BLOCK, 8 * GIB, start,
						    4), 4U);
	KUNIT_EXPECT_EQ(test, start[0], 3 * GIB - BLOCK);
	KUNIT_EXPECT_EQ(test, start[1], 4 * GIB);
	KUNIT_EXPECT_EQ(test, start[3], 4 * GIB + 2 * BLOCK);
	KUNIT_EXPECT_EQ(test, dmh_pol_hotadd_ranges(4 * GIB + 3 * BLOCK, split,
						    2, BLOCK, BLOCK, start,
						    4), 0U);
	/* only the whole blocks inside a ragged range */
	KUNIT_ASSERT_EQ(test, dmh_pol_hotadd_ranges(0, odd, 1, BLOCK, GIB,
						    start, 4), 2U);
	KUNIT_EXPECT_EQ(test, start[0], 2 * BLOCK);
	KUNIT_EXPECT_EQ(test, start[1], 3 * BLOCK);
	/* empty, reversed and wrapping ranges offer nothing */
	KUNIT_EXPECT_EQ(test, dmh_pol_hotadd_ranges(0, bad, ARRAY_SIZE(bad),
						    BLOCK, GIB, start, 4), 0U);
	/* no RAM at all */
	KUNIT_EXPECT_EQ(test, dmh_pol_hotadd_ranges(0, pc, 0, BLOCK, GIB,
						    start, 4), 0U);
	/* misaligned cursor, bad block size, nothing asked */
	KUNIT_EXPECT_EQ(test, dmh_pol_hotadd_ranges(MIB, pc, 1, BLOCK, BLOCK,
						    start, 4), 0U);
	KUNIT_EXPECT_EQ(test, dmh_pol_hotadd_ranges(0, pc, 1, 3 * MIB, BLOCK,
						    start, 4), 0U);
	KUNIT_EXPECT_EQ(test, dmh_pol_hotadd_ranges(0, pc, 1, BLOCK, 0,
						    start, 4), 0U);
	/* no wrap at the top of the address space */
	KUNIT_EXPECT_EQ(test, dmh_pol_hotadd_ranges(U64_MAX - BLOCK + 1, &bad[2],
						    1, BLOCK, BLOCK, start,
						    4), 0U);
}

static void dmh_pol_test_ram_end(struct kunit *test)
{
	static const struct dmh_pol_range split[] = {
		{ MIB, 3 * GIB }, { 4 * GIB, 4 * GIB + 3 * BLOCK + MIB },
	};
	static const struct dmh_pol_range tiny[] = {
		{ MIB, 3 * GIB }, { 4 * GIB + MIB, 4 * GIB + BLOCK },
	};
	static const struct dmh_pol_range bad[] = {
		{ 2 * GIB, GIB }, { U64_MAX - BLOCK / 2, U64_MAX },
	};

	KUNIT_EXPECT_EQ(test, dmh_pol_ram_end(split, 2, BLOCK),
			4 * GIB + 3 * BLOCK);
	/* a last range without a whole block does not count */
	KUNIT_EXPECT_EQ(test, dmh_pol_ram_end(tiny, 2, BLOCK), 3 * GIB);
	KUNIT_EXPECT_EQ(test, dmh_pol_ram_end(bad, 2, BLOCK), 0);
	KUNIT_EXPECT_EQ(test, dmh_pol_ram_end(split, 0, BLOCK), 0);
	KUNIT_EXPECT_EQ(test, dmh_pol_ram_end(split, 2, 3 * MIB), 0);
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
	KUNIT_CASE(dmh_pol_test_room),
	KUNIT_CASE(dmh_pol_test_hotadd_start),
	KUNIT_CASE(dmh_pol_test_hotadd_ranges),
	KUNIT_CASE(dmh_pol_test_ram_end),
	KUNIT_CASE(dmh_pol_test_backoff),
	{}
};

static struct kunit_suite dmh_pol_test_suite = {
	.name = "dynmem_policy",
	.test_cases = dmh_pol_test_cases,
};

kunit_test_suite(dmh_pol_test_suite);
