// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "dynmem_codec": the wire codec (host/codec.c) against the
 * cases of codec_test.h, which tools/proto/codec-test runs in userspace
 * too: every message type round trip, the documented bytes, every
 * rejection rule, versions, and a bounded run of mutated messages from a
 * fixed seed. Each decode reads a kmalloc'ed copy of exactly the message's
 * length, so that KASAN, where the kernel has it, sees any read past it.
 */

#include <kunit/test.h>
#include <linux/slab.h>

#include "codec_test.h"

#define CODEC_SEED		0x646d656dULL
#define CODEC_RANDOM_PER_TYPE	100
#define CODEC_FUZZ_ITERATIONS	20000

/* Room for a message, a damaged message and the arrays of one. */
struct codec_ctx {
	u8 *work;
	u8 *out;
	struct dmpt_scratch *scratch;
};

static int codec_test_init(struct kunit *test)
{
	struct codec_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	ctx->work = kunit_kzalloc(test, DYNMEM_PROTO_MSG_MAX + 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx->work);
	ctx->out = kunit_kzalloc(test, DYNMEM_PROTO_MSG_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx->out);
	ctx->scratch = kunit_kzalloc(test, sizeof(*ctx->scratch), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx->scratch);
	test->priv = ctx;
	return 0;
}

/* dmpt_check() on an exact-size copy of @len bytes of @buf. */
static const char *codec_check_copy(struct kunit *test, const u8 *buf,
				    size_t len, enum dmp_from from, int *err)
{
	struct codec_ctx *ctx = test->priv;
	const char *bad;
	u8 *copy;

	copy = kmemdup(buf, len, GFP_KERNEL);
	if (len)
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, copy);
	bad = dmpt_check(copy, len, from, ctx->out, ctx->scratch, err);
	kfree(copy);
	return bad;
}

static const u16 codec_types[] = {
	DYNMEM_PROTO_HELLO, DYNMEM_PROTO_WELCOME, DYNMEM_PROTO_STATUS,
	DYNMEM_PROTO_SET_REPORT, DYNMEM_PROTO_HOTADD_REQ,
	DYNMEM_PROTO_HOTADD_REPLY, DYNMEM_PROTO_BALLOON_REQ,
	DYNMEM_PROTO_BALLOON_REPLY, DYNMEM_PROTO_UNBALLOON_REQ,
	DYNMEM_PROTO_UNBALLOON_REPLY, DYNMEM_PROTO_DEFLATE,
	DYNMEM_PROTO_GOODBYE, DYNMEM_PROTO_BALLOON_ACK,
};

static void codec_type_desc(const u16 *type, char *desc)
{
	strscpy(desc, dmp_type_name(*type), KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(codec_type, codec_types, codec_type_desc);

/* The base message and random ones of one type decode and encode back. */
static void codec_roundtrip(struct kunit *test)
{
	const u16 type = *(const u16 *)test->param_value;
	struct dmpt_rng rng = { CODEC_SEED + type };
	struct codec_ctx *ctx = test->priv;
	const char *bad;
	int len, err;
	unsigned int i;

	len = dmpt_base(type, ctx->work);
	KUNIT_ASSERT_GT(test, len, 0);
	bad = codec_check_copy(test, ctx->work, len, dmpt_from(type), &err);
	KUNIT_EXPECT_PTR_EQ_MSG(test, bad, NULL, "base: %s", bad);
	KUNIT_EXPECT_EQ(test, err, 0);

	for (i = 0; i < CODEC_RANDOM_PER_TYPE; i++) {
		len = dmpt_random_msg(&rng, type, ctx->work, ctx->scratch);
		KUNIT_ASSERT_GT_MSG(test, len, 0, "random message %u", i);
		bad = codec_check_copy(test, ctx->work, len, dmpt_from(type),
				       &err);
		KUNIT_ASSERT_PTR_EQ_MSG(test, bad, NULL, "random %u: %s", i,
					bad);
		KUNIT_ASSERT_EQ_MSG(test, err, 0, "random %u rejected", i);
	}
}

/* Field by field against bytes written out by hand. */
static void codec_golden(struct kunit *test)
{
	struct codec_ctx *ctx = test->priv;
	struct dmp_hotadd_result r;
	struct dmp_msg m;
	int len;

	len = dmpt_base(DYNMEM_PROTO_HELLO, ctx->work);
	KUNIT_ASSERT_EQ(test, len, (int)sizeof(dmpt_golden_hello));
	KUNIT_EXPECT_EQ(test, memcmp(ctx->work, dmpt_golden_hello, len), 0);

	len = dmpt_base(DYNMEM_PROTO_HOTADD_REPLY, ctx->work);
	KUNIT_ASSERT_EQ(test, len, (int)sizeof(dmpt_golden_hotadd_reply));
	KUNIT_EXPECT_EQ(test,
			memcmp(ctx->work, dmpt_golden_hotadd_reply, len), 0);

	KUNIT_ASSERT_EQ(test, dmp_decode(dmpt_golden_hello,
					 sizeof(dmpt_golden_hello),
					 DMP_FROM_GUEST, &m, NULL), 0);
	KUNIT_EXPECT_EQ(test, m.hdr.type, DYNMEM_PROTO_HELLO);
	KUNIT_EXPECT_EQ(test, m.hdr.len, 32U);
	KUNIT_EXPECT_EQ(test, m.hello.caps, DYNMEM_PROTO_CAPS_KNOWN);
	KUNIT_EXPECT_EQ(test, m.hello.block_size, DYNMEM_PROTO_BLOCK_MIN);

	KUNIT_ASSERT_EQ(test, dmp_decode(dmpt_golden_hotadd_reply,
					 sizeof(dmpt_golden_hotadd_reply),
					 DMP_FROM_GUEST, &m, NULL), 0);
	KUNIT_EXPECT_EQ(test, m.hdr.seq, 6U);
	KUNIT_EXPECT_EQ(test, m.hotadd_reply.req_seq, 2U);
	KUNIT_ASSERT_EQ(test, m.hotadd_reply.nr, 2);
	r = dmp_hotadd_result_at(&m.hotadd_reply, 0);
	KUNIT_EXPECT_EQ(test, r.start, 0x40000000ULL);
	KUNIT_EXPECT_EQ(test, r.added, r.len);
	KUNIT_EXPECT_EQ(test, r.status, DYNMEM_PROTO_HOTADD_ADDED);
	r = dmp_hotadd_result_at(&m.hotadd_reply, 1);
	KUNIT_EXPECT_EQ(test, r.start, 0x80000000ULL);
	KUNIT_EXPECT_EQ(test, r.len, 3 * DYNMEM_PROTO_BLOCK_MIN);
	KUNIT_EXPECT_EQ(test, r.added, DYNMEM_PROTO_BLOCK_MIN);
	KUNIT_EXPECT_EQ(test, r.status, DYNMEM_PROTO_HOTADD_FAILED);
	/* Out of bounds reads nothing. */
	r = dmp_hotadd_result_at(&m.hotadd_reply, 2);
	KUNIT_EXPECT_EQ(test, r.len, 0ULL);
}

static void codec_reject_desc(const struct dmpt_reject *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(codec_reject, dmpt_rejects, codec_reject_desc);

/* Each rule broken once, on a message that is valid otherwise. */
static void codec_reject(struct kunit *test)
{
	const struct dmpt_reject *c = test->param_value;
	struct codec_ctx *ctx = test->priv;
	const char *why = NULL;
	struct dmp_msg m;
	int len, err;
	u8 *copy;

	len = dmpt_base(c->type, ctx->work);
	KUNIT_ASSERT_GT(test, len, 0);
	KUNIT_ASSERT_EQ(test, dmp_decode(ctx->work, len, dmpt_from(c->type),
					 &m, NULL), 0);

	len = dmpt_apply(c, ctx->work);
	KUNIT_ASSERT_GE(test, len, 0);
	copy = kmemdup(ctx->work, len, GFP_KERNEL);
	if (len)
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, copy);
	err = dmp_decode(copy, len, dmpt_from(c->type), &m, &why);
	kfree(copy);
	KUNIT_EXPECT_EQ_MSG(test, err, c->err, "reason: %s",
			    why ? why : "none");
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, why);
}

/* Another major: refused, with what the answer and the log need. */
static void codec_foreign_major(struct kunit *test)
{
	struct codec_ctx *ctx = test->priv;
	const char *why = NULL;
	struct dmp_msg m;
	int len;

	len = dmpt_base(DYNMEM_PROTO_HELLO, ctx->work);
	ctx->work[offsetof(struct dynmem_proto_hdr, major)] = 2;
	ctx->work[offsetof(struct dynmem_proto_hdr, minor)] = 7;
	KUNIT_EXPECT_EQ(test, dmp_decode_hdr(ctx->work, DMPT_HDR, &m.hdr,
					     NULL), -EPROTONOSUPPORT);
	KUNIT_EXPECT_EQ(test, m.hdr.len, (u32)len);
	KUNIT_EXPECT_EQ(test, dmp_decode(ctx->work, len, DMP_FROM_GUEST, &m,
					 &why), -EPROTONOSUPPORT);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, why);
	KUNIT_EXPECT_EQ(test, m.hdr.major, 2);
	KUNIT_EXPECT_EQ(test, m.hdr.minor, 7);
	KUNIT_EXPECT_EQ(test, m.hdr.type, DYNMEM_PROTO_HELLO);
	KUNIT_EXPECT_EQ(test, m.hello.block_size, DYNMEM_PROTO_BLOCK_MIN);

	len = dmpt_base(DYNMEM_PROTO_BALLOON_REQ, ctx->work);
	ctx->work[offsetof(struct dynmem_proto_hdr, major)] = 2;
	KUNIT_EXPECT_EQ(test, dmp_decode(ctx->work, len, DMP_FROM_HOST, &m,
					 NULL), -EPROTONOSUPPORT);
	KUNIT_EXPECT_EQ(test, m.hdr.type, 0);

	/* Another minor of the same major is spoken. */
	len = dmpt_base(DYNMEM_PROTO_BALLOON_REQ, ctx->work);
	ctx->work[offsetof(struct dynmem_proto_hdr, minor)] = 200;
	KUNIT_EXPECT_EQ(test, dmp_decode(ctx->work, len, DMP_FROM_HOST, &m,
					 NULL), 0);
	KUNIT_EXPECT_EQ(test, m.hdr.minor, 200);
	KUNIT_EXPECT_EQ(test, m.bytes, 64 * DMPT_MIB);
}

static void codec_encoders(struct kunit *test)
{
	struct dmp_range_list l = { .req_seq = 1 };
	struct codec_ctx *ctx = test->priv;
	struct dmp_range r = { 0, DMPT_PAGE };
	struct dmp_hello h = { 0, DMPT_BLOCK };
	size_t size = DYNMEM_PROTO_MSG_MAX;

	KUNIT_EXPECT_EQ(test, dmp_encode_hello(ctx->work, 31, 0, &h), -ENOSPC);
	KUNIT_EXPECT_EQ(test, dmp_encode_hello(ctx->work, 32, 0, &h), 32);

	l.nr = DYNMEM_PROTO_RANGES_MAX + 1;
	KUNIT_EXPECT_EQ(test, dmp_encode_ranges(ctx->work, size,
						DYNMEM_PROTO_BALLOON_REPLY, 1,
						&l, ctx->scratch->range),
			-EMSGSIZE);
	KUNIT_EXPECT_EQ(test, dmp_encode_hotadd_reply(ctx->work, size, 1, 1,
						      ctx->scratch->result,
						      DYNMEM_PROTO_HOTADD_MAX + 1),
			-EMSGSIZE);

	/* An empty list only as the last reply to a request. */
	l.nr = 0;
	l.flags = DYNMEM_PROTO_RANGES_MORE;
	KUNIT_EXPECT_EQ(test, dmp_encode_ranges(ctx->work, size,
						DYNMEM_PROTO_BALLOON_REPLY, 1,
						&l, &r), -EINVAL);
	l.flags = 0;
	KUNIT_EXPECT_EQ(test, dmp_encode_ranges(ctx->work, size,
						DYNMEM_PROTO_BALLOON_REPLY, 1,
						&l, &r), 32);
	l.req_seq = 0;
	KUNIT_EXPECT_EQ(test, dmp_encode_ranges(ctx->work, size,
						DYNMEM_PROTO_DEFLATE, 1, &l,
						&r), -EINVAL);

	KUNIT_EXPECT_EQ(test, dmp_encode_goodbye(ctx->work, size, 1, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, dmp_encode_balloon_ack(ctx->work, size, 1, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, dmp_encode_bytes(ctx->work, size,
					       DYNMEM_PROTO_STATUS, 1,
					       DMPT_PAGE), -EINVAL);
	KUNIT_EXPECT_STREQ(test, dmp_type_name(DYNMEM_PROTO_DEFLATE),
			   "DEFLATE");
	KUNIT_EXPECT_STREQ(test, dmp_type_name(0), "unknown");
}

/*
 * Random valid messages, damaged: whatever the decoder accepts encodes to
 * the same bytes, whatever it refuses comes with a reason. Both outcomes
 * must occur, or the run proved nothing.
 */
static void codec_fuzz(struct kunit *test)
{
	struct dmpt_rng rng = { CODEC_SEED };
	struct codec_ctx *ctx = test->priv;
	unsigned int accepted = 0, rejected = 0;
	unsigned int i;

	for (i = 0; i < CODEC_FUZZ_ITERATIONS; i++) {
		enum dmp_from from;
		const char *bad;
		size_t len;
		int n, k, err;

		n = dmpt_random_msg(&rng, 0, ctx->work, ctx->scratch);
		KUNIT_ASSERT_GT_MSG(test, n, 0, "iteration %u", i);
		len = n;
		for (k = 1 + dmpt_below(&rng, 3); k; k--)
			len = dmpt_mutate(&rng, ctx->work, len);
		for (from = DMP_FROM_GUEST; from <= DMP_FROM_HOST; from++) {
			bad = codec_check_copy(test, ctx->work, len, from,
					       &err);
			KUNIT_ASSERT_PTR_EQ_MSG(test, bad, NULL,
						"iteration %u: %s", i, bad);
			if (err)
				rejected++;
			else
				accepted++;
		}
		cond_resched();
	}
	kunit_info(test, "%u accepted, %u rejected", accepted, rejected);
	KUNIT_EXPECT_GT(test, accepted, 0U);
	KUNIT_EXPECT_GT(test, rejected, 0U);
}

static struct kunit_case codec_test_cases[] = {
	KUNIT_CASE_PARAM(codec_roundtrip, codec_type_gen_params),
	KUNIT_CASE(codec_golden),
	KUNIT_CASE_PARAM(codec_reject, codec_reject_gen_params),
	KUNIT_CASE(codec_foreign_major),
	KUNIT_CASE(codec_encoders),
	KUNIT_CASE(codec_fuzz),
	{}
};

static struct kunit_suite codec_test_suite = {
	.name = "dynmem_codec",
	.init = codec_test_init,
	.test_cases = codec_test_cases,
};

kunit_test_suite(codec_test_suite);
