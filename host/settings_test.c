// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the VM policy and host settings rules (settings.c).
 *
 * Each table row is a request and what must come of it: the values that
 * result, or the attribute blamed and the message. A refused request must
 * leave the output untouched.
 */

#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/string.h>

#include "settings.h"

#define KIB(x)	((u64)(x) << 10)
#define MIB(x)	((u64)(x) << 20)
#define GIB(x)	((u64)(x) << 30)

#define P_STARTUP	BIT(DYNMEM_VM_A_STARTUP)
#define P_MINIMUM	BIT(DYNMEM_VM_A_MINIMUM)
#define P_MAXIMUM	BIT(DYNMEM_VM_A_MAXIMUM)
#define P_BUFFER	BIT(DYNMEM_VM_A_BUFFER)
#define P_WEIGHT	BIT(DYNMEM_VM_A_WEIGHT)
#define P_RESERVED	BIT(DYNMEM_HOST_A_RESERVED)
#define P_PERIOD	BIT(DYNMEM_HOST_A_PERIOD_MS)

/* Written to outputs before a call: a refused request must not touch them. */
#define SENTINEL	0x5a

/* ---- names ---- */

struct dmh_name_case {
	const char *desc;
	const char *name;	/* NULL: @len times 'a' */
	unsigned int len;
	const char *msg;	/* NULL: accepted */
};

static const struct dmh_name_case dmh_name_cases[] = {
	{ "one character", "a", 0, NULL },
	{ "punctuation", "vm-1_a.b:c~!@#", 0, NULL },
	{ "63 characters", NULL, 63, NULL },
	{ "64 characters", NULL, 64,
	  "name: too long (at most 63 characters)" },
	{ "200 characters", NULL, 200,
	  "name: too long (at most 63 characters)" },
	{ "empty", "", 0, "name: empty" },
	{ "space inside", "my vm", 0,
	  "name: only printable ASCII characters without spaces allowed" },
	{ "leading space", " vm", 0,
	  "name: only printable ASCII characters without spaces allowed" },
	{ "tab", "vm\t1", 0,
	  "name: only printable ASCII characters without spaces allowed" },
	{ "newline", "vm\n", 0,
	  "name: only printable ASCII characters without spaces allowed" },
	{ "control character", "\x01vm", 0,
	  "name: only printable ASCII characters without spaces allowed" },
	{ "DEL", "vm\x7f", 0,
	  "name: only printable ASCII characters without spaces allowed" },
	{ "non-ASCII", "vm\xc3\xa9", 0,
	  "name: only printable ASCII characters without spaces allowed" },
};

static void dmh_name_case_desc(const struct dmh_name_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(dmh_name, dmh_name_cases, dmh_name_case_desc);

static void dmh_name_test(struct kunit *test)
{
	const struct dmh_name_case *c = test->param_value;
	struct dmh_settings_error err = {};
	const char *name = c->name;
	int ret;

	if (!name) {
		char *buf = kunit_kzalloc(test, c->len + 1, GFP_KERNEL);

		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
		memset(buf, 'a', c->len);
		name = buf;
	}

	ret = dmh_vm_name_check(name, &err);
	if (!c->msg) {
		KUNIT_EXPECT_EQ(test, ret, 0);
		return;
	}
	/* Stop here if accepted: err holds no message to compare. */
	KUNIT_ASSERT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, err.attr, DYNMEM_VM_A_NAME);
	KUNIT_EXPECT_STREQ(test, err.msg, c->msg);
}

/* ---- VM policies ---- */

static void dmh_expect_policy(struct kunit *test,
			      const struct dmh_vm_policy *got,
			      const struct dmh_vm_policy *want)
{
	KUNIT_EXPECT_EQ(test, got->startup, want->startup);
	KUNIT_EXPECT_EQ(test, got->minimum, want->minimum);
	KUNIT_EXPECT_EQ(test, got->maximum, want->maximum);
	KUNIT_EXPECT_EQ(test, got->buffer, want->buffer);
	KUNIT_EXPECT_EQ(test, got->weight, want->weight);
}

static void dmh_expect_untouched(struct kunit *test, const void *p, size_t len)
{
	const u8 *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != SENTINEL)
			break;
	KUNIT_EXPECT_EQ_MSG(test, i, len, "refused request wrote the output");
}

struct dmh_policy_case {
	const char *desc;
	struct dmh_vm_policy cur;	/* VM_SET only */
	struct dmh_vm_policy_req req;
	struct dmh_vm_policy want;	/* when accepted */
	unsigned int attr;		/* when refused */
	const char *msg;		/* NULL: accepted */
};

#define REQ(_present, ...) { .present = (_present), .val = { __VA_ARGS__ } }

static const struct dmh_policy_case dmh_new_cases[] = {
	{ .desc = "startup only: defaults",
	  .req = REQ(P_STARTUP, .startup = GIB(1)),
	  .want = { GIB(1), GIB(1), GIB(1), DYNMEM_BUFFER_DEFAULT,
		    DYNMEM_WEIGHT_DEFAULT } },
	{ .desc = "every attribute",
	  .req = REQ(P_STARTUP | P_MINIMUM | P_MAXIMUM | P_BUFFER | P_WEIGHT,
		     GIB(1), MIB(512), GIB(4), 50, 100),
	  .want = { GIB(1), MIB(512), GIB(4), 50, 100 } },
	{ .desc = "minimum only, maximum defaults to startup",
	  .req = REQ(P_STARTUP | P_MINIMUM, .startup = GIB(2),
		     .minimum = GIB(1)),
	  .want = { GIB(2), GIB(1), GIB(2), 20, 5000 } },
	{ .desc = "smallest sizes",
	  .req = REQ(P_STARTUP, .startup = KIB(4)),
	  .want = { KIB(4), KIB(4), KIB(4), 20, 5000 } },
	{ .desc = "largest sizes",
	  .req = REQ(P_STARTUP, .startup = DYNMEM_SIZE_MAX),
	  .want = { DYNMEM_SIZE_MAX, DYNMEM_SIZE_MAX, DYNMEM_SIZE_MAX, 20,
		    5000 } },
	{ .desc = "startup absent",
	  .req = REQ(P_MINIMUM, .minimum = GIB(1)),
	  .attr = DYNMEM_VM_A_STARTUP, .msg = "startup: required" },
	{ .desc = "startup 0",
	  .req = REQ(P_STARTUP, .startup = 0),
	  .attr = DYNMEM_VM_A_STARTUP, .msg = "startup: must not be 0" },
	{ .desc = "startup unaligned",
	  .req = REQ(P_STARTUP, .startup = GIB(1) + 512),
	  .attr = DYNMEM_VM_A_STARTUP,
	  .msg = "startup: not a multiple of 4 KiB" },
	{ .desc = "startup above 1 PiB",
	  .req = REQ(P_STARTUP, .startup = DYNMEM_SIZE_MAX + KIB(4)),
	  .attr = DYNMEM_VM_A_STARTUP,
	  .msg = "startup: above the largest size, 1 PiB" },
	{ .desc = "minimum 0",
	  .req = REQ(P_STARTUP | P_MINIMUM, .startup = GIB(1)),
	  .attr = DYNMEM_VM_A_MINIMUM, .msg = "minimum: must not be 0" },
	{ .desc = "minimum unaligned",
	  .req = REQ(P_STARTUP | P_MINIMUM, .startup = GIB(1),
		     .minimum = KIB(6)),
	  .attr = DYNMEM_VM_A_MINIMUM,
	  .msg = "minimum: not a multiple of 4 KiB" },
	{ .desc = "maximum 0",
	  .req = REQ(P_STARTUP | P_MAXIMUM, .startup = GIB(1)),
	  .attr = DYNMEM_VM_A_MAXIMUM, .msg = "maximum: must not be 0" },
	{ .desc = "maximum unaligned",
	  .req = REQ(P_STARTUP | P_MAXIMUM, .startup = GIB(1),
		     .maximum = GIB(2) + 1),
	  .attr = DYNMEM_VM_A_MAXIMUM,
	  .msg = "maximum: not a multiple of 4 KiB" },
	{ .desc = "maximum above 1 PiB",
	  .req = REQ(P_STARTUP | P_MAXIMUM, .startup = GIB(1),
		     .maximum = U64_MAX - 4095),
	  .attr = DYNMEM_VM_A_MAXIMUM,
	  .msg = "maximum: above the largest size, 1 PiB" },
	{ .desc = "buffer 4",
	  .req = REQ(P_STARTUP | P_BUFFER, .startup = GIB(1), .buffer = 4),
	  .attr = DYNMEM_VM_A_BUFFER,
	  .msg = "buffer: must be 5 to 2000 percent" },
	{ .desc = "buffer 5",
	  .req = REQ(P_STARTUP | P_BUFFER, .startup = GIB(1), .buffer = 5),
	  .want = { GIB(1), GIB(1), GIB(1), 5, 5000 } },
	{ .desc = "buffer 2000",
	  .req = REQ(P_STARTUP | P_BUFFER, .startup = GIB(1),
		     .buffer = 2000),
	  .want = { GIB(1), GIB(1), GIB(1), 2000, 5000 } },
	{ .desc = "buffer 2001",
	  .req = REQ(P_STARTUP | P_BUFFER, .startup = GIB(1),
		     .buffer = 2001),
	  .attr = DYNMEM_VM_A_BUFFER,
	  .msg = "buffer: must be 5 to 2000 percent" },
	{ .desc = "buffer 0",
	  .req = REQ(P_STARTUP | P_BUFFER, .startup = GIB(1), .buffer = 0),
	  .attr = DYNMEM_VM_A_BUFFER,
	  .msg = "buffer: must be 5 to 2000 percent" },
	{ .desc = "weight 0",
	  .req = REQ(P_STARTUP | P_WEIGHT, .startup = GIB(1), .weight = 0),
	  .want = { GIB(1), GIB(1), GIB(1), 20, 0 } },
	{ .desc = "weight 10000",
	  .req = REQ(P_STARTUP | P_WEIGHT, .startup = GIB(1),
		     .weight = 10000),
	  .want = { GIB(1), GIB(1), GIB(1), 20, 10000 } },
	{ .desc = "weight 10001",
	  .req = REQ(P_STARTUP | P_WEIGHT, .startup = GIB(1),
		     .weight = 10001),
	  .attr = DYNMEM_VM_A_WEIGHT, .msg = "weight: must be 0 to 10000" },
	{ .desc = "weight U32_MAX",
	  .req = REQ(P_STARTUP | P_WEIGHT, .startup = GIB(1),
		     .weight = U32_MAX),
	  .attr = DYNMEM_VM_A_WEIGHT, .msg = "weight: must be 0 to 10000" },
	{ .desc = "minimum above startup",
	  .req = REQ(P_STARTUP | P_MINIMUM, .startup = GIB(1),
		     .minimum = GIB(1) + KIB(4)),
	  .attr = DYNMEM_VM_A_MINIMUM, .msg = "minimum: above startup" },
	{ .desc = "startup above maximum",
	  .req = REQ(P_STARTUP | P_MAXIMUM, .startup = GIB(1),
		     .maximum = GIB(1) - KIB(4)),
	  .attr = DYNMEM_VM_A_MAXIMUM, .msg = "maximum: below startup" },
	{ .desc = "minimum above maximum",
	  .req = REQ(P_STARTUP | P_MINIMUM | P_MAXIMUM, .startup = GIB(1),
		     .minimum = GIB(3), .maximum = GIB(2)),
	  .attr = DYNMEM_VM_A_MINIMUM, .msg = "minimum: above startup" },
};

static const struct dmh_vm_policy dmh_cur = {
	.startup = GIB(1), .minimum = MIB(512), .maximum = GIB(2),
	.buffer = 30, .weight = 200,
};

static const struct dmh_policy_case dmh_merge_cases[] = {
	{ .desc = "empty request keeps everything", .cur = dmh_cur,
	  .req = REQ(0, 0), .want = dmh_cur },
	{ .desc = "weight only keeps the rest", .cur = dmh_cur,
	  .req = REQ(P_WEIGHT, .weight = 9000),
	  .want = { GIB(1), MIB(512), GIB(2), 30, 9000 } },
	{ .desc = "buffer only keeps the rest", .cur = dmh_cur,
	  .req = REQ(P_BUFFER, .buffer = 5),
	  .want = { GIB(1), MIB(512), GIB(2), 5, 200 } },
	{ .desc = "startup up to maximum", .cur = dmh_cur,
	  .req = REQ(P_STARTUP, .startup = GIB(2)),
	  .want = { GIB(2), MIB(512), GIB(2), 30, 200 } },
	{ .desc = "startup and maximum together", .cur = dmh_cur,
	  .req = REQ(P_STARTUP | P_MAXIMUM, .startup = GIB(4),
		     .maximum = GIB(8)),
	  .want = { GIB(4), MIB(512), GIB(8), 30, 200 } },
	{ .desc = "startup above current maximum", .cur = dmh_cur,
	  .req = REQ(P_STARTUP, .startup = GIB(4)),
	  .attr = DYNMEM_VM_A_STARTUP, .msg = "startup: above maximum" },
	{ .desc = "startup below current minimum", .cur = dmh_cur,
	  .req = REQ(P_STARTUP, .startup = MIB(256)),
	  .attr = DYNMEM_VM_A_STARTUP, .msg = "startup: below minimum" },
	{ .desc = "maximum below current startup", .cur = dmh_cur,
	  .req = REQ(P_MAXIMUM, .maximum = MIB(768)),
	  .attr = DYNMEM_VM_A_MAXIMUM, .msg = "maximum: below startup" },
	{ .desc = "minimum above current startup", .cur = dmh_cur,
	  .req = REQ(P_MINIMUM, .minimum = MIB(1536)),
	  .attr = DYNMEM_VM_A_MINIMUM, .msg = "minimum: above startup" },
	{ .desc = "minimum unaligned", .cur = dmh_cur,
	  .req = REQ(P_MINIMUM, .minimum = MIB(256) + 8),
	  .attr = DYNMEM_VM_A_MINIMUM,
	  .msg = "minimum: not a multiple of 4 KiB" },
	{ .desc = "maximum 0", .cur = dmh_cur,
	  .req = REQ(P_MAXIMUM, .maximum = 0),
	  .attr = DYNMEM_VM_A_MAXIMUM, .msg = "maximum: must not be 0" },
	{ .desc = "startup above 1 PiB", .cur = dmh_cur,
	  .req = REQ(P_STARTUP | P_MAXIMUM, .startup = DYNMEM_SIZE_MAX * 2,
		     .maximum = DYNMEM_SIZE_MAX * 2),
	  .attr = DYNMEM_VM_A_STARTUP,
	  .msg = "startup: above the largest size, 1 PiB" },
	{ .desc = "buffer 2001", .cur = dmh_cur,
	  .req = REQ(P_BUFFER, .buffer = 2001),
	  .attr = DYNMEM_VM_A_BUFFER,
	  .msg = "buffer: must be 5 to 2000 percent" },
	{ .desc = "weight 10001 with a valid buffer", .cur = dmh_cur,
	  .req = REQ(P_BUFFER | P_WEIGHT, .buffer = 40, .weight = 10001),
	  .attr = DYNMEM_VM_A_WEIGHT, .msg = "weight: must be 0 to 10000" },
};

static void dmh_policy_case_desc(const struct dmh_policy_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(dmh_new, dmh_new_cases, dmh_policy_case_desc);
KUNIT_ARRAY_PARAM(dmh_merge, dmh_merge_cases, dmh_policy_case_desc);

static void dmh_policy_check_result(struct kunit *test,
				    const struct dmh_policy_case *c, int ret,
				    const struct dmh_settings_error *err,
				    const struct dmh_vm_policy *out)
{
	if (!c->msg) {
		KUNIT_EXPECT_EQ(test, ret, 0);
		dmh_expect_policy(test, out, &c->want);
		return;
	}
	/* Stop here if accepted: err holds no message to compare. */
	KUNIT_ASSERT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, err->attr, c->attr);
	KUNIT_EXPECT_STREQ(test, err->msg, c->msg);
	dmh_expect_untouched(test, out, sizeof(*out));
}

static void dmh_new_test(struct kunit *test)
{
	const struct dmh_policy_case *c = test->param_value;
	struct dmh_settings_error err = {};
	struct dmh_vm_policy out;
	int ret;

	memset(&out, SENTINEL, sizeof(out));
	ret = dmh_vm_policy_new(&c->req, &out, &err);
	dmh_policy_check_result(test, c, ret, &err, &out);
}

static void dmh_merge_test(struct kunit *test)
{
	const struct dmh_policy_case *c = test->param_value;
	struct dmh_settings_error err = {};
	struct dmh_vm_policy out;
	int ret;

	memset(&out, SENTINEL, sizeof(out));
	ret = dmh_vm_policy_merge(&c->cur, &c->req, &out, &err);
	dmh_policy_check_result(test, c, ret, &err, &out);
}

/* VM_SET writes the merged policy over the record it read it from. */
static void dmh_merge_in_place_test(struct kunit *test)
{
	struct dmh_vm_policy_req bad = REQ(P_MAXIMUM, .maximum = MIB(4));
	struct dmh_vm_policy_req good = REQ(P_BUFFER, .buffer = 100);
	struct dmh_vm_policy p = dmh_cur;
	struct dmh_settings_error err = {};

	KUNIT_EXPECT_EQ(test, dmh_vm_policy_merge(&p, &bad, &p, &err), -EINVAL);
	dmh_expect_policy(test, &p, &dmh_cur);

	KUNIT_EXPECT_EQ(test, dmh_vm_policy_merge(&p, &good, &p, &err), 0);
	KUNIT_EXPECT_EQ(test, p.buffer, 100U);
	KUNIT_EXPECT_EQ(test, p.startup, dmh_cur.startup);
	KUNIT_EXPECT_EQ(test, p.weight, dmh_cur.weight);
}

/* ---- host settings ---- */

struct dmh_host_case {
	const char *desc;
	struct dmh_host_settings_req req;
	struct dmh_host_settings want;	/* when accepted */
	unsigned int attr;		/* when refused */
	const char *msg;		/* NULL: accepted */
};

static const struct dmh_host_settings dmh_host_cur = {
	.reserved = GIB(2), .period_ms = 500,
};

static const struct dmh_host_case dmh_host_cases[] = {
	{ "empty request keeps everything", REQ(0, 0), { GIB(2), 500 } },
	{ "reserved only keeps the period", REQ(P_RESERVED, GIB(8)),
	  { GIB(8), 500 } },
	{ "period only keeps reserved", REQ(P_PERIOD, .period_ms = 1000),
	  { GIB(2), 1000 } },
	{ "reserved 0", REQ(P_RESERVED, 0), { 0, 500 } },
	{ "reserved 1 PiB", REQ(P_RESERVED, DYNMEM_SIZE_MAX),
	  { DYNMEM_SIZE_MAX, 500 } },
	{ "reserved unaligned", REQ(P_RESERVED, KIB(4) - 1), {},
	  DYNMEM_HOST_A_RESERVED, "reserved: not a multiple of 4 KiB" },
	{ "reserved above 1 PiB", REQ(P_RESERVED, DYNMEM_SIZE_MAX + KIB(4)),
	  {}, DYNMEM_HOST_A_RESERVED,
	  "reserved: above the largest size, 1 PiB" },
	{ "period 9", REQ(P_PERIOD, .period_ms = 9), {},
	  DYNMEM_HOST_A_PERIOD_MS, "period_ms: must be 10 to 60000" },
	{ "period 10", REQ(P_PERIOD, .period_ms = 10), { GIB(2), 10 } },
	{ "period 60000", REQ(P_PERIOD, .period_ms = 60000),
	  { GIB(2), 60000 } },
	{ "period 60001", REQ(P_PERIOD, .period_ms = 60001), {},
	  DYNMEM_HOST_A_PERIOD_MS, "period_ms: must be 10 to 60000" },
	{ "period 0", REQ(P_PERIOD, .period_ms = 0), {},
	  DYNMEM_HOST_A_PERIOD_MS, "period_ms: must be 10 to 60000" },
	{ "valid reserved, bad period",
	  REQ(P_RESERVED | P_PERIOD, GIB(1), 5), {},
	  DYNMEM_HOST_A_PERIOD_MS, "period_ms: must be 10 to 60000" },
};

static void dmh_host_case_desc(const struct dmh_host_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(dmh_host, dmh_host_cases, dmh_host_case_desc);

static void dmh_host_test(struct kunit *test)
{
	const struct dmh_host_case *c = test->param_value;
	struct dmh_settings_error err = {};
	struct dmh_host_settings out;
	int ret;

	memset(&out, SENTINEL, sizeof(out));
	ret = dmh_host_settings_merge(&dmh_host_cur, &c->req, &out, &err);
	if (!c->msg) {
		KUNIT_EXPECT_EQ(test, ret, 0);
		KUNIT_EXPECT_EQ(test, out.reserved, c->want.reserved);
		KUNIT_EXPECT_EQ(test, out.period_ms, c->want.period_ms);
		return;
	}
	/* Stop here if accepted: err holds no message to compare. */
	KUNIT_ASSERT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, err.attr, c->attr);
	KUNIT_EXPECT_STREQ(test, err.msg, c->msg);
	dmh_expect_untouched(test, &out, sizeof(out));
}

static void dmh_host_default_test(struct kunit *test)
{
	struct dmh_host_settings s;

	memset(&s, SENTINEL, sizeof(s));
	dmh_host_settings_default(&s);
	KUNIT_EXPECT_EQ(test, s.reserved, 0ULL);
	KUNIT_EXPECT_EQ(test, s.period_ms, (u32)DYNMEM_PERIOD_DEFAULT_MS);
}

static struct kunit_case dmh_settings_test_cases[] = {
	KUNIT_CASE_PARAM(dmh_name_test, dmh_name_gen_params),
	KUNIT_CASE_PARAM(dmh_new_test, dmh_new_gen_params),
	KUNIT_CASE_PARAM(dmh_merge_test, dmh_merge_gen_params),
	KUNIT_CASE(dmh_merge_in_place_test),
	KUNIT_CASE_PARAM(dmh_host_test, dmh_host_gen_params),
	KUNIT_CASE(dmh_host_default_test),
	{}
};

static struct kunit_suite dmh_settings_test_suite = {
	.name = "dynmem_settings",
	.test_cases = dmh_settings_test_cases,
};

kunit_test_suite(dmh_settings_test_suite);
