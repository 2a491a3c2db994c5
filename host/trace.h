/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of dynmem_host: every decision of the host (a pass of the
 * arbiter, a VM's new target) and every operation it runs (attach and
 * detach, guest sessions, requests to guests and their replies, releases
 * of guest memory), under events/dynmem_host/ in tracefs
 * (Documentation/host.rst, "Tracepoints"). Sizes are in bytes, addresses
 * guest-physical. main.c instantiates them.
 *
 * Every event names its VM by the record's name; a connection that has no
 * record (yet) is named "(none)" and known by its CID.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM dynmem_host

#if !defined(_DMH_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _DMH_TRACE_H

#include <linux/dynmem_proto.h>
#include <linux/errno.h>
#include <linux/tracepoint.h>

#include "arbiter.h"

#ifndef _DMH_TRACE_HELPERS
#define _DMH_TRACE_HELPERS
/*
 * Why a session ended, in words, from the GOODBYE the host sent (0 for
 * none) and the error that ended its loop; only called when the event is
 * on.
 */
static inline const char *dmh_trace_close_reason(u32 bye, int err)
{
	switch (bye) {
	case DYNMEM_PROTO_BYE_UNLOAD:
		return "host module unloading";
	case DYNMEM_PROTO_BYE_DETACH:
		return "VM record detached";
	case DYNMEM_PROTO_BYE_PROTOCOL:
		return "protocol violation";
	}
	switch (err) {
	case -ECONNRESET:
		return "closed by the guest";
	case -ENOMEM:
		return "out of memory";
	default:
		return "connection error";
	}
}
#endif

/* Export the enum values, so that user space can decode the fields. */
TRACE_DEFINE_ENUM(DMH_ARB_FIT);
TRACE_DEFINE_ENUM(DMH_ARB_SHARED);
TRACE_DEFINE_ENUM(DMH_ARB_OVERCOMMIT);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_HOTADD_REQ);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_HOTADD_REPLY);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_BALLOON_REQ);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_BALLOON_REPLY);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_UNBALLOON_REQ);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_UNBALLOON_REPLY);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_DEFLATE);
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
TRACE_DEFINE_ENUM(DYNMEM_PROTO_BYE_DETACH);
TRACE_DEFINE_ENUM(DYNMEM_PROTO_BYE_PROTOCOL);

#define dmh_show_arb(v)							\
	__print_symbolic(v,						\
			 { DMH_ARB_FIT, "fit" },			\
			 { DMH_ARB_SHARED, "shared" },			\
			 { DMH_ARB_OVERCOMMIT, "overcommit" })

#define dmh_show_type(v)						\
	__print_symbolic(v,						\
			 { DYNMEM_PROTO_HOTADD_REQ, "HOTADD_REQ" },	\
			 { DYNMEM_PROTO_HOTADD_REPLY, "HOTADD_REPLY" },	\
			 { DYNMEM_PROTO_BALLOON_REQ, "BALLOON_REQ" },	\
			 { DYNMEM_PROTO_BALLOON_REPLY, "BALLOON_REPLY" },\
			 { DYNMEM_PROTO_UNBALLOON_REQ, "UNBALLOON_REQ" },\
			 { DYNMEM_PROTO_UNBALLOON_REPLY, "UNBALLOON_REPLY" },\
			 { DYNMEM_PROTO_DEFLATE, "DEFLATE" })

#define dmh_show_welcome(v)						\
	__print_symbolic(v,						\
			 { DYNMEM_PROTO_WELCOME_OK, "OK" },		\
			 { DYNMEM_PROTO_WELCOME_VERSION, "VERSION" },	\
			 { DYNMEM_PROTO_WELCOME_UNKNOWN, "UNKNOWN" },	\
			 { DYNMEM_PROTO_WELCOME_BUSY, "BUSY" },		\
			 { DYNMEM_PROTO_WELCOME_BAD_HELLO, "BAD_HELLO" })

#define dmh_show_hotadd(v)						\
	__print_symbolic(v,						\
			 { DYNMEM_PROTO_HOTADD_ADDED, "ADDED" },	\
			 { DYNMEM_PROTO_HOTADD_NOT_RAM, "NOT_RAM" },	\
			 { DYNMEM_PROTO_HOTADD_PRESENT, "PRESENT" },	\
			 { DYNMEM_PROTO_HOTADD_ALIGN, "ALIGN" },	\
			 { DYNMEM_PROTO_HOTADD_FAILED, "FAILED" },	\
			 { DYNMEM_PROTO_HOTADD_ABORTED, "ABORTED" })

#define dmh_show_ranges(v)						\
	__print_symbolic(v,						\
			 { DYNMEM_PROTO_RANGES_DONE, "DONE" },		\
			 { DYNMEM_PROTO_RANGES_FLOOR, "FLOOR" },	\
			 { DYNMEM_PROTO_RANGES_NOMEM, "NOMEM" },	\
			 { DYNMEM_PROTO_RANGES_EMPTY, "EMPTY" },	\
			 { DYNMEM_PROTO_RANGES_ABORTED, "ABORTED" })

#define dmh_show_bye(v)							\
	__print_symbolic(v,						\
			 { 0, "none" },					\
			 { DYNMEM_PROTO_BYE_UNLOAD, "UNLOAD" },		\
			 { DYNMEM_PROTO_BYE_DETACH, "DETACH" },		\
			 { DYNMEM_PROTO_BYE_PROTOCOL, "PROTOCOL" })

/*
 * dmh_pass - a pass of the arbiter computed the targets
 * @nr: number of VMs that took part (connected guests that reported)
 * @pool: memory the guests may have together
 * @res: the arbiter's summary: status, sum of wishes, sum of targets,
 *	bytes by which the minimums exceed @pool, VMs held by hysteresis
 */
TRACE_EVENT(dmh_pass,
	    TP_PROTO(unsigned int nr, u64 pool, const struct dmh_arb_result *res),
	    TP_ARGS(nr, pool, res),

	    TP_STRUCT__entry(__field(unsigned int, nr)
			     __field(u64, pool)
			     __field(unsigned int, status)
			     __field(u64, wanted)
			     __field(u64, granted)
			     __field(u64, overcommit)
			     __field(u32, held)),

	    TP_fast_assign(__entry->nr = nr;
			   __entry->pool = pool;
			   __entry->status = res->status;
			   __entry->wanted = res->wanted;
			   __entry->granted = res->granted;
			   __entry->overcommit = res->overcommit;
			   __entry->held = res->held;),

	    TP_printk("vms=%u pool=%llu wanted=%llu targets=%llu status=%s overcommit=%llu held=%u",
		      __entry->nr, __entry->pool, __entry->wanted,
		      __entry->granted, dmh_show_arb(__entry->status),
		      __entry->overcommit, __entry->held)
);

/*
 * dmh_target - a pass gave a VM another target
 * @vm: the VM record's name
 * @old: the target before, 0 for none
 * @new: the target now
 * @demand: the demand the pass saw
 */
TRACE_EVENT(dmh_target,
	    TP_PROTO(const char *vm, u64 old, u64 new, u64 demand),
	    TP_ARGS(vm, old, new, demand),

	    TP_STRUCT__entry(__string(vm, vm)
			     __field(u64, old)
			     __field(u64, new)
			     __field(u64, demand)),

	    TP_fast_assign(__assign_str(vm, vm);
			   __entry->old = old;
			   __entry->new = new;
			   __entry->demand = demand;),

	    TP_printk("vm=%s old=%llu new=%llu demand=%llu",
		      __get_str(vm), __entry->old, __entry->new,
		      __entry->demand)
);

/*
 * dmh_request - a request goes to a guest
 * @vm: the VM record's name
 * @type: HOTADD_REQ, BALLOON_REQ or UNBALLOON_REQ
 * @req_seq: its sequence number
 * @bytes: memory asked for (BALLOON_REQ, UNBALLOON_REQ)
 * @offers: memory blocks offered (HOTADD_REQ), else 0
 * @block: the guest's memory block size
 * @len: length of the encoded request; nothing is traced unless positive
 *
 * For a HOTADD_REQ, bytes is the memory offered: @offers * @block.
 */
TRACE_EVENT_CONDITION(dmh_request,
		      TP_PROTO(const char *vm, u16 type, u32 req_seq, u64 bytes,
			       unsigned int offers, u64 block, int len),
		      TP_ARGS(vm, type, req_seq, bytes, offers, block, len),

		      TP_CONDITION(len > 0),

		      TP_STRUCT__entry(__string(vm, vm)
				       __field(u16, type)
				       __field(u32, req_seq)
				       __field(u64, bytes)
				       __field(unsigned int, offers)),

		      TP_fast_assign(__assign_str(vm, vm);
				     __entry->type = type;
				     __entry->req_seq = req_seq;
				     __entry->bytes = type == DYNMEM_PROTO_HOTADD_REQ ?
						      (u64)offers * block : bytes;
				     __entry->offers = offers;),

		      TP_printk("vm=%s type=%s req=%u bytes=%llu offers=%u",
				__get_str(vm), dmh_show_type(__entry->type),
				__entry->req_seq, __entry->bytes,
				__entry->offers)
);

/*
 * dmh_set_report - the report period goes to a guest: at the start of a
 * session and whenever the host's period changed
 * @vm: the VM record's name
 * @period_ms: the period the guest is to report at
 * @len: length of the encoded message; nothing is traced unless positive
 */
TRACE_EVENT_CONDITION(dmh_set_report,
		      TP_PROTO(const char *vm, u32 period_ms, int len),
		      TP_ARGS(vm, period_ms, len),

		      TP_CONDITION(len > 0),

		      TP_STRUCT__entry(__string(vm, vm)
				       __field(u32, period_ms)),

		      TP_fast_assign(__assign_str(vm, vm);
				     __entry->period_ms = period_ms;),

		      TP_printk("vm=%s period_ms=%u", __get_str(vm),
				__entry->period_ms)
);

/*
 * dmh_reply - a guest answered, checked and accepted
 * @vm: the VM record's name
 * @type: HOTADD_REPLY, BALLOON_REPLY, UNBALLOON_REPLY or DEFLATE
 * @req_seq: the request answered; 0 for DEFLATE
 * @bytes: memory done: hot-added, ballooned, or taken back
 * @nr: number of ranges (or of offers answered, for HOTADD_REPLY)
 * @status: enum dynmem_proto_ranges_status; not used for HOTADD_REPLY,
 *	whose ranges each have their dmh_hotadd_result
 * @more: more replies to the same request follow
 */
TRACE_EVENT(dmh_reply,
	    TP_PROTO(const char *vm, u16 type, u32 req_seq, u64 bytes,
		     unsigned int nr, u32 status, bool more),
	    TP_ARGS(vm, type, req_seq, bytes, nr, status, more),

	    TP_STRUCT__entry(__string(vm, vm)
			     __field(u16, type)
			     __field(bool, more)
			     __field(u32, req_seq)
			     __field(u64, bytes)
			     __field(unsigned int, nr)
			     __field(u32, status)),

	    TP_fast_assign(__assign_str(vm, vm);
			   __entry->type = type;
			   __entry->more = more;
			   __entry->req_seq = req_seq;
			   __entry->bytes = bytes;
			   __entry->nr = nr;
			   __entry->status = status;),

	    TP_printk("vm=%s type=%s req=%u bytes=%llu ranges=%u more=%u status=%s",
		      __get_str(vm), dmh_show_type(__entry->type),
		      __entry->req_seq, __entry->bytes, __entry->nr,
		      __entry->more,
		      __entry->type == DYNMEM_PROTO_HOTADD_REPLY ? "-" :
		      dmh_show_ranges(__entry->status))
);

/*
 * dmh_hotadd_result - what a guest made of one hot-add offer
 * @vm: the VM record's name
 * @start: the block offered
 * @len: its length
 * @added: memory of it the guest added
 * @status: enum dynmem_proto_hotadd_status
 */
TRACE_EVENT(dmh_hotadd_result,
	    TP_PROTO(const char *vm, u64 start, u64 len, u64 added, u32 status),
	    TP_ARGS(vm, start, len, added, status),

	    TP_STRUCT__entry(__string(vm, vm)
			     __field(u64, start)
			     __field(u64, len)
			     __field(u64, added)
			     __field(u32, status)),

	    TP_fast_assign(__assign_str(vm, vm);
			   __entry->start = start;
			   __entry->len = len;
			   __entry->added = added;
			   __entry->status = status;),

	    TP_printk("vm=%s start=%#llx len=%#llx added=%#llx status=%s",
		      __get_str(vm), __entry->start, __entry->len,
		      __entry->added, dmh_show_hotadd(__entry->status))
);

/*
 * dmh_release - guest memory went back to the host (or failed to)
 * @vm: the VM record's name
 * @gpa: guest-physical start of the range
 * @len: its length
 * @err: 0, or the -errno of dmh_kvm_release()
 * @ns: time the release took, nanoseconds
 */
TRACE_EVENT(dmh_release,
	    TP_PROTO(const char *vm, u64 gpa, u64 len, int err, u64 ns),
	    TP_ARGS(vm, gpa, len, err, ns),

	    TP_STRUCT__entry(__string(vm, vm)
			     __field(u64, gpa)
			     __field(u64, len)
			     __field(int, err)
			     __field(u64, ns)),

	    TP_fast_assign(__assign_str(vm, vm);
			   __entry->gpa = gpa;
			   __entry->len = len;
			   __entry->err = err;
			   __entry->ns = ns;),

	    TP_printk("vm=%s gpa=%#llx len=%#llx err=%d ns=%llu",
		      __get_str(vm), __entry->gpa, __entry->len,
		      __entry->err, __entry->ns)
);

/*
 * dmh_attach - a VM record attached to the KVM VM of a VMM process
 * @vm: the VM record's name
 * @pid: the VMM's PID, in the namespace of the task that attached it
 * @cid: the record's vsock CID, 0 for none
 */
TRACE_EVENT(dmh_attach,
	    TP_PROTO(const char *vm, u32 pid, u32 cid),
	    TP_ARGS(vm, pid, cid),

	    TP_STRUCT__entry(__string(vm, vm)
			     __field(u32, pid)
			     __field(u32, cid)),

	    TP_fast_assign(__assign_str(vm, vm);
			   __entry->pid = pid;
			   __entry->cid = cid;),

	    TP_printk("vm=%s pid=%u cid=%u", __get_str(vm), __entry->pid,
		      __entry->cid)
);

/*
 * dmh_detach - a VM record let go of its KVM VM
 * @vm: the VM record's name
 * @gone: the VM had gone away (the VMM closed it or exited); else the
 *	record was detached, removed or the module unloads
 */
TRACE_EVENT(dmh_detach,
	    TP_PROTO(const char *vm, bool gone),
	    TP_ARGS(vm, gone),

	    TP_STRUCT__entry(__string(vm, vm)
			     __field(bool, gone)),

	    TP_fast_assign(__assign_str(vm, vm);
			   __entry->gone = gone;),

	    TP_printk("vm=%s vmm_gone=%u", __get_str(vm), __entry->gone)
);

/*
 * dmh_session_open - the host answered a guest's HELLO
 * @vm: the VM record's name, "(none)" if the CID matched none
 * @cid: the guest's CID
 * @result: enum dynmem_proto_welcome_result of the WELCOME
 * @caps: capabilities in use, 0 unless accepted
 * @block: the guest's memory block size
 */
TRACE_EVENT(dmh_session_open,
	    TP_PROTO(const char *vm, u32 cid, u32 result, u64 caps, u64 block),
	    TP_ARGS(vm, cid, result, caps, block),

	    TP_STRUCT__entry(__string(vm, vm)
			     __field(u32, cid)
			     __field(u32, result)
			     __field(u64, caps)
			     __field(u64, block)),

	    TP_fast_assign(__assign_str(vm, vm);
			   __entry->cid = cid;
			   __entry->result = result;
			   __entry->caps = caps;
			   __entry->block = block;),

	    TP_printk("vm=%s cid=%u result=%s caps=%#llx block=%llu",
		      __get_str(vm), __entry->cid,
		      dmh_show_welcome(__entry->result), __entry->caps,
		      __entry->block)
);

/*
 * dmh_session_close - a running session ends
 * @vm: the VM record's name
 * @cid: the guest's CID
 * @bye: the GOODBYE reason the host sends, 0 for none
 * @err: the -errno that ended the session's loop
 */
TRACE_EVENT(dmh_session_close,
	    TP_PROTO(const char *vm, u32 cid, u32 bye, int err),
	    TP_ARGS(vm, cid, bye, err),

	    TP_STRUCT__entry(__string(vm, vm)
			     __field(u32, cid)
			     __field(u32, bye)
			     __field(int, err)
			     __string(reason, dmh_trace_close_reason(bye, err))),

	    TP_fast_assign(__assign_str(vm, vm);
			   __entry->cid = cid;
			   __entry->bye = bye;
			   __entry->err = err;
			   __assign_str(reason, dmh_trace_close_reason(bye, err));),

	    TP_printk("vm=%s cid=%u goodbye=%s err=%d reason=%s",
		      __get_str(vm), __entry->cid, dmh_show_bye(__entry->bye),
		      __entry->err, __get_str(reason))
);

/*
 * dmh_violation - a guest broke the protocol; its connection is dropped
 * @vm: the VM record's name, "(none)" before the handshake matched one
 * @cid: the guest's CID
 * @reason: the rule broken
 */
TRACE_EVENT(dmh_violation,
	    TP_PROTO(const char *vm, u32 cid, const char *reason),
	    TP_ARGS(vm, cid, reason),

	    TP_STRUCT__entry(__string(vm, vm)
			     __field(u32, cid)
			     __string(reason, reason)),

	    TP_fast_assign(__assign_str(vm, vm);
			   __entry->cid = cid;
			   __assign_str(reason, reason);),

	    TP_printk("vm=%s cid=%u reason=%s", __get_str(vm), __entry->cid,
		      __get_str(reason))
);

#endif /* _DMH_TRACE_H */

/* This part must be outside protection */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
