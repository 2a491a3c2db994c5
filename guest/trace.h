/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of dynmem_guest: every decision the session thread takes and
 * every operation it runs for the host, under events/dynmem_guest/ in
 * tracefs (Documentation/guest.rst, "Tracepoints"). Sizes are in bytes,
 * addresses guest-physical, pages 4 KiB. main.c instantiates them.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM dynmem_guest

#if !defined(_DMG_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _DMG_TRACE_H

#include <linux/tracepoint.h>

#include "dmg.h"

#ifndef _DMG_TRACE_HELPERS
#define _DMG_TRACE_HELPERS
/* The memory @nr ranges cover; only called when the event is on. */
static inline u64 dmg_trace_bytes(const struct dmp_range *range,
				  unsigned int nr)
{
	u64 bytes = 0;
	unsigned int i;

	for (i = 0; i < nr; i++)
		bytes += range[i].len;
	return bytes;
}
#endif

/* Export the enum values, so that user space can decode the fields. */
TRACE_DEFINE_ENUM(DMG_STATE_CONNECTING);
TRACE_DEFINE_ENUM(DMG_STATE_HANDSHAKE);
TRACE_DEFINE_ENUM(DMG_STATE_CONNECTED);
TRACE_DEFINE_ENUM(DMG_STATE_BACKOFF);
TRACE_DEFINE_ENUM(DMG_STATE_REFUSED);
TRACE_DEFINE_ENUM(DMG_STATE_STOPPING);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_HELLO);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_WELCOME);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_STATUS);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_SET_REPORT);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_HOTADD_REQ);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_HOTADD_REPLY);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_BALLOON_REQ);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_BALLOON_REPLY);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_UNBALLOON_REQ);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_UNBALLOON_REPLY);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_DEFLATE);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_GOODBYE);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_BALLOON_ACK);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_WELCOME_OK);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_WELCOME_VERSION);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_WELCOME_UNKNOWN);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_WELCOME_BUSY);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_WELCOME_BAD_HELLO);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_HOTADD_ADDED);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_HOTADD_NOT_RAM);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_HOTADD_PRESENT);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_HOTADD_ALIGN);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_HOTADD_FAILED);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_HOTADD_ABORTED);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_RANGES_DONE);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_RANGES_FLOOR);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_RANGES_NOMEM);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_RANGES_EMPTY);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_RANGES_ABORTED);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_BYE_UNLOAD);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_BYE_SHUTDOWN);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_BYE_DETACH);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_BYE_PROTOCOL);

#define dmg_show_state(v)						\
	__print_symbolic(v,						\
			 { DMG_STATE_CONNECTING, "connecting" },	\
			 { DMG_STATE_HANDSHAKE, "handshake" },		\
			 { DMG_STATE_CONNECTED, "connected" },		\
			 { DMG_STATE_BACKOFF, "backoff" },		\
			 { DMG_STATE_REFUSED, "refused" },		\
			 { DMG_STATE_STOPPING, "stopping" })

#define dmg_show_type(v)						\
	__print_symbolic(v,						\
			 { DYNMEM_PROTO_HELLO, "HELLO" },		\
			 { DYNMEM_PROTO_WELCOME, "WELCOME" },		\
			 { DYNMEM_PROTO_STATUS, "STATUS" },		\
			 { DYNMEM_PROTO_SET_REPORT, "SET_REPORT" },	\
			 { DYNMEM_PROTO_HOTADD_REQ, "HOTADD_REQ" },	\
			 { DYNMEM_PROTO_HOTADD_REPLY, "HOTADD_REPLY" },	\
			 { DYNMEM_PROTO_BALLOON_REQ, "BALLOON_REQ" },	\
			 { DYNMEM_PROTO_BALLOON_REPLY, "BALLOON_REPLY" },\
			 { DYNMEM_PROTO_UNBALLOON_REQ, "UNBALLOON_REQ" },\
			 { DYNMEM_PROTO_UNBALLOON_REPLY, "UNBALLOON_REPLY" },\
			 { DYNMEM_PROTO_DEFLATE, "DEFLATE" },		\
			 { DYNMEM_PROTO_GOODBYE, "GOODBYE" },		\
			 { DYNMEM_PROTO_BALLOON_ACK, "BALLOON_ACK" },	\
			 { 0, "?" })

#define dmg_show_welcome(v)						\
	__print_symbolic(v,						\
			 { DYNMEM_PROTO_WELCOME_OK, "OK" },		\
			 { DYNMEM_PROTO_WELCOME_VERSION, "VERSION" },	\
			 { DYNMEM_PROTO_WELCOME_UNKNOWN, "UNKNOWN" },	\
			 { DYNMEM_PROTO_WELCOME_BUSY, "BUSY" },		\
			 { DYNMEM_PROTO_WELCOME_BAD_HELLO, "BAD_HELLO" })

#define dmg_show_hotadd(v)						\
	__print_symbolic(v,						\
			 { DYNMEM_PROTO_HOTADD_ADDED, "ADDED" },	\
			 { DYNMEM_PROTO_HOTADD_NOT_RAM, "NOT_RAM" },	\
			 { DYNMEM_PROTO_HOTADD_PRESENT, "PRESENT" },	\
			 { DYNMEM_PROTO_HOTADD_ALIGN, "ALIGN" },	\
			 { DYNMEM_PROTO_HOTADD_FAILED, "FAILED" },	\
			 { DYNMEM_PROTO_HOTADD_ABORTED, "ABORTED" })

#define dmg_show_ranges(v)						\
	__print_symbolic(v,						\
			 { DYNMEM_PROTO_RANGES_DONE, "DONE" },		\
			 { DYNMEM_PROTO_RANGES_FLOOR, "FLOOR" },	\
			 { DYNMEM_PROTO_RANGES_NOMEM, "NOMEM" },	\
			 { DYNMEM_PROTO_RANGES_EMPTY, "EMPTY" },	\
			 { DYNMEM_PROTO_RANGES_ABORTED, "ABORTED" })

#define dmg_show_bye(v)							\
	__print_symbolic(v,						\
			 { DYNMEM_PROTO_BYE_UNLOAD, "UNLOAD" },		\
			 { DYNMEM_PROTO_BYE_SHUTDOWN, "SHUTDOWN" },	\
			 { DYNMEM_PROTO_BYE_DETACH, "DETACH" },		\
			 { DYNMEM_PROTO_BYE_PROTOCOL, "PROTOCOL" })

/*
 * dmg_state - the session changes state
 * @from: enum dmg_state before
 * @to: enum dmg_state after
 * @err: the -errno that ended the previous connection, or 0
 * @reason: why, in words
 */
TRACE_EVENT(dmg_state,
	    TP_PROTO(enum dmg_state from, enum dmg_state to, int err,
		     const char *reason),
	    TP_ARGS(from, to, err, reason),

	    TP_STRUCT__entry(__field(unsigned int, from)
			     __field(unsigned int, to)
			     __field(int, err)
			     __string(reason, reason)),

	    TP_fast_assign(__entry->from = from;
			   __entry->to = to;
			   __entry->err = err;
			   __assign_str(reason, reason);),

	    TP_printk("from=%s to=%s err=%d reason=%s",
		      dmg_show_state(__entry->from),
		      dmg_show_state(__entry->to),
		      __entry->err, __get_str(reason))
);

/*
 * dmg_handshake - the host answered HELLO
 * @major: protocol major version of the host
 * @minor: protocol minor version of the host
 * @result: enum dynmem_proto_welcome_result
 * @host_caps: capabilities in the WELCOME
 * @caps: capabilities negotiated, 0 unless accepted
 * @err: 0 when the connection goes on, else the -errno that ends it
 */
TRACE_EVENT(dmg_handshake,
	    TP_PROTO(u8 major, u8 minor, u32 result, u64 host_caps, u64 caps,
		     int err),
	    TP_ARGS(major, minor, result, host_caps, caps, err),

	    TP_STRUCT__entry(__field(u8, major)
			     __field(u8, minor)
			     __field(u32, result)
			     __field(u64, host_caps)
			     __field(u64, caps)
			     __field(int, err)),

	    TP_fast_assign(__entry->major = major;
			   __entry->minor = minor;
			   __entry->result = result;
			   __entry->host_caps = host_caps;
			   __entry->caps = caps;
			   __entry->err = err;),

	    TP_printk("host=%u.%u result=%s host_caps=%#llx caps=%#llx err=%d",
		      __entry->major, __entry->minor,
		      dmg_show_welcome(__entry->result),
		      __entry->host_caps, __entry->caps, __entry->err)
);

/*
 * dmg_status - a STATUS went to the host
 * @st: what it said
 */
TRACE_EVENT(dmg_status,
	    TP_PROTO(const struct dmp_status *st),
	    TP_ARGS(st),

	    TP_STRUCT__entry(__field(u64, seq)
			     __field(u32, flags)
			     __field(u64, total)
			     __field(u64, available)
			     __field(u64, free)
			     __field(u64, committed)
			     __field(u64, ballooned)
			     __field(u64, hot_added)),

	    TP_fast_assign(__entry->seq = st->seq;
			   __entry->flags = st->flags;
			   __entry->total = st->total;
			   __entry->available = st->available;
			   __entry->free = st->free;
			   __entry->committed = st->committed;
			   __entry->ballooned = st->ballooned;
			   __entry->hot_added = st->hot_added;),

	    TP_printk("seq=%llu urgent=%u total=%llu available=%llu free=%llu committed=%llu ballooned=%llu hot_added=%llu",
		      __entry->seq,
		      !!(__entry->flags & DYNMEM_PROTO_STATUS_URGENT),
		      __entry->total, __entry->available, __entry->free,
		      __entry->committed, __entry->ballooned,
		      __entry->hot_added)
);

/*
 * dmg_set_report - the host set the report period and threshold
 * @period_ms: report period
 * @threshold: available memory whose crossing is reported at once, 0: none
 */
TRACE_EVENT(dmg_set_report,
	    TP_PROTO(u32 period_ms, u64 threshold),
	    TP_ARGS(period_ms, threshold),

	    TP_STRUCT__entry(__field(u32, period_ms)
			     __field(u64, threshold)),

	    TP_fast_assign(__entry->period_ms = period_ms;
			   __entry->threshold = threshold;),

	    TP_printk("period_ms=%u threshold=%llu",
		      __entry->period_ms, __entry->threshold)
);

/*
 * dmg_hotadd_req - the host offers memory to hot-add
 * @req_seq: sequence number of the HOTADD_REQ
 * @nr: number of ranges offered
 */
TRACE_EVENT(dmg_hotadd_req,
	    TP_PROTO(u32 req_seq, unsigned int nr),
	    TP_ARGS(req_seq, nr),

	    TP_STRUCT__entry(__field(u32, req_seq)
			     __field(unsigned int, nr)),

	    TP_fast_assign(__entry->req_seq = req_seq;
			   __entry->nr = nr;),

	    TP_printk("req=%u ranges=%u", __entry->req_seq, __entry->nr)
);

/*
 * dmg_hotadd_range - what became of one offered range
 * @res: the result, as the HOTADD_REPLY carries it
 */
TRACE_EVENT(dmg_hotadd_range,
	    TP_PROTO(const struct dmp_hotadd_result *res),
	    TP_ARGS(res),

	    TP_STRUCT__entry(__field(u64, start)
			     __field(u64, len)
			     __field(u64, added)
			     __field(u32, status)),

	    TP_fast_assign(__entry->start = res->start;
			   __entry->len = res->len;
			   __entry->added = res->added;
			   __entry->status = res->status;),

	    TP_printk("start=%#llx len=%#llx added=%#llx status=%s",
		      __entry->start, __entry->len, __entry->added,
		      dmg_show_hotadd(__entry->status))
);

DECLARE_EVENT_CLASS(dmg_bytes_req,
		    TP_PROTO(u32 req_seq, u64 bytes),
		    TP_ARGS(req_seq, bytes),

		    TP_STRUCT__entry(__field(u32, req_seq)
				     __field(u64, bytes)),

		    TP_fast_assign(__entry->req_seq = req_seq;
				   __entry->bytes = bytes;),

		    TP_printk("req=%u bytes=%llu", __entry->req_seq,
			      __entry->bytes)
);

/*
 * dmg_balloon_req - the host asks for memory
 * @req_seq: sequence number of the BALLOON_REQ
 * @bytes: memory asked for
 */
DEFINE_EVENT(dmg_bytes_req, dmg_balloon_req,
	     TP_PROTO(u32 req_seq, u64 bytes),
	     TP_ARGS(req_seq, bytes)
);

/*
 * dmg_unballoon_req - the host gives ballooned memory back
 * @req_seq: sequence number of the UNBALLOON_REQ
 * @bytes: memory to take back
 */
DEFINE_EVENT(dmg_bytes_req, dmg_unballoon_req,
	     TP_PROTO(u32 req_seq, u64 bytes),
	     TP_ARGS(req_seq, bytes)
);

DECLARE_EVENT_CLASS(dmg_bytes_done,
		    TP_PROTO(u32 req_seq, u64 asked, u64 got,
			     unsigned int ranges, u32 status, int err),
		    TP_ARGS(req_seq, asked, got, ranges, status, err),

		    TP_STRUCT__entry(__field(u32, req_seq)
				     __field(u64, asked)
				     __field(u64, got)
				     __field(unsigned int, ranges)
				     __field(u32, status)
				     __field(int, err)),

		    TP_fast_assign(__entry->req_seq = req_seq;
				   __entry->asked = asked;
				   __entry->got = got;
				   __entry->ranges = ranges;
				   __entry->status = status;
				   __entry->err = err;),

		    TP_printk("req=%u asked=%llu got=%llu ranges=%u status=%s err=%d",
			      __entry->req_seq, __entry->asked, __entry->got,
			      __entry->ranges,
			      dmg_show_ranges(__entry->status), __entry->err)
);

/*
 * dmg_balloon_done - a BALLOON_REQ is served
 * @req_seq: sequence number of the request
 * @asked: memory asked for
 * @got: memory ballooned
 * @ranges: ranges sent in the replies, once merged
 * @status: enum dynmem_proto_ranges_status of the last reply
 * @err: 0, or the -errno that ends the connection
 */
DEFINE_EVENT(dmg_bytes_done, dmg_balloon_done,
	     TP_PROTO(u32 req_seq, u64 asked, u64 got, unsigned int ranges,
		      u32 status, int err),
	     TP_ARGS(req_seq, asked, got, ranges, status, err)
);

/*
 * dmg_unballoon_done - an UNBALLOON_REQ is served
 * @req_seq: sequence number of the request
 * @asked: memory to take back
 * @got: memory given back to the guest
 * @ranges: ranges sent in the replies, once merged
 * @status: enum dynmem_proto_ranges_status of the last reply
 * @err: 0, or the -errno that ends the connection
 */
DEFINE_EVENT(dmg_bytes_done, dmg_unballoon_done,
	     TP_PROTO(u32 req_seq, u64 asked, u64 got, unsigned int ranges,
		      u32 status, int err),
	     TP_ARGS(req_seq, asked, got, ranges, status, err)
);

/*
 * dmg_ranges_sent - a range list went to the host
 * @type: BALLOON_REPLY, UNBALLOON_REPLY or DEFLATE
 * @req_seq: the request answered, 0 for DEFLATE
 * @flags: DYNMEM_PROTO_RANGES_*
 * @status: enum dynmem_proto_ranges_status, in the last reply
 * @range: the ranges
 * @nr: number of ranges
 */
TRACE_EVENT(dmg_ranges_sent,
	    TP_PROTO(u16 type, u32 req_seq, u16 flags, u32 status,
		     const struct dmp_range *range, unsigned int nr),
	    TP_ARGS(type, req_seq, flags, status, range, nr),

	    TP_STRUCT__entry(__field(u16, type)
			     __field(u16, flags)
			     __field(u32, req_seq)
			     __field(u32, status)
			     __field(unsigned int, nr)
			     __field(u64, bytes)),

	    TP_fast_assign(__entry->type = type;
			   __entry->flags = flags;
			   __entry->req_seq = req_seq;
			   __entry->status = status;
			   __entry->nr = nr;
			   __entry->bytes = dmg_trace_bytes(range, nr);),

	    TP_printk("type=%s req=%u ranges=%u bytes=%llu more=%u status=%s",
		      dmg_show_type(__entry->type), __entry->req_seq,
		      __entry->nr, __entry->bytes,
		      !!(__entry->flags & DYNMEM_PROTO_RANGES_MORE),
		      dmg_show_ranges(__entry->status))
);

/*
 * dmg_oom_deflate - the OOM notifier was called
 * @pages: pages it took off the balloon and freed
 * @left: pages the balloon still holds
 * @pending: ranges waiting to be reported with DEFLATE
 * @allowed: the host accepts DEFLATE on the current connection
 */
TRACE_EVENT(dmg_oom_deflate,
	    TP_PROTO(unsigned long pages, unsigned long left,
		     unsigned int pending, bool allowed),
	    TP_ARGS(pages, left, pending, allowed),

	    TP_STRUCT__entry(__field(unsigned long, pages)
			     __field(u64, bytes)
			     __field(unsigned long, left)
			     __field(unsigned int, pending)
			     __field(bool, allowed)),

	    TP_fast_assign(__entry->pages = pages;
			   __entry->bytes = (u64)pages << PAGE_SHIFT;
			   __entry->left = left;
			   __entry->pending = pending;
			   __entry->allowed = allowed;),

	    TP_printk("pages=%lu bytes=%llu left=%lu pending=%u allowed=%u",
		      __entry->pages, __entry->bytes, __entry->left,
		      __entry->pending, __entry->allowed)
);

/*
 * dmg_balloon_ack - the host acknowledged balloon replies
 * @reply_seq: the newest BALLOON_REPLY acknowledged
 * @bytes: balloon memory the OOM notifier and unballoon may take from now
 *	on; 0 while a newer reply waits for its acknowledgment
 */
TRACE_EVENT(dmg_balloon_ack,
	    TP_PROTO(u32 reply_seq, u64 bytes),
	    TP_ARGS(reply_seq, bytes),

	    TP_STRUCT__entry(__field(u32, reply_seq)
			     __field(u64, bytes)),

	    TP_fast_assign(__entry->reply_seq = reply_seq;
			   __entry->bytes = bytes;),

	    TP_printk("reply=%u bytes=%llu", __entry->reply_seq,
		      __entry->bytes)
);

/*
 * dmg_balloon_release - a connection ended: the balloon went back
 * @pages: pages given back to the guest
 */
TRACE_EVENT(dmg_balloon_release,
	    TP_PROTO(unsigned long pages),
	    TP_ARGS(pages),

	    TP_STRUCT__entry(__field(unsigned long, pages)
			     __field(u64, bytes)),

	    TP_fast_assign(__entry->pages = pages;
			   __entry->bytes = (u64)pages << PAGE_SHIFT;),

	    TP_printk("pages=%lu bytes=%llu", __entry->pages, __entry->bytes)
);

/*
 * dmg_violation - the host broke the protocol; the connection ends
 * @type: type of the offending message, 0 when not decoded
 * @seq: its sequence number, 0 when not decoded
 * @reason: the rule broken
 */
TRACE_EVENT(dmg_violation,
	    TP_PROTO(u16 type, u32 seq, const char *reason),
	    TP_ARGS(type, seq, reason),

	    TP_STRUCT__entry(__field(u16, type)
			     __field(u32, seq)
			     __string(reason, reason)),

	    TP_fast_assign(__entry->type = type;
			   __entry->seq = seq;
			   __assign_str(reason, reason);),

	    TP_printk("type=%s seq=%u reason=%s",
		      dmg_show_type(__entry->type), __entry->seq,
		      __get_str(reason))
);

/*
 * dmg_goodbye - a GOODBYE was sent or received
 * @sent: true when the guest said it
 * @reason: enum dynmem_proto_bye
 */
TRACE_EVENT(dmg_goodbye,
	    TP_PROTO(bool sent, u32 reason),
	    TP_ARGS(sent, reason),

	    TP_STRUCT__entry(__field(bool, sent)
			     __field(u32, reason)),

	    TP_fast_assign(__entry->sent = sent;
			   __entry->reason = reason;),

	    TP_printk("%s reason=%s", __entry->sent ? "sent" : "received",
		      dmg_show_bye(__entry->reason))
);

/*
 * dmg_backoff - the thread waits before the next connection attempt
 * @err: the -errno that ended the last attempt or connection
 * @delay_ms: the wait
 */
TRACE_EVENT(dmg_backoff,
	    TP_PROTO(int err, unsigned int delay_ms),
	    TP_ARGS(err, delay_ms),

	    TP_STRUCT__entry(__field(int, err)
			     __field(unsigned int, delay_ms)),

	    TP_fast_assign(__entry->err = err;
			   __entry->delay_ms = delay_ms;),

	    TP_printk("err=%d delay_ms=%u", __entry->err, __entry->delay_ms)
);

#endif /* _DMG_TRACE_H */

/* This part must be outside protection */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
