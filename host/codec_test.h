/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test cases of the wire codec, shared by the KUnit suite dynmem_codec
 * (host/codec_test.c) and the userspace test and fuzzer (tools/proto/),
 * so that both run the very same cases: a message of every type, the
 * rules the decoder enforces, each broken once, a generator of random
 * valid messages and a mutator that damages them.
 *
 * Everything here is static and pure; the harness brings the memory: the
 * decoder is always handed an allocation of exactly the message's length,
 * so that a read past its end is caught (ASan in userspace, KASAN where the
 * kernel has it).
 */
#ifndef _DMP_CODEC_TEST_H
#define _DMP_CODEC_TEST_H

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/types.h>

#include "codec.h"

#define DMPT_MIB	0x100000ULL
#define DMPT_BLOCK	DYNMEM_PROTO_BLOCK_MIN
#define DMPT_PAGE	DYNMEM_PROTO_PAGE_SIZE
#define DMPT_HDR	DYNMEM_PROTO_HDR_SIZE
/* Byte offset of a payload field from the start of the message. */
#define DMPT_OFF(type, field)	(DMPT_HDR + offsetof(struct type, field))

/* splitmix64: small, fast and the same on every platform. */
struct dmpt_rng {
	u64 state;
};

static inline u64 dmpt_next(struct dmpt_rng *rng)
{
	u64 z = (rng->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number in [0, n), n > 0; the modulo bias does not matter here. */
static inline u64 dmpt_below(struct dmpt_rng *rng, u64 n)
{
	return dmpt_next(rng) % n;
}

static inline enum dmp_from dmpt_from(u16 type)
{
	switch (type) {
	case DYNMEM_PROTO_WELCOME:
	case DYNMEM_PROTO_SET_REPORT:
	case DYNMEM_PROTO_HOTADD_REQ:
	case DYNMEM_PROTO_BALLOON_REQ:
	case DYNMEM_PROTO_UNBALLOON_REQ:
	case DYNMEM_PROTO_BALLOON_ACK:
		return DMP_FROM_HOST;
	default:
		return DMP_FROM_GUEST;
	}
}

/* A page multiple in [0, max]. */
static inline u64 dmpt_pages(struct dmpt_rng *rng, u64 max)
{
	return dmpt_below(rng, max / DMPT_PAGE + 1) * DMPT_PAGE;
}

/*
 * Sorted, non-overlapping, aligned ranges: up to @nr of them, fewer when
 * the address space runs out. Returns how many.
 */
static inline u16 dmpt_ranges(struct dmpt_rng *rng, struct dmp_range *r,
			      u16 nr, u64 align)
{
	u64 pos = dmpt_below(rng, 1ULL << 20) * align;
	u16 i;

	if (dmpt_below(rng, 4) == 0)
		pos = DYNMEM_PROTO_ADDR_MAX - dmpt_below(rng, 64) * align *
					      (nr + 1);
	for (i = 0; i < nr; i++) {
		u64 gap = dmpt_below(rng, 3) ? dmpt_below(rng, 8) * align : 0;
		u64 len = (1 + dmpt_below(rng, dmpt_below(rng, 2) ? 4 : 600)) *
			  align;

		if (pos > DYNMEM_PROTO_ADDR_MAX - gap ||
		    pos + gap > DYNMEM_PROTO_ADDR_MAX - len)
			break;
		r[i].start = pos + gap;
		r[i].len = len;
		pos = r[i].start + len;
	}
	if (!i) {
		r[0].start = DYNMEM_PROTO_ADDR_MAX - align;
		r[0].len = align;
		i = 1;
	}
	return i;
}

/* A number of array elements: mostly small, sometimes up to @max. */
static inline u16 dmpt_count(struct dmpt_rng *rng, u16 max)
{
	switch (dmpt_below(rng, 8)) {
	case 0:
		return 1 + dmpt_below(rng, max);
	case 1:
		return max;
	default:
		return 1 + dmpt_below(rng, 8);
	}
}

/**
 * struct dmpt_scratch - room for the arrays of the largest messages
 * @range: DYNMEM_PROTO_RANGES_MAX ranges
 * @result: DYNMEM_PROTO_HOTADD_MAX hot-add results
 */
struct dmpt_scratch {
	struct dmp_range range[DYNMEM_PROTO_RANGES_MAX];
	struct dmp_hotadd_result result[DYNMEM_PROTO_HOTADD_MAX];
};

/*
 * Write a random valid message of @type (any type if 0) into @buf, which
 * has room for DYNMEM_PROTO_MSG_MAX bytes. Returns the encoder's result.
 */
static inline int dmpt_random_msg(struct dmpt_rng *rng, u16 type, void *buf,
				  struct dmpt_scratch *s)
{
	size_t size = DYNMEM_PROTO_MSG_MAX;
	u32 seq = (u32)dmpt_next(rng);
	struct dmp_range_list l = { 0 };
	u16 i, nr;

	if (!type)
		type = 1 + dmpt_below(rng, DYNMEM_PROTO_TYPE_MAX);

	switch (type) {
	case DYNMEM_PROTO_HELLO: {
		struct dmp_hello h = {
			.caps = dmpt_next(rng),
			.block_size = DMPT_BLOCK << dmpt_below(rng, 14),
		};

		return dmp_encode_hello(buf, size, seq, &h);
	}
	case DYNMEM_PROTO_WELCOME: {
		struct dmp_welcome w = {
			.result = dmpt_below(rng, 2) ? 0 :
				  dmpt_below(rng, __DYNMEM_PROTO_WELCOME_MAX),
		};

		if (!w.result)
			w.caps = dmpt_next(rng) & DYNMEM_PROTO_CAPS_KNOWN;
		return dmp_encode_welcome(buf, size, seq, &w);
	}
	case DYNMEM_PROTO_STATUS: {
		u64 m = DYNMEM_PROTO_BYTES_MAX;
		struct dmp_status st = {
			.seq = dmpt_next(rng) | 1,
			.flags = dmpt_next(rng) & DYNMEM_PROTO_STATUS_KNOWN,
			.total = dmpt_pages(rng, m),
			.free = dmpt_pages(rng, m),
			.available = dmpt_pages(rng, m),
			.committed = dmpt_pages(rng, m),
			.anon = dmpt_pages(rng, m),
			.file = dmpt_pages(rng, m),
			.ballooned = dmpt_pages(rng, m),
			.hot_added = dmpt_pages(rng, m),
			.refaults = dmpt_next(rng),
			.swap_in = dmpt_next(rng),
			.swap_out = dmpt_next(rng),
		};

		return dmp_encode_status(buf, size, seq, &st);
	}
	case DYNMEM_PROTO_SET_REPORT: {
		struct dmp_set_report sr = {
			.period_ms = DYNMEM_PROTO_PERIOD_MIN_MS +
				     dmpt_below(rng, DYNMEM_PROTO_PERIOD_MAX_MS -
						DYNMEM_PROTO_PERIOD_MIN_MS + 1),
			.threshold = dmpt_pages(rng, DYNMEM_PROTO_BYTES_MAX),
		};

		return dmp_encode_set_report(buf, size, seq, &sr);
	}
	case DYNMEM_PROTO_BALLOON_REQ:
	case DYNMEM_PROTO_UNBALLOON_REQ:
		return dmp_encode_bytes(buf, size, type, seq,
					DMPT_PAGE + dmpt_pages(rng,
					DYNMEM_PROTO_BYTES_MAX - DMPT_PAGE));
	case DYNMEM_PROTO_HOTADD_REQ:
		nr = dmpt_count(rng, DYNMEM_PROTO_HOTADD_MAX);
		l.nr = dmpt_ranges(rng, s->range, nr, DMPT_BLOCK);
		return dmp_encode_ranges(buf, size, type, seq, &l, s->range);
	case DYNMEM_PROTO_BALLOON_REPLY:
	case DYNMEM_PROTO_UNBALLOON_REPLY:
	case DYNMEM_PROTO_DEFLATE:
		nr = dmpt_count(rng, DYNMEM_PROTO_RANGES_MAX);
		l.nr = dmpt_ranges(rng, s->range, nr,
				   dmpt_below(rng, 2) ? DMPT_PAGE : 2 * DMPT_MIB);
		l.flags = dmpt_below(rng, 2) ? DYNMEM_PROTO_RANGES_MORE : 0;
		if (type != DYNMEM_PROTO_DEFLATE) {
			l.req_seq = (u32)dmpt_next(rng) | 1;
			if (!l.flags && dmpt_below(rng, 2))
				l.nr = 0;
			if (!l.flags && type == DYNMEM_PROTO_BALLOON_REPLY)
				l.status = dmpt_below(rng, 4) == 3 ?
					   DYNMEM_PROTO_RANGES_ABORTED :
					   dmpt_below(rng, 3);
			else if (!l.flags)
				l.status = dmpt_below(rng, 2) ?
					   DYNMEM_PROTO_RANGES_DONE :
					   DYNMEM_PROTO_RANGES_EMPTY +
					   dmpt_below(rng, 2);
		}
		return dmp_encode_ranges(buf, size, type, seq, &l, s->range);
	case DYNMEM_PROTO_HOTADD_REPLY:
		nr = dmpt_count(rng, DYNMEM_PROTO_HOTADD_MAX);
		nr = dmpt_ranges(rng, s->range, nr, DMPT_BLOCK);
		for (i = 0; i < nr; i++) {
			struct dmp_hotadd_result *res = &s->result[i];

			res->start = s->range[i].start;
			res->len = s->range[i].len;
			res->status = dmpt_below(rng, __DYNMEM_PROTO_HOTADD_MAX);
			res->added = res->len;
			if (res->status)
				res->added = dmpt_below(rng, res->len /
							DMPT_BLOCK) * DMPT_BLOCK;
		}
		return dmp_encode_hotadd_reply(buf, size, seq,
					       (u32)dmpt_next(rng) | 1,
					       s->result, nr);
	case DYNMEM_PROTO_GOODBYE:
		return dmp_encode_goodbye(buf, size, seq,
					  1 + dmpt_below(rng,
						__DYNMEM_PROTO_BYE_MAX - 1));
	case DYNMEM_PROTO_BALLOON_ACK:
		return dmp_encode_balloon_ack(buf, size, seq,
					      (u32)dmpt_next(rng) | 1);
	}
	return -EINVAL;
}

/*
 * Encode a decoded message again, into @buf of DYNMEM_PROTO_MSG_MAX bytes,
 * with the minor version of the original.
 */
static inline int dmpt_reencode(const struct dmp_msg *m, void *buf,
				struct dmpt_scratch *s)
{
	size_t size = DYNMEM_PROTO_MSG_MAX;
	u32 seq = m->hdr.seq;
	unsigned int i;
	int len;

	switch (m->hdr.type) {
	case DYNMEM_PROTO_HELLO:
		len = dmp_encode_hello(buf, size, seq, &m->hello);
		break;
	case DYNMEM_PROTO_WELCOME:
		len = dmp_encode_welcome(buf, size, seq, &m->welcome);
		break;
	case DYNMEM_PROTO_STATUS:
		len = dmp_encode_status(buf, size, seq, &m->status);
		break;
	case DYNMEM_PROTO_SET_REPORT:
		len = dmp_encode_set_report(buf, size, seq, &m->set_report);
		break;
	case DYNMEM_PROTO_BALLOON_REQ:
	case DYNMEM_PROTO_UNBALLOON_REQ:
		len = dmp_encode_bytes(buf, size, m->hdr.type, seq, m->bytes);
		break;
	case DYNMEM_PROTO_HOTADD_REQ:
	case DYNMEM_PROTO_BALLOON_REPLY:
	case DYNMEM_PROTO_UNBALLOON_REPLY:
	case DYNMEM_PROTO_DEFLATE:
		for (i = 0; i < m->ranges.nr; i++)
			s->range[i] = dmp_range_at(&m->ranges, i);
		len = dmp_encode_ranges(buf, size, m->hdr.type, seq,
					&m->ranges, s->range);
		break;
	case DYNMEM_PROTO_HOTADD_REPLY:
		for (i = 0; i < m->hotadd_reply.nr; i++)
			s->result[i] = dmp_hotadd_result_at(&m->hotadd_reply, i);
		len = dmp_encode_hotadd_reply(buf, size, seq,
					      m->hotadd_reply.req_seq,
					      s->result, m->hotadd_reply.nr);
		break;
	case DYNMEM_PROTO_GOODBYE:
		len = dmp_encode_goodbye(buf, size, seq, m->goodbye_reason);
		break;
	case DYNMEM_PROTO_BALLOON_ACK:
		len = dmp_encode_balloon_ack(buf, size, seq, m->ack_seq);
		break;
	default:
		return -EINVAL;
	}
	if (len > 0)
		((u8 *)buf)[offsetof(struct dynmem_proto_hdr, minor)] =
			m->hdr.minor;
	return len;
}

/* Interesting values for a mutated field. */
static const u64 dmpt_edge[] = {
	0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffffff,
	DMPT_PAGE - 1, DMPT_PAGE, DMPT_PAGE + 1, 2 * DMPT_MIB, DMPT_BLOCK,
	DYNMEM_PROTO_MSG_MAX, DYNMEM_PROTO_MSG_MAX + 1,
	DYNMEM_PROTO_BYTES_MAX, DYNMEM_PROTO_BYTES_MAX + DMPT_PAGE,
	DYNMEM_PROTO_ADDR_MAX - DMPT_BLOCK, DYNMEM_PROTO_ADDR_MAX,
	0x7fffffffffffffffULL, 0xffffffffffffffffULL,
	0xfffffffffffff000ULL,
};

static inline void dmpt_put(u8 *p, unsigned int width, u64 v)
{
	unsigned int i;

	for (i = 0; i < width; i++)
		p[i] = (u8)(v >> (8 * i));
}

/*
 * Damage a message in @buf (room for DYNMEM_PROTO_MSG_MAX + 64 bytes) of
 * @len bytes; return the new length. Some mutations keep the length field
 * in step with the new length so that the payload checks are reached.
 */
static inline size_t dmpt_mutate(struct dmpt_rng *rng, u8 *buf, size_t len)
{
	size_t max = DYNMEM_PROTO_MSG_MAX + 64;
	unsigned int width, n, i;
	size_t off;

	switch (dmpt_below(rng, 8)) {
	case 0:		/* flip bits */
		n = 1 + dmpt_below(rng, 4);
		for (i = 0; i < n && len; i++)
			buf[dmpt_below(rng, len)] ^= 1 << dmpt_below(rng, 8);
		break;
	case 1:		/* random bytes */
		n = 1 + dmpt_below(rng, 4);
		for (i = 0; i < n && len; i++)
			buf[dmpt_below(rng, len)] = (u8)dmpt_next(rng);
		break;
	case 2:		/* an edge value in an aligned field */
	case 3:
		width = 1 << dmpt_below(rng, 4);
		if (len < width)
			break;
		off = dmpt_below(rng, len / width) * width;
		dmpt_put(buf + off, width,
			 dmpt_edge[dmpt_below(rng, ARRAY_SIZE(dmpt_edge))]);
		break;
	case 4:		/* truncate */
		len = len ? dmpt_below(rng, len) : 0;
		if (dmpt_below(rng, 2) && len >= DMPT_HDR)
			dmpt_put(buf + 8, 4, len);
		break;
	case 5:		/* grow */
		n = 1 + dmpt_below(rng, dmpt_below(rng, 2) ? 64 : 8);
		if (len + n > max)
			break;
		for (i = 0; i < n; i++)
			buf[len + i] = dmpt_below(rng, 2) ? 0 : (u8)dmpt_next(rng);
		len += n;
		if (dmpt_below(rng, 2) && len >= DMPT_HDR)
			dmpt_put(buf + 8, 4, len);
		break;
	case 6:		/* a header field */
		off = dmpt_below(rng, 4);
		if (len < DMPT_HDR)
			break;
		if (off == 0)
			dmpt_put(buf + 6, 2, dmpt_below(rng, 16));
		else if (off == 1)
			buf[4] = (u8)dmpt_below(rng, 4);
		else if (off == 2)
			buf[5] = (u8)dmpt_next(rng);
		else
			dmpt_put(buf + 8, 4,
				 dmpt_edge[dmpt_below(rng,
						      ARRAY_SIZE(dmpt_edge))]);
		break;
	case 7:		/* swap two aligned 8-byte words (reorder ranges) */
		if (len < DMPT_HDR + 16)
			break;
		n = (len - DMPT_HDR) / 8;
		off = DMPT_HDR + dmpt_below(rng, n) * 8;
		i = DMPT_HDR + dmpt_below(rng, n) * 8;
		for (width = 0; width < 8; width++) {
			u8 t = buf[off + width];

			buf[off + width] = buf[i + width];
			buf[i + width] = t;
		}
		break;
	}
	return len;
}

/*
 * Properties of one decode of @len bytes at @msg, an allocation of exactly
 * @len bytes: the decoder fails with an errno of its list and a reason, or
 * succeeds on a message that encodes back to the very same bytes. Returns
 * NULL or what went wrong. @out has room for DYNMEM_PROTO_MSG_MAX bytes.
 */
static inline const char *dmpt_check(const u8 *msg, size_t len,
				     enum dmp_from from, u8 *out,
				     struct dmpt_scratch *s, int *errp)
{
	const char *why = "unset";
	struct dmp_msg m;
	int err, n;

	err = dmp_decode(msg, len, from, &m, &why);
	*errp = err;
	if (err) {
		if (!why)
			return "decoder failed without a reason";
		switch (err) {
		case -EMSGSIZE:
		case -EBADMSG:
		case -EPROTONOSUPPORT:
		case -EOPNOTSUPP:
		case -EPROTO:
		case -EINVAL:
			return NULL;
		}
		return "decoder failed with an errno not in its list";
	}
	if (why)
		return "decoder succeeded with a reason";
	if (m.hdr.len != len)
		return "decoded length differs from the message";
	n = dmpt_reencode(&m, out, s);
	if (n < 0)
		return "accepted message does not encode";
	if ((size_t)n != len || memcmp(out, msg, len))
		return "accepted message encodes to other bytes";
	return NULL;
}

/**
 * struct dmpt_reject - one rule broken once
 * @name: the rule
 * @type: the valid message it starts from (see dmpt_base())
 * @off: offset of the field changed, from the start of the message
 * @width: width of the field in bytes; 0: cut the message to @off bytes
 *	and leave the length field alone
 * @val: the new value, written little endian
 * @err: the errno the decoder must return
 */
struct dmpt_reject {
	const char *name;
	u16 type;
	u16 off;
	u8 width;
	u64 val;
	int err;
};

#define DMPT_R(n, t, o, w, v, e)					\
	{ .name = (n), .type = DYNMEM_PROTO_##t, .off = (o), .width = (w),\
	  .val = (v), .err = (e) }

#define HO(f)	DMPT_OFF(dynmem_proto_hello, f)
#define WO(f)	DMPT_OFF(dynmem_proto_welcome, f)
#define SO(f)	DMPT_OFF(dynmem_proto_status, f)
#define RO(f)	DMPT_OFF(dynmem_proto_set_report, f)
#define LO(f)	DMPT_OFF(dynmem_proto_range_list, f)
#define L0(f)	(LO(range) + offsetof(struct dynmem_proto_range, f))
#define L1(f)	(L0(f) + sizeof(struct dynmem_proto_range))
#define AO(f)	DMPT_OFF(dynmem_proto_hotadd_reply, f)
#define A0(f)	(AO(result) + offsetof(struct dynmem_proto_hotadd_result, f))
#define A1(f)	(A0(f) + sizeof(struct dynmem_proto_hotadd_result))
#define GO(f)	DMPT_OFF(dynmem_proto_goodbye, f)
#define KO(f)	DMPT_OFF(dynmem_proto_balloon_ack, f)
#define TO	offsetof(struct dynmem_proto_hdr, type)
#define NO	offsetof(struct dynmem_proto_hdr, len)

static const struct dmpt_reject dmpt_rejects[] = {
	/* header */
	DMPT_R("empty buffer", GOODBYE, 0, 0, 0, -EMSGSIZE),
	DMPT_R("half a header", GOODBYE, 15, 0, 0, -EMSGSIZE),
	DMPT_R("bad magic", GOODBYE, 0, 1, 'X', -EBADMSG),
	DMPT_R("major 0", GOODBYE, 4, 1, 0, -EBADMSG),
	DMPT_R("major 2", GOODBYE, 4, 1, 2, -EPROTONOSUPPORT),
	DMPT_R("major 255", STATUS, 4, 1, 255, -EPROTONOSUPPORT),
	DMPT_R("type 0", GOODBYE, TO, 2, 0, -EOPNOTSUPP),
	DMPT_R("type after the last", GOODBYE, TO, 2,
	       DYNMEM_PROTO_TYPE_MAX + 1, -EOPNOTSUPP),
	DMPT_R("type 0xffff", GOODBYE, TO, 2, 0xffff, -EOPNOTSUPP),
	DMPT_R("length below header", GOODBYE, NO, 4, 15, -EMSGSIZE),
	DMPT_R("length 0", GOODBYE, NO, 4, 0, -EMSGSIZE),
	DMPT_R("length above maximum", GOODBYE, NO, 4,
	       DYNMEM_PROTO_MSG_MAX + 1, -EMSGSIZE),
	DMPT_R("length 4 GiB - 1", GOODBYE, NO, 4, 0xffffffff, -EMSGSIZE),
	DMPT_R("length longer than message", GOODBYE, NO, 4, 25, -EMSGSIZE),
	DMPT_R("length shorter than message", GOODBYE, NO, 4, 23, -EMSGSIZE),
	DMPT_R("truncated payload", GOODBYE, 20, 0, 0, -EMSGSIZE),
	/* direction */
	DMPT_R("HELLO from the host", HELLO, TO, 2, DYNMEM_PROTO_WELCOME,
	       -EPROTO),
	DMPT_R("balloon request from the guest", BALLOON_REPLY, TO, 2,
	       DYNMEM_PROTO_BALLOON_REQ, -EPROTO),
	DMPT_R("balloon ack from the guest", GOODBYE, TO, 2,
	       DYNMEM_PROTO_BALLOON_ACK, -EPROTO),
	/* payload sizes */
	DMPT_R("HELLO as STATUS", HELLO, TO, 2, DYNMEM_PROTO_STATUS,
	       -EMSGSIZE),
	DMPT_R("GOODBYE as DEFLATE", GOODBYE, TO, 2, DYNMEM_PROTO_DEFLATE,
	       -EMSGSIZE),
	DMPT_R("range count above length", DEFLATE, LO(nr), 2, 3, -EMSGSIZE),
	DMPT_R("range count below length", DEFLATE, LO(nr), 2, 1, -EMSGSIZE),
	DMPT_R("range count 0xffff", DEFLATE, LO(nr), 2, 0xffff, -EMSGSIZE),
	DMPT_R("result count above length", HOTADD_REPLY, AO(nr), 2, 3,
	       -EMSGSIZE),
	/* HELLO, WELCOME */
	DMPT_R("block size 64 MiB", HELLO, HO(block_size), 8,
	       DMPT_BLOCK / 2, -EINVAL),
	DMPT_R("block size 2 TiB", HELLO, HO(block_size), 8,
	       DYNMEM_PROTO_BLOCK_MAX * 2, -EINVAL),
	DMPT_R("block size not power of two", HELLO, HO(block_size), 8,
	       3 * DMPT_BLOCK, -EINVAL),
	DMPT_R("block size 0", HELLO, HO(block_size), 8, 0, -EINVAL),
	DMPT_R("welcome reserved", WELCOME, WO(reserved), 4, 1, -EINVAL),
	DMPT_R("welcome unknown result", WELCOME, WO(result), 4,
	       __DYNMEM_PROTO_WELCOME_MAX, -EINVAL),
	DMPT_R("welcome unknown capability", WELCOME, WO(caps), 8,
	       DYNMEM_PROTO_CAPS_KNOWN + 1, -EINVAL),
	DMPT_R("capabilities in a refusal", WELCOME, WO(result), 4,
	       DYNMEM_PROTO_WELCOME_BUSY, -EINVAL),
	/* STATUS */
	DMPT_R("status reserved", STATUS, SO(reserved), 4, 1, -EINVAL),
	DMPT_R("status unknown flag", STATUS, SO(flags), 4, 2, -EINVAL),
	DMPT_R("status number 0", STATUS, SO(seq), 8, 0, -EINVAL),
	DMPT_R("total not page multiple", STATUS, SO(total), 8, 4097,
	       -EINVAL),
	DMPT_R("free above 1 PiB", STATUS, SO(free), 8,
	       DYNMEM_PROTO_BYTES_MAX + DMPT_PAGE, -EINVAL),
	DMPT_R("available all ones", STATUS, SO(available), 8, ~0ULL,
	       -EINVAL),
	DMPT_R("committed above 1 PiB", STATUS, SO(committed), 8,
	       DYNMEM_PROTO_BYTES_MAX + DMPT_PAGE, -EINVAL),
	DMPT_R("anon not page multiple", STATUS, SO(anon), 8, 512, -EINVAL),
	DMPT_R("file not page multiple", STATUS, SO(file), 8, 1, -EINVAL),
	DMPT_R("ballooned above 1 PiB", STATUS, SO(ballooned), 8,
	       1ULL << 60, -EINVAL),
	DMPT_R("hot-added not page multiple", STATUS, SO(hot_added), 8,
	       DMPT_BLOCK + 8, -EINVAL),
	/* SET_REPORT */
	DMPT_R("period below minimum", SET_REPORT, RO(period_ms), 4,
	       DYNMEM_PROTO_PERIOD_MIN_MS - 1, -EINVAL),
	DMPT_R("period above maximum", SET_REPORT, RO(period_ms), 4,
	       DYNMEM_PROTO_PERIOD_MAX_MS + 1, -EINVAL),
	DMPT_R("set report reserved", SET_REPORT, RO(reserved), 4, 1,
	       -EINVAL),
	DMPT_R("threshold not page multiple", SET_REPORT, RO(threshold), 8,
	       100, -EINVAL),
	/* BALLOON_REQ, UNBALLOON_REQ */
	DMPT_R("balloon 0 bytes", BALLOON_REQ, DMPT_HDR, 8, 0, -EINVAL),
	DMPT_R("balloon not page multiple", BALLOON_REQ, DMPT_HDR, 8,
	       DMPT_PAGE + 1, -EINVAL),
	DMPT_R("balloon above 1 PiB", BALLOON_REQ, DMPT_HDR, 8,
	       DYNMEM_PROTO_BYTES_MAX + DMPT_PAGE, -EINVAL),
	DMPT_R("unballoon 0 bytes", UNBALLOON_REQ, DMPT_HDR, 8, 0, -EINVAL),
	/* range lists */
	DMPT_R("range list reserved", BALLOON_REPLY, LO(reserved), 4, 1,
	       -EINVAL),
	DMPT_R("range list unknown flag", BALLOON_REPLY, LO(flags), 2, 2,
	       -EINVAL),
	DMPT_R("reply to request 0", BALLOON_REPLY, LO(req_seq), 4, 0,
	       -EINVAL),
	DMPT_R("request number in DEFLATE", DEFLATE, LO(req_seq), 4, 7,
	       -EINVAL),
	DMPT_R("request number in HOTADD_REQ", HOTADD_REQ, LO(req_seq), 4,
	       7, -EINVAL),
	DMPT_R("flags in HOTADD_REQ", HOTADD_REQ, LO(flags), 2,
	       DYNMEM_PROTO_RANGES_MORE, -EINVAL),
	DMPT_R("status in HOTADD_REQ", HOTADD_REQ, LO(status), 4,
	       DYNMEM_PROTO_RANGES_FLOOR, -EINVAL),
	DMPT_R("status in DEFLATE", DEFLATE, LO(status), 4,
	       DYNMEM_PROTO_RANGES_ABORTED, -EINVAL),
	DMPT_R("balloon reply status EMPTY", BALLOON_REPLY, LO(status), 4,
	       DYNMEM_PROTO_RANGES_EMPTY, -EINVAL),
	DMPT_R("unballoon reply status FLOOR", UNBALLOON_REPLY, LO(status), 4,
	       DYNMEM_PROTO_RANGES_FLOOR, -EINVAL),
	DMPT_R("unknown range status", BALLOON_REPLY, LO(status), 4,
	       __DYNMEM_PROTO_RANGES_MAX, -EINVAL),
	DMPT_R("range status 0xffffffff", BALLOON_REPLY, LO(status), 4,
	       0xffffffff, -EINVAL),
	DMPT_R("status with more to follow", UNBALLOON_REPLY, LO(flags), 2,
	       DYNMEM_PROTO_RANGES_MORE, -EINVAL),
	DMPT_R("empty range", BALLOON_REPLY, L0(len), 8, 0, -EINVAL),
	DMPT_R("range start not aligned", BALLOON_REPLY, L0(start), 8,
	       0x1000800, -EINVAL),
	DMPT_R("range length not aligned", BALLOON_REPLY, L1(len), 8, 4095,
	       -EINVAL),
	DMPT_R("range end overflows", BALLOON_REPLY, L1(len), 8,
	       0xfffffffffffff000ULL, -EINVAL),
	DMPT_R("range beyond 2^52", DEFLATE, L1(start), 8,
	       DYNMEM_PROTO_ADDR_MAX, -EINVAL),
	DMPT_R("range ending past 2^52", DEFLATE, L1(len), 8,
	       DYNMEM_PROTO_ADDR_MAX, -EINVAL),
	DMPT_R("ranges out of order", DEFLATE, L1(start), 8, 0, -EINVAL),
	DMPT_R("ranges overlap", DEFLATE, L1(start), 8, 0x1001000, -EINVAL),
	DMPT_R("duplicate range", BALLOON_REPLY, L1(start), 8, 0x1000000,
	       -EINVAL),
	DMPT_R("hot-add range not block aligned", HOTADD_REQ, L0(start), 8,
	       DMPT_BLOCK + 2 * DMPT_MIB, -EINVAL),
	DMPT_R("hot-add length not block aligned", HOTADD_REQ, L0(len), 8,
	       DMPT_BLOCK / 2, -EINVAL),
	/* HOTADD_REPLY */
	DMPT_R("hot-add reply reserved", HOTADD_REPLY, AO(reserved), 2, 1,
	       -EINVAL),
	DMPT_R("hot-add reply to request 0", HOTADD_REPLY, AO(req_seq), 4, 0,
	       -EINVAL),
	DMPT_R("hot-add result reserved", HOTADD_REPLY, A1(reserved), 4, 1,
	       -EINVAL),
	DMPT_R("hot-add result unknown status", HOTADD_REPLY, A0(status), 4,
	       __DYNMEM_PROTO_HOTADD_MAX, -EINVAL),
	DMPT_R("added more than offered", HOTADD_REPLY, A0(added), 8,
	       4 * DMPT_BLOCK, -EINVAL),
	DMPT_R("added not whole blocks", HOTADD_REPLY, A1(added), 8,
	       DMPT_PAGE, -EINVAL),
	DMPT_R("added all but status failed", HOTADD_REPLY, A0(status), 4,
	       DYNMEM_PROTO_HOTADD_FAILED, -EINVAL),
	DMPT_R("added part but status added", HOTADD_REPLY, A1(status), 4,
	       DYNMEM_PROTO_HOTADD_ADDED, -EINVAL),
	DMPT_R("hot-add results out of order", HOTADD_REPLY, A1(start), 8,
	       0, -EINVAL),
	DMPT_R("hot-add result empty", HOTADD_REPLY, A0(len), 8, 0, -EINVAL),
	/* GOODBYE */
	DMPT_R("goodbye reason 0", GOODBYE, GO(reason), 4, 0, -EINVAL),
	DMPT_R("goodbye unknown reason", GOODBYE, GO(reason), 4,
	       __DYNMEM_PROTO_BYE_MAX, -EINVAL),
	DMPT_R("goodbye reserved", GOODBYE, GO(reserved), 4, 1, -EINVAL),
	/* BALLOON_ACK */
	DMPT_R("ack of message 0", BALLOON_ACK, KO(reply_seq), 4, 0, -EINVAL),
	DMPT_R("ack reserved", BALLOON_ACK, KO(reserved), 4, 1, -EINVAL),
	DMPT_R("ack truncated", BALLOON_ACK, NO, 4, 20, -EMSGSIZE),
};

#undef HO
#undef WO
#undef SO
#undef RO
#undef LO
#undef L0
#undef L1
#undef AO
#undef A0
#undef A1
#undef GO
#undef KO
#undef TO
#undef NO
#undef DMPT_R

/*
 * The valid message each rejection case starts from, into @buf of
 * DYNMEM_PROTO_MSG_MAX bytes. Range lists have two ranges, at 16 MiB
 * (2 MiB) and at 32 MiB (1 MiB); the UNBALLOON_REPLY ends with status
 * EMPTY; hot-add ranges are at 1 GiB (2 blocks) and 2 GiB (3 blocks, 1
 * added). Returns the length or -errno.
 */
static inline int dmpt_base(u16 type, void *buf)
{
	static const struct dmp_range pages[] = {
		{ 0x1000000, 2 * DMPT_MIB }, { 0x2000000, DMPT_MIB },
	};
	static const struct dmp_range blocks[] = {
		{ 0x40000000, 2 * DMPT_BLOCK }, { 0x80000000, 3 * DMPT_BLOCK },
	};
	static const struct dmp_hotadd_result results[] = {
		{ 0x40000000, 2 * DMPT_BLOCK, 2 * DMPT_BLOCK,
		  DYNMEM_PROTO_HOTADD_ADDED },
		{ 0x80000000, 3 * DMPT_BLOCK, DMPT_BLOCK,
		  DYNMEM_PROTO_HOTADD_FAILED },
	};
	const struct dmp_hello hello = {
		.caps = DYNMEM_PROTO_CAPS_KNOWN, .block_size = DMPT_BLOCK,
	};
	const struct dmp_welcome welcome = {
		.caps = DYNMEM_PROTO_CAP_BALLOON, .result = 0,
	};
	const struct dmp_status status = {
		.seq = 5, .flags = DYNMEM_PROTO_STATUS_URGENT,
		.total = 1024 * DMPT_MIB, .free = 100 * DMPT_MIB,
		.available = 300 * DMPT_MIB, .committed = 900 * DMPT_MIB,
		.anon = 500 * DMPT_MIB, .file = 200 * DMPT_MIB,
		.ballooned = 64 * DMPT_MIB, .hot_added = 256 * DMPT_MIB,
		.refaults = 1234, .swap_in = 5, .swap_out = 6,
	};
	const struct dmp_set_report set = {
		.period_ms = 100, .threshold = 128 * DMPT_MIB,
	};
	struct dmp_range_list l = { .nr = 2 };
	size_t size = DYNMEM_PROTO_MSG_MAX;

	switch (type) {
	case DYNMEM_PROTO_HELLO:
		return dmp_encode_hello(buf, size, 0, &hello);
	case DYNMEM_PROTO_WELCOME:
		return dmp_encode_welcome(buf, size, 0, &welcome);
	case DYNMEM_PROTO_STATUS:
		return dmp_encode_status(buf, size, 3, &status);
	case DYNMEM_PROTO_SET_REPORT:
		return dmp_encode_set_report(buf, size, 1, &set);
	case DYNMEM_PROTO_BALLOON_REQ:
	case DYNMEM_PROTO_UNBALLOON_REQ:
		return dmp_encode_bytes(buf, size, type, 4, 64 * DMPT_MIB);
	case DYNMEM_PROTO_HOTADD_REQ:
		return dmp_encode_ranges(buf, size, type, 2, &l, blocks);
	case DYNMEM_PROTO_BALLOON_REPLY:
	case DYNMEM_PROTO_UNBALLOON_REPLY:
		l.req_seq = 4;
		if (type == DYNMEM_PROTO_UNBALLOON_REPLY)
			l.status = DYNMEM_PROTO_RANGES_EMPTY;
		return dmp_encode_ranges(buf, size, type, 7, &l, pages);
	case DYNMEM_PROTO_DEFLATE:
		return dmp_encode_ranges(buf, size, type, 8, &l, pages);
	case DYNMEM_PROTO_HOTADD_REPLY:
		return dmp_encode_hotadd_reply(buf, size, 6, 2, results, 2);
	case DYNMEM_PROTO_GOODBYE:
		return dmp_encode_goodbye(buf, size, 9,
					  DYNMEM_PROTO_BYE_UNLOAD);
	case DYNMEM_PROTO_BALLOON_ACK:
		return dmp_encode_balloon_ack(buf, size, 10, 7);
	}
	return -EINVAL;
}

/*
 * Two base messages byte by byte, as the protocol documentation lays them
 * out: round trips alone would not notice a field in the wrong place or in
 * the wrong byte order.
 */
static const u8 dmpt_golden_hello[] = {
	'D', 'M', 'E', 'M', 1, DYNMEM_PROTO_MINOR, 1, 0,	/* magic major minor type */
	32, 0, 0, 0, 0, 0, 0, 0,				/* len seq */
	0x1f, 0, 0, 0, 0, 0, 0, 0,				/* caps */
	0, 0, 0, 0x08, 0, 0, 0, 0,				/* block_size */
};

static const u8 dmpt_golden_hotadd_reply[] = {
	'D', 'M', 'E', 'M', 1, DYNMEM_PROTO_MINOR, 6, 0,
	88, 0, 0, 0, 6, 0, 0, 0,
	2, 0, 0, 0, 2, 0, 0, 0,				/* req_seq nr reserved */
	0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0,	/* start len */
	0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* added status */
	0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x18, 0, 0, 0, 0,
	0, 0, 0, 0x08, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0,
};

/*
 * Apply rejection case @c to its base message in @buf; returns the length
 * of the damaged message, or -errno if the base message did not encode.
 */
static inline int dmpt_apply(const struct dmpt_reject *c, u8 *buf)
{
	int len = dmpt_base(c->type, buf);

	if (len < 0)
		return len;
	if (!c->width)
		return c->off < len ? c->off : len;
	dmpt_put(buf + c->off, c->width, c->val);
	return len;
}

#endif /* _DMP_CODEC_TEST_H */
