// SPDX-License-Identifier: GPL-2.0
/*
 * dynmem wire codec: the host<->guest protocol of uapi/linux/dynmem_proto.h
 * turned into native structures and back.
 *
 * One source for both modules: dynmem_host.ko builds this file, and
 * dynmem_guest.ko builds it through guest/codec.c. It uses nothing but
 * memcpy() and the byte order helpers, so tools/proto/ builds it unchanged
 * in userspace for tests and fuzzing.
 *
 * Wire structures are copied out of and into the buffer with memcpy(): a
 * message may sit at any alignment, and every access is bounded by a length
 * checked before. The decoder first checks the header (magic, version,
 * length, type), then the payload size for the type, then every field.
 * It fails with a negative errno and a static string saying which rule was
 * broken, meant for the log:
 *
 *   -EMSGSIZE          a length is wrong (header, payload, element count)
 *   -EBADMSG           not a dynmem message (magic, major version 0)
 *   -EPROTONOSUPPORT   another major version of the protocol
 *   -EOPNOTSUPP        unknown message type
 *   -EPROTO            a message type the sender's side never sends
 *   -EINVAL            a field breaks a rule of its type
 */

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/byteorder.h>

#include "codec.h"

/* The wire layout. Any change here is a new major version. */
static_assert(sizeof(struct dynmem_proto_hdr) == DYNMEM_PROTO_HDR_SIZE);
static_assert(offsetof(struct dynmem_proto_hdr, major) == 4);
static_assert(offsetof(struct dynmem_proto_hdr, type) == 6);
static_assert(offsetof(struct dynmem_proto_hdr, len) == 8);
static_assert(offsetof(struct dynmem_proto_hdr, seq) == 12);
static_assert(sizeof(struct dynmem_proto_hello) == 16);
static_assert(sizeof(struct dynmem_proto_welcome) == 16);
static_assert(sizeof(struct dynmem_proto_status) == 104);
static_assert(sizeof(struct dynmem_proto_set_report) == 16);
static_assert(sizeof(struct dynmem_proto_range) == 16);
static_assert(sizeof(struct dynmem_proto_range_list) == 16);
static_assert(sizeof(struct dynmem_proto_hotadd_result) == 32);
static_assert(sizeof(struct dynmem_proto_hotadd_reply) == 8);
static_assert(sizeof(struct dynmem_proto_bytes) == 8);
static_assert(sizeof(struct dynmem_proto_goodbye) == 8);
static_assert(DYNMEM_PROTO_RANGES_MAX == 4094);
static_assert(DYNMEM_PROTO_HOTADD_MAX == 2047);
/* Element counts travel in 16 bits. */
static_assert(DYNMEM_PROTO_RANGES_MAX <= 0xffff);

#define DMP_FROM_BIT(from)	BIT(from)
#define DMP_BOTH		(DMP_FROM_BIT(DMP_FROM_GUEST) | \
				 DMP_FROM_BIT(DMP_FROM_HOST))

/**
 * struct dmp_type_info - the shape of one message type
 * @name: the type's name, for logs
 * @from: DMP_FROM_BIT() of the sides that send it
 * @fixed: size of the payload, or of its fixed part
 * @item: size of an array element after the fixed part; 0: no array
 */
struct dmp_type_info {
	const char *name;
	u32 from;
	u32 fixed;
	u32 item;
};

#define DMP_TYPE(t, f, fix, it)						\
	[DYNMEM_PROTO_##t] = { .name = #t, .from = (f), .fixed = (fix),	\
			       .item = (it) }
#define GUEST	DMP_FROM_BIT(DMP_FROM_GUEST)
#define HOST	DMP_FROM_BIT(DMP_FROM_HOST)
#define RANGE	sizeof(struct dynmem_proto_range)
#define RLIST	sizeof(struct dynmem_proto_range_list)

static const struct dmp_type_info dmp_types[] = {
	DMP_TYPE(HELLO, GUEST, sizeof(struct dynmem_proto_hello), 0),
	DMP_TYPE(WELCOME, HOST, sizeof(struct dynmem_proto_welcome), 0),
	DMP_TYPE(STATUS, GUEST, sizeof(struct dynmem_proto_status), 0),
	DMP_TYPE(SET_REPORT, HOST, sizeof(struct dynmem_proto_set_report), 0),
	DMP_TYPE(HOTADD_REQ, HOST, RLIST, RANGE),
	DMP_TYPE(HOTADD_REPLY, GUEST, sizeof(struct dynmem_proto_hotadd_reply),
		 sizeof(struct dynmem_proto_hotadd_result)),
	DMP_TYPE(BALLOON_REQ, HOST, sizeof(struct dynmem_proto_bytes), 0),
	DMP_TYPE(BALLOON_REPLY, GUEST, RLIST, RANGE),
	DMP_TYPE(UNBALLOON_REQ, HOST, sizeof(struct dynmem_proto_bytes), 0),
	DMP_TYPE(UNBALLOON_REPLY, GUEST, RLIST, RANGE),
	DMP_TYPE(DEFLATE, GUEST, RLIST, RANGE),
	DMP_TYPE(GOODBYE, DMP_BOTH, sizeof(struct dynmem_proto_goodbye), 0),
	DMP_TYPE(BALLOON_ACK, HOST, sizeof(struct dynmem_proto_balloon_ack), 0),
};

#undef RLIST
#undef RANGE
#undef HOST
#undef GUEST
#undef DMP_TYPE

static_assert(ARRAY_SIZE(dmp_types) == DYNMEM_PROTO_TYPE_MAX + 1);

static int dmp_fail(const char **why, int err, const char *reason)
{
	if (why)
		*why = reason;
	return err;
}

static bool dmp_type_known(u16 type)
{
	return type >= 1 && type <= DYNMEM_PROTO_TYPE_MAX;
}

/**
 * dmp_type_name() - name of a message type, for logs
 * @type: enum dynmem_proto_type, or any other number
 *
 * Context: any.
 * Return: a static string; "unknown" for a number that is not a type.
 */
const char *dmp_type_name(u16 type)
{
	return dmp_type_known(type) ? dmp_types[type].name : "unknown";
}

/* A byte amount: page multiple, at most DYNMEM_PROTO_BYTES_MAX. */
static bool dmp_bytes_ok(u64 bytes)
{
	return bytes <= DYNMEM_PROTO_BYTES_MAX &&
	       !(bytes & (DYNMEM_PROTO_PAGE_SIZE - 1));
}

/*
 * One range of a list: not empty, aligned, below DYNMEM_PROTO_ADDR_MAX and
 * above the end of the range before it (adjacent ranges are allowed).
 */
static int dmp_check_range(u64 start, u64 len, u64 align, u64 *prev_end,
			   const char **why)
{
	if (!len)
		return dmp_fail(why, -EINVAL, "empty range");
	if ((start | len) & (align - 1))
		return dmp_fail(why, -EINVAL, "range not aligned");
	if (start >= DYNMEM_PROTO_ADDR_MAX ||
	    len > DYNMEM_PROTO_ADDR_MAX - start)
		return dmp_fail(why, -EINVAL,
				"range beyond the highest guest-physical address");
	if (start < *prev_end)
		return dmp_fail(why, -EINVAL,
				"ranges overlap or are out of order");
	*prev_end = start + len;
	return 0;
}

/**
 * dmp_decode_hdr() - check a message header and learn the message length
 * @buf: the first bytes of a message
 * @len: bytes in @buf, at least DYNMEM_PROTO_HDR_SIZE to succeed; only the
 *	header is read
 * @hdr: output: the header, decoded; filled also on -EPROTONOSUPPORT
 * @why: output, may be NULL: on error, a static string naming the broken
 *	rule
 *
 * A stream reader calls this on the header, then reads the rest of the
 * message and calls dmp_decode() on the whole of it. On -EPROTONOSUPPORT,
 * @hdr->len is within bounds, so the reader may still read the message: the
 * layouts of HELLO and WELCOME are those of every major version.
 *
 * Context: any.
 * Return: the length of the whole message, or a negative errno (see the
 * top of this file).
 */
int dmp_decode_hdr(const void *buf, size_t len, struct dmp_hdr *hdr,
		   const char **why)
{
	struct dynmem_proto_hdr w;

	if (len < sizeof(w))
		return dmp_fail(why, -EMSGSIZE, "message shorter than a header");
	memcpy(&w, buf, sizeof(w));
	if (le32_to_cpu(w.magic) != DYNMEM_PROTO_MAGIC)
		return dmp_fail(why, -EBADMSG, "bad magic");

	hdr->type = le16_to_cpu(w.type);
	hdr->major = w.major;
	hdr->minor = w.minor;
	hdr->len = le32_to_cpu(w.len);
	hdr->seq = le32_to_cpu(w.seq);

	if (hdr->len < DYNMEM_PROTO_HDR_SIZE)
		return dmp_fail(why, -EMSGSIZE,
				"length field shorter than a header");
	if (hdr->len > DYNMEM_PROTO_MSG_MAX)
		return dmp_fail(why, -EMSGSIZE,
				"length field above the maximum message size");
	if (!hdr->major)
		return dmp_fail(why, -EBADMSG, "major version 0");
	if (hdr->major != DYNMEM_PROTO_MAJOR)
		return dmp_fail(why, -EPROTONOSUPPORT,
				"peer speaks another major version of the protocol");
	if (!dmp_type_known(hdr->type))
		return dmp_fail(why, -EOPNOTSUPP, "unknown message type");
	return hdr->len;
}

static void dmp_get_hello(const u8 *p, struct dmp_hello *hello)
{
	struct dynmem_proto_hello w;

	memcpy(&w, p, sizeof(w));
	hello->caps = le64_to_cpu(w.caps);
	hello->block_size = le64_to_cpu(w.block_size);
}

static int dmp_check_hello(const struct dmp_hello *hello, const char **why)
{
	u64 bs = hello->block_size;

	/* Unknown capability bits come from newer minors: ignored. */
	if (bs < DYNMEM_PROTO_BLOCK_MIN || bs > DYNMEM_PROTO_BLOCK_MAX ||
	    (bs & (bs - 1)))
		return dmp_fail(why, -EINVAL,
				"block size not a power of two from 128 MiB to 1 TiB");
	return 0;
}

/* Returns the reserved field, which is checked only for our own major. */
static u32 dmp_get_welcome(const u8 *p, struct dmp_welcome *welcome)
{
	struct dynmem_proto_welcome w;

	memcpy(&w, p, sizeof(w));
	welcome->caps = le64_to_cpu(w.caps);
	welcome->result = le32_to_cpu(w.result);
	return le32_to_cpu(w.reserved);
}

static int dmp_check_welcome(const struct dmp_welcome *welcome, u32 reserved,
			     const char **why)
{
	if (reserved)
		return dmp_fail(why, -EINVAL, "reserved field not zero");
	if (welcome->result >= __DYNMEM_PROTO_WELCOME_MAX)
		return dmp_fail(why, -EINVAL, "unknown welcome result");
	if (welcome->caps & ~DYNMEM_PROTO_CAPS_KNOWN)
		return dmp_fail(why, -EINVAL, "unknown capability granted");
	if (welcome->result != DYNMEM_PROTO_WELCOME_OK && welcome->caps)
		return dmp_fail(why, -EINVAL, "capabilities in a refusal");
	return 0;
}

static int dmp_decode_status(const u8 *p, struct dmp_status *s,
			     const char **why)
{
	struct dynmem_proto_status w;

	memcpy(&w, p, sizeof(w));
	s->seq = le64_to_cpu(w.seq);
	s->flags = le32_to_cpu(w.flags);
	s->total = le64_to_cpu(w.total);
	s->free = le64_to_cpu(w.free);
	s->available = le64_to_cpu(w.available);
	s->committed = le64_to_cpu(w.committed);
	s->anon = le64_to_cpu(w.anon);
	s->file = le64_to_cpu(w.file);
	s->ballooned = le64_to_cpu(w.ballooned);
	s->hot_added = le64_to_cpu(w.hot_added);
	s->refaults = le64_to_cpu(w.refaults);
	s->swap_in = le64_to_cpu(w.swap_in);
	s->swap_out = le64_to_cpu(w.swap_out);

	if (w.reserved)
		return dmp_fail(why, -EINVAL, "reserved field not zero");
	if (s->flags & ~DYNMEM_PROTO_STATUS_KNOWN)
		return dmp_fail(why, -EINVAL, "unknown status flags");
	if (!s->seq)
		return dmp_fail(why, -EINVAL, "status report number 0");
	if (!dmp_bytes_ok(s->total) || !dmp_bytes_ok(s->free) ||
	    !dmp_bytes_ok(s->available) || !dmp_bytes_ok(s->committed) ||
	    !dmp_bytes_ok(s->anon) || !dmp_bytes_ok(s->file) ||
	    !dmp_bytes_ok(s->ballooned) || !dmp_bytes_ok(s->hot_added))
		return dmp_fail(why, -EINVAL,
				"memory amount not a page multiple up to 1 PiB");
	return 0;
}

static int dmp_decode_set_report(const u8 *p, struct dmp_set_report *set,
				 const char **why)
{
	struct dynmem_proto_set_report w;

	memcpy(&w, p, sizeof(w));
	set->period_ms = le32_to_cpu(w.period_ms);
	set->threshold = le64_to_cpu(w.threshold);

	if (w.reserved)
		return dmp_fail(why, -EINVAL, "reserved field not zero");
	if (set->period_ms < DYNMEM_PROTO_PERIOD_MIN_MS ||
	    set->period_ms > DYNMEM_PROTO_PERIOD_MAX_MS)
		return dmp_fail(why, -EINVAL,
				"report period out of 10..60000 ms");
	if (!dmp_bytes_ok(set->threshold))
		return dmp_fail(why, -EINVAL,
				"threshold not a page multiple up to 1 PiB");
	return 0;
}

static int dmp_decode_bytes(const u8 *p, u64 *bytes, const char **why)
{
	struct dynmem_proto_bytes w;

	memcpy(&w, p, sizeof(w));
	*bytes = le64_to_cpu(w.bytes);
	if (!*bytes || !dmp_bytes_ok(*bytes))
		return dmp_fail(why, -EINVAL,
				"amount not a non-zero page multiple up to 1 PiB");
	return 0;
}

/* Status values each range list type may end with. */
static const u32 dmp_ranges_status_ok[] = {
	[DYNMEM_PROTO_HOTADD_REQ] = BIT(DYNMEM_PROTO_RANGES_DONE),
	[DYNMEM_PROTO_BALLOON_REPLY] = BIT(DYNMEM_PROTO_RANGES_DONE) |
				       BIT(DYNMEM_PROTO_RANGES_FLOOR) |
				       BIT(DYNMEM_PROTO_RANGES_NOMEM) |
				       BIT(DYNMEM_PROTO_RANGES_ABORTED),
	[DYNMEM_PROTO_UNBALLOON_REPLY] = BIT(DYNMEM_PROTO_RANGES_DONE) |
					 BIT(DYNMEM_PROTO_RANGES_EMPTY) |
					 BIT(DYNMEM_PROTO_RANGES_ABORTED),
	[DYNMEM_PROTO_DEFLATE] = BIT(DYNMEM_PROTO_RANGES_DONE),
};

static int dmp_decode_ranges(const u8 *p, u32 plen, u16 type,
			     struct dmp_range_list *l, const char **why)
{
	bool reply = type == DYNMEM_PROTO_BALLOON_REPLY ||
		     type == DYNMEM_PROTO_UNBALLOON_REPLY;
	u64 align = type == DYNMEM_PROTO_HOTADD_REQ ?
		    DYNMEM_PROTO_BLOCK_MIN : DYNMEM_PROTO_PAGE_SIZE;
	struct dynmem_proto_range_list w;
	u64 prev_end = 0;
	unsigned int i;
	int err;

	memcpy(&w, p, sizeof(w));
	l->req_seq = le32_to_cpu(w.req_seq);
	l->flags = le16_to_cpu(w.flags);
	l->nr = le16_to_cpu(w.nr);
	l->status = le32_to_cpu(w.status);
	l->wire = p + sizeof(w);

	if ((size_t)plen - sizeof(w) !=
	    (size_t)l->nr * sizeof(struct dynmem_proto_range))
		return dmp_fail(why, -EMSGSIZE,
				"range count does not match the message length");
	if (w.reserved)
		return dmp_fail(why, -EINVAL, "reserved field not zero");
	if (l->flags & ~DYNMEM_PROTO_RANGES_KNOWN)
		return dmp_fail(why, -EINVAL, "unknown range list flags");
	if (reply && !l->req_seq)
		return dmp_fail(why, -EINVAL, "reply to no request");
	if (!reply && l->req_seq)
		return dmp_fail(why, -EINVAL, "request number in a non-reply");
	if (type == DYNMEM_PROTO_HOTADD_REQ && l->flags)
		return dmp_fail(why, -EINVAL, "flags in a hot-add offer");
	if (l->status >= 32 || !(dmp_ranges_status_ok[type] & BIT(l->status)))
		return dmp_fail(why, -EINVAL,
				"status not valid for this message type");
	if ((l->flags & DYNMEM_PROTO_RANGES_MORE) && l->status)
		return dmp_fail(why, -EINVAL,
				"status in a message that is not the last");
	if (!l->nr && (!reply || (l->flags & DYNMEM_PROTO_RANGES_MORE)))
		return dmp_fail(why, -EINVAL, "no range");
	if (type == DYNMEM_PROTO_HOTADD_REQ && l->nr > DYNMEM_PROTO_HOTADD_MAX)
		return dmp_fail(why, -EINVAL,
				"more hot-add ranges than a reply can answer");

	for (i = 0; i < l->nr; i++) {
		struct dmp_range r = dmp_range_at(l, i);

		err = dmp_check_range(r.start, r.len, align, &prev_end, why);
		if (err)
			return err;
	}
	return 0;
}

static int dmp_decode_hotadd_reply(const u8 *p, u32 plen,
				   struct dmp_hotadd_reply *r,
				   const char **why)
{
	struct dynmem_proto_hotadd_reply w;
	u64 prev_end = 0;
	unsigned int i;
	int err;

	memcpy(&w, p, sizeof(w));
	r->req_seq = le32_to_cpu(w.req_seq);
	r->nr = le16_to_cpu(w.nr);
	r->wire = p + sizeof(w);

	if ((size_t)plen - sizeof(w) !=
	    (size_t)r->nr * sizeof(struct dynmem_proto_hotadd_result))
		return dmp_fail(why, -EMSGSIZE,
				"result count does not match the message length");
	if (w.reserved)
		return dmp_fail(why, -EINVAL, "reserved field not zero");
	if (!r->req_seq)
		return dmp_fail(why, -EINVAL, "reply to no request");
	if (!r->nr)
		return dmp_fail(why, -EINVAL, "no result");

	for (i = 0; i < r->nr; i++) {
		struct dynmem_proto_hotadd_result res;
		u64 added, len;
		bool whole, ok;
		u32 status;

		memcpy(&res, (const u8 *)r->wire + i * sizeof(res),
		       sizeof(res));
		if (res.reserved)
			return dmp_fail(why, -EINVAL, "reserved field not zero");
		added = le64_to_cpu(res.added);
		len = le64_to_cpu(res.len);
		status = le32_to_cpu(res.status);
		err = dmp_check_range(le64_to_cpu(res.start), len,
				      DYNMEM_PROTO_BLOCK_MIN, &prev_end, why);
		if (err)
			return err;
		if (added > len || (added & (DYNMEM_PROTO_BLOCK_MIN - 1)))
			return dmp_fail(why, -EINVAL,
					"added bytes not whole blocks of the range");
		if (status >= __DYNMEM_PROTO_HOTADD_MAX)
			return dmp_fail(why, -EINVAL, "unknown hot-add status");
		whole = added == len;
		ok = status == DYNMEM_PROTO_HOTADD_ADDED;
		if (whole != ok)
			return dmp_fail(why, -EINVAL,
					"hot-add status contradicts the bytes added");
	}
	return 0;
}

static int dmp_decode_balloon_ack(const u8 *p, u32 *reply_seq,
				  const char **why)
{
	struct dynmem_proto_balloon_ack w;

	memcpy(&w, p, sizeof(w));
	*reply_seq = le32_to_cpu(w.reply_seq);
	if (w.reserved)
		return dmp_fail(why, -EINVAL, "reserved field not zero");
	/* The guest's HELLO is its message 0, never a balloon reply. */
	if (!*reply_seq)
		return dmp_fail(why, -EINVAL, "acknowledges message 0");
	return 0;
}

static int dmp_decode_goodbye(const u8 *p, u32 *reason, const char **why)
{
	struct dynmem_proto_goodbye w;

	memcpy(&w, p, sizeof(w));
	*reason = le32_to_cpu(w.reason);
	if (w.reserved)
		return dmp_fail(why, -EINVAL, "reserved field not zero");
	if (!*reason || *reason >= __DYNMEM_PROTO_BYE_MAX)
		return dmp_fail(why, -EINVAL, "unknown goodbye reason");
	return 0;
}

/*
 * HELLO and WELCOME of another major version: their layout is frozen, so
 * they are decoded for the log and the answer, but nothing else is.
 */
static int dmp_decode_foreign(const u8 *p, u32 plen, enum dmp_from from,
			      struct dmp_msg *msg, const char **why)
{
	u16 type = msg->hdr.type;
	int err = dmp_fail(why, -EPROTONOSUPPORT,
			   "peer speaks another major version of the protocol");

	if (type == DYNMEM_PROTO_HELLO && from == DMP_FROM_GUEST &&
	    plen == sizeof(struct dynmem_proto_hello))
		dmp_get_hello(p, &msg->hello);
	else if (type == DYNMEM_PROTO_WELCOME && from == DMP_FROM_HOST &&
		 plen == sizeof(struct dynmem_proto_welcome))
		dmp_get_welcome(p, &msg->welcome);
	else
		msg->hdr.type = 0;
	return err;
}

/**
 * dmp_decode() - check and decode one message
 * @buf: the message, at any alignment
 * @len: its length: exactly the length its header gives
 * @from: the side that sent it
 * @msg: output: the message, in native byte order; range lists point into
 *	@buf
 * @why: output, may be NULL: on error, a static string naming the broken
 *	rule; NULL on success
 *
 * Reads nothing beyond @buf + @len. On -EPROTONOSUPPORT, @msg->hdr holds
 * the peer's header and, if @msg->hdr.type is still HELLO or WELCOME, the
 * payload is decoded (but not checked) too; @msg->hdr.type is 0 otherwise.
 * On other errors the contents of @msg are undefined.
 *
 * Context: any.
 * Return: 0, or a negative errno (see the top of this file).
 */
int dmp_decode(const void *buf, size_t len, enum dmp_from from,
	       struct dmp_msg *msg, const char **why)
{
	const u8 *p = (const u8 *)buf + DYNMEM_PROTO_HDR_SIZE;
	const struct dmp_type_info *info;
	u32 plen, reserved;
	int ret;

	if (why)
		*why = NULL;
	ret = dmp_decode_hdr(buf, len, &msg->hdr, why);
	if (ret < 0 && ret != -EPROTONOSUPPORT)
		return ret;
	if (msg->hdr.len != len)
		return dmp_fail(why, -EMSGSIZE,
				"length field differs from the message size");
	plen = msg->hdr.len - DYNMEM_PROTO_HDR_SIZE;
	if (ret == -EPROTONOSUPPORT)
		return dmp_decode_foreign(p, plen, from, msg, why);

	info = &dmp_types[msg->hdr.type];
	if (from != DMP_FROM_GUEST && from != DMP_FROM_HOST)
		return dmp_fail(why, -EINVAL, "no such side");
	if (!(info->from & DMP_FROM_BIT(from)))
		return dmp_fail(why, -EPROTO,
				"message type not sent from this side");
	if (info->item ? plen < info->fixed : plen != info->fixed)
		return dmp_fail(why, -EMSGSIZE,
				"payload size wrong for the message type");

	switch (msg->hdr.type) {
	case DYNMEM_PROTO_HELLO:
		dmp_get_hello(p, &msg->hello);
		return dmp_check_hello(&msg->hello, why);
	case DYNMEM_PROTO_WELCOME:
		reserved = dmp_get_welcome(p, &msg->welcome);
		return dmp_check_welcome(&msg->welcome, reserved, why);
	case DYNMEM_PROTO_STATUS:
		return dmp_decode_status(p, &msg->status, why);
	case DYNMEM_PROTO_SET_REPORT:
		return dmp_decode_set_report(p, &msg->set_report, why);
	case DYNMEM_PROTO_BALLOON_REQ:
	case DYNMEM_PROTO_UNBALLOON_REQ:
		return dmp_decode_bytes(p, &msg->bytes, why);
	case DYNMEM_PROTO_HOTADD_REQ:
	case DYNMEM_PROTO_BALLOON_REPLY:
	case DYNMEM_PROTO_UNBALLOON_REPLY:
	case DYNMEM_PROTO_DEFLATE:
		return dmp_decode_ranges(p, plen, msg->hdr.type, &msg->ranges,
					 why);
	case DYNMEM_PROTO_HOTADD_REPLY:
		return dmp_decode_hotadd_reply(p, plen, &msg->hotadd_reply,
					       why);
	case DYNMEM_PROTO_GOODBYE:
		return dmp_decode_goodbye(p, &msg->goodbye_reason, why);
	case DYNMEM_PROTO_BALLOON_ACK:
		return dmp_decode_balloon_ack(p, &msg->ack_seq, why);
	}
	/* dmp_decode_hdr() let only known types through. */
	return dmp_fail(why, -EOPNOTSUPP, "unknown message type");
}

/**
 * dmp_range_at() - one range of a decoded range list
 * @list: a range list filled by dmp_decode()
 * @i: index, below @list->nr
 *
 * Context: any; the decoded buffer must still be there.
 * Return: the range, in native byte order; an empty range if @i is out of
 * bounds.
 */
struct dmp_range dmp_range_at(const struct dmp_range_list *list,
			      unsigned int i)
{
	struct dmp_range r = { 0, 0 };
	struct dynmem_proto_range w;

	if (i >= list->nr)
		return r;
	memcpy(&w, (const u8 *)list->wire + i * sizeof(w), sizeof(w));
	r.start = le64_to_cpu(w.start);
	r.len = le64_to_cpu(w.len);
	return r;
}

/**
 * dmp_hotadd_result_at() - one result of a decoded HOTADD_REPLY
 * @r: a hot-add reply filled by dmp_decode()
 * @i: index, below @r->nr
 *
 * Context: any; the decoded buffer must still be there.
 * Return: the result, in native byte order; all zero if @i is out of
 * bounds.
 */
struct dmp_hotadd_result dmp_hotadd_result_at(const struct dmp_hotadd_reply *r,
					      unsigned int i)
{
	struct dmp_hotadd_result res = { 0 };
	struct dynmem_proto_hotadd_result w;

	if (i >= r->nr)
		return res;
	memcpy(&w, (const u8 *)r->wire + i * sizeof(w), sizeof(w));
	res.start = le64_to_cpu(w.start);
	res.len = le64_to_cpu(w.len);
	res.added = le64_to_cpu(w.added);
	res.status = le32_to_cpu(w.status);
	return res;
}

/* Write the header of a message of @len bytes, if it fits in @size. */
static int dmp_put_hdr(void *buf, size_t size, u16 type, u32 seq, size_t len)
{
	struct dynmem_proto_hdr w = {
		.magic = cpu_to_le32(DYNMEM_PROTO_MAGIC),
		.major = DYNMEM_PROTO_MAJOR,
		.minor = DYNMEM_PROTO_MINOR,
		.type = cpu_to_le16(type),
		.len = cpu_to_le32(len),
		.seq = cpu_to_le32(seq),
	};

	if (len > DYNMEM_PROTO_MSG_MAX)
		return -EMSGSIZE;
	if (len > size)
		return -ENOSPC;
	memcpy(buf, &w, sizeof(w));
	return 0;
}

/*
 * Every encoder ends here: what the other side would refuse is not sent.
 * GOODBYE, the one type both sides send, follows the same rules for both.
 */
static int dmp_check_out(const void *buf, size_t len, u16 type)
{
	enum dmp_from from = DMP_FROM_HOST;
	struct dmp_msg msg;
	int err;

	if (dmp_types[type].from & DMP_FROM_BIT(DMP_FROM_GUEST))
		from = DMP_FROM_GUEST;
	err = dmp_decode(buf, len, from, &msg, NULL);
	return err ? err : (int)len;
}

/**
 * dmp_encode_hello() - write a HELLO
 * @buf: where to write, at any alignment
 * @size: bytes available at @buf
 * @seq: sequence number of the message (0: HELLO opens a connection)
 * @hello: the contents
 *
 * Like every dmp_encode_*(), checks the message as dmp_decode() would:
 * invalid contents fail with the decoder's error, and @buf is then
 * undefined.
 *
 * Context: any.
 * Return: the length written, -ENOSPC if @size is too small, or another
 * negative errno for invalid contents.
 */
int dmp_encode_hello(void *buf, size_t size, u32 seq,
		     const struct dmp_hello *hello)
{
	struct dynmem_proto_hello w = {
		.caps = cpu_to_le64(hello->caps),
		.block_size = cpu_to_le64(hello->block_size),
	};
	size_t len = DYNMEM_PROTO_HDR_SIZE + sizeof(w);
	int err;

	err = dmp_put_hdr(buf, size, DYNMEM_PROTO_HELLO, seq, len);
	if (err)
		return err;
	memcpy((u8 *)buf + DYNMEM_PROTO_HDR_SIZE, &w, sizeof(w));
	return dmp_check_out(buf, len, DYNMEM_PROTO_HELLO);
}

/**
 * dmp_encode_welcome() - write a WELCOME
 * @buf: where to write, at any alignment
 * @size: bytes available at @buf
 * @seq: sequence number of the message (0: WELCOME answers HELLO)
 * @welcome: the contents
 *
 * Context: any.
 * Return: see dmp_encode_hello().
 */
int dmp_encode_welcome(void *buf, size_t size, u32 seq,
		       const struct dmp_welcome *welcome)
{
	struct dynmem_proto_welcome w = {
		.caps = cpu_to_le64(welcome->caps),
		.result = cpu_to_le32(welcome->result),
	};
	size_t len = DYNMEM_PROTO_HDR_SIZE + sizeof(w);
	int err;

	err = dmp_put_hdr(buf, size, DYNMEM_PROTO_WELCOME, seq, len);
	if (err)
		return err;
	memcpy((u8 *)buf + DYNMEM_PROTO_HDR_SIZE, &w, sizeof(w));
	return dmp_check_out(buf, len, DYNMEM_PROTO_WELCOME);
}

/**
 * dmp_encode_status() - write a STATUS
 * @buf: where to write, at any alignment
 * @size: bytes available at @buf
 * @seq: sequence number of the message
 * @s: the contents
 *
 * Context: any.
 * Return: see dmp_encode_hello().
 */
int dmp_encode_status(void *buf, size_t size, u32 seq,
		      const struct dmp_status *s)
{
	struct dynmem_proto_status w = {
		.seq = cpu_to_le64(s->seq),
		.flags = cpu_to_le32(s->flags),
		.total = cpu_to_le64(s->total),
		.free = cpu_to_le64(s->free),
		.available = cpu_to_le64(s->available),
		.committed = cpu_to_le64(s->committed),
		.anon = cpu_to_le64(s->anon),
		.file = cpu_to_le64(s->file),
		.ballooned = cpu_to_le64(s->ballooned),
		.hot_added = cpu_to_le64(s->hot_added),
		.refaults = cpu_to_le64(s->refaults),
		.swap_in = cpu_to_le64(s->swap_in),
		.swap_out = cpu_to_le64(s->swap_out),
	};
	size_t len = DYNMEM_PROTO_HDR_SIZE + sizeof(w);
	int err;

	err = dmp_put_hdr(buf, size, DYNMEM_PROTO_STATUS, seq, len);
	if (err)
		return err;
	memcpy((u8 *)buf + DYNMEM_PROTO_HDR_SIZE, &w, sizeof(w));
	return dmp_check_out(buf, len, DYNMEM_PROTO_STATUS);
}

/**
 * dmp_encode_set_report() - write a SET_REPORT
 * @buf: where to write, at any alignment
 * @size: bytes available at @buf
 * @seq: sequence number of the message
 * @set: the contents
 *
 * Context: any.
 * Return: see dmp_encode_hello().
 */
int dmp_encode_set_report(void *buf, size_t size, u32 seq,
			  const struct dmp_set_report *set)
{
	struct dynmem_proto_set_report w = {
		.period_ms = cpu_to_le32(set->period_ms),
		.threshold = cpu_to_le64(set->threshold),
	};
	size_t len = DYNMEM_PROTO_HDR_SIZE + sizeof(w);
	int err;

	err = dmp_put_hdr(buf, size, DYNMEM_PROTO_SET_REPORT, seq, len);
	if (err)
		return err;
	memcpy((u8 *)buf + DYNMEM_PROTO_HDR_SIZE, &w, sizeof(w));
	return dmp_check_out(buf, len, DYNMEM_PROTO_SET_REPORT);
}

/**
 * dmp_encode_bytes() - write a BALLOON_REQ or an UNBALLOON_REQ
 * @buf: where to write, at any alignment
 * @size: bytes available at @buf
 * @type: DYNMEM_PROTO_BALLOON_REQ or DYNMEM_PROTO_UNBALLOON_REQ
 * @seq: sequence number of the message, which the replies will name
 * @bytes: the amount asked for
 *
 * Context: any.
 * Return: see dmp_encode_hello().
 */
int dmp_encode_bytes(void *buf, size_t size, u16 type, u32 seq, u64 bytes)
{
	struct dynmem_proto_bytes w = { .bytes = cpu_to_le64(bytes) };
	size_t len = DYNMEM_PROTO_HDR_SIZE + sizeof(w);
	int err;

	if (type != DYNMEM_PROTO_BALLOON_REQ &&
	    type != DYNMEM_PROTO_UNBALLOON_REQ)
		return -EINVAL;
	err = dmp_put_hdr(buf, size, type, seq, len);
	if (err)
		return err;
	memcpy((u8 *)buf + DYNMEM_PROTO_HDR_SIZE, &w, sizeof(w));
	return dmp_check_out(buf, len, type);
}

/**
 * dmp_encode_ranges() - write a HOTADD_REQ, BALLOON_REPLY, UNBALLOON_REPLY
 *	or DEFLATE
 * @buf: where to write, at any alignment
 * @size: bytes available at @buf
 * @type: the message type
 * @seq: sequence number of the message
 * @list: req_seq, flags, nr and status; @list->wire is not used
 * @range: @list->nr ranges
 *
 * Context: any.
 * Return: see dmp_encode_hello(); -EMSGSIZE if more than
 * DYNMEM_PROTO_RANGES_MAX ranges.
 */
int dmp_encode_ranges(void *buf, size_t size, u16 type, u32 seq,
		      const struct dmp_range_list *list,
		      const struct dmp_range *range)
{
	struct dynmem_proto_range_list w = {
		.req_seq = cpu_to_le32(list->req_seq),
		.flags = cpu_to_le16(list->flags),
		.nr = cpu_to_le16(list->nr),
		.status = cpu_to_le32(list->status),
	};
	u8 *p = (u8 *)buf + DYNMEM_PROTO_HDR_SIZE + sizeof(w);
	size_t len;
	unsigned int i;
	int err;

	if (type != DYNMEM_PROTO_HOTADD_REQ &&
	    type != DYNMEM_PROTO_BALLOON_REPLY &&
	    type != DYNMEM_PROTO_UNBALLOON_REPLY &&
	    type != DYNMEM_PROTO_DEFLATE)
		return -EINVAL;
	if (list->nr > DYNMEM_PROTO_RANGES_MAX)
		return -EMSGSIZE;
	len = DYNMEM_PROTO_HDR_SIZE + sizeof(w) +
	      (size_t)list->nr * sizeof(struct dynmem_proto_range);
	err = dmp_put_hdr(buf, size, type, seq, len);
	if (err)
		return err;
	memcpy((u8 *)buf + DYNMEM_PROTO_HDR_SIZE, &w, sizeof(w));
	for (i = 0; i < list->nr; i++) {
		struct dynmem_proto_range r = {
			.start = cpu_to_le64(range[i].start),
			.len = cpu_to_le64(range[i].len),
		};

		memcpy(p + i * sizeof(r), &r, sizeof(r));
	}
	return dmp_check_out(buf, len, type);
}

/**
 * dmp_encode_hotadd_reply() - write a HOTADD_REPLY
 * @buf: where to write, at any alignment
 * @size: bytes available at @buf
 * @seq: sequence number of the message
 * @req_seq: sequence number of the HOTADD_REQ answered
 * @result: @nr results, one per offered range, in the order offered
 * @nr: number of results
 *
 * Context: any.
 * Return: see dmp_encode_hello(); -EMSGSIZE if more than
 * DYNMEM_PROTO_HOTADD_MAX results.
 */
int dmp_encode_hotadd_reply(void *buf, size_t size, u32 seq, u32 req_seq,
			    const struct dmp_hotadd_result *result, u16 nr)
{
	struct dynmem_proto_hotadd_reply w = {
		.req_seq = cpu_to_le32(req_seq),
		.nr = cpu_to_le16(nr),
	};
	u8 *p = (u8 *)buf + DYNMEM_PROTO_HDR_SIZE + sizeof(w);
	size_t len;
	unsigned int i;
	int err;

	if (nr > DYNMEM_PROTO_HOTADD_MAX)
		return -EMSGSIZE;
	len = DYNMEM_PROTO_HDR_SIZE + sizeof(w) +
	      (size_t)nr * sizeof(struct dynmem_proto_hotadd_result);
	err = dmp_put_hdr(buf, size, DYNMEM_PROTO_HOTADD_REPLY, seq, len);
	if (err)
		return err;
	memcpy((u8 *)buf + DYNMEM_PROTO_HDR_SIZE, &w, sizeof(w));
	for (i = 0; i < nr; i++) {
		struct dynmem_proto_hotadd_result r = {
			.start = cpu_to_le64(result[i].start),
			.len = cpu_to_le64(result[i].len),
			.added = cpu_to_le64(result[i].added),
			.status = cpu_to_le32(result[i].status),
		};

		memcpy(p + i * sizeof(r), &r, sizeof(r));
	}
	return dmp_check_out(buf, len, DYNMEM_PROTO_HOTADD_REPLY);
}

/**
 * dmp_encode_goodbye() - write a GOODBYE
 * @buf: where to write, at any alignment
 * @size: bytes available at @buf
 * @seq: sequence number of the message
 * @reason: enum dynmem_proto_bye
 *
 * Context: any.
 * Return: see dmp_encode_hello().
 */
int dmp_encode_goodbye(void *buf, size_t size, u32 seq, u32 reason)
{
	struct dynmem_proto_goodbye w = { .reason = cpu_to_le32(reason) };
	size_t len = DYNMEM_PROTO_HDR_SIZE + sizeof(w);
	int err;

	err = dmp_put_hdr(buf, size, DYNMEM_PROTO_GOODBYE, seq, len);
	if (err)
		return err;
	memcpy((u8 *)buf + DYNMEM_PROTO_HDR_SIZE, &w, sizeof(w));
	return dmp_check_out(buf, len, DYNMEM_PROTO_GOODBYE);
}

/**
 * dmp_encode_balloon_ack() - write a BALLOON_ACK
 * @buf: where to write, at any alignment
 * @size: bytes available at @buf
 * @seq: sequence number of the message
 * @reply_seq: @seq of the newest BALLOON_REPLY acted on, not 0
 *
 * Context: any.
 * Return: see dmp_encode_hello().
 */
int dmp_encode_balloon_ack(void *buf, size_t size, u32 seq, u32 reply_seq)
{
	struct dynmem_proto_balloon_ack w = {
		.reply_seq = cpu_to_le32(reply_seq),
	};
	size_t len = DYNMEM_PROTO_HDR_SIZE + sizeof(w);
	int err;

	err = dmp_put_hdr(buf, size, DYNMEM_PROTO_BALLOON_ACK, seq, len);
	if (err)
		return err;
	memcpy((u8 *)buf + DYNMEM_PROTO_HDR_SIZE, &w, sizeof(w));
	return dmp_check_out(buf, len, DYNMEM_PROTO_BALLOON_ACK);
}
