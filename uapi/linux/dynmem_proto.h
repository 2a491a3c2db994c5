/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * dynmem: Dynamic Memory for KVM guests -- the host<->guest wire protocol.
 *
 * Documentation
 * =============
 *
 * Transport
 * ---------
 *
 * The guest driver (dynmem_guest.ko) opens an AF_VSOCK stream socket from
 * its own CID to the host (VMADDR_CID_HOST, CID 2), port DYNMEM_PROTO_PORT.
 * The host module (dynmem_host.ko) listens on that port and maps each
 * connection to a VM by the peer's CID. One connection per VM.
 *
 * Framing
 * -------
 *
 * The stream carries messages back to back. Every message starts with a
 * struct dynmem_proto_hdr of DYNMEM_PROTO_HDR_SIZE bytes whose @len gives
 * the length of the whole message, header included:
 * DYNMEM_PROTO_HDR_SIZE <= len <= DYNMEM_PROTO_MSG_MAX. A receiver reads
 * the header, checks it, then reads len - DYNMEM_PROTO_HDR_SIZE more bytes.
 * Every multi-byte field is little endian. Every payload has one exact
 * size per message type, or a fixed part followed by an array whose element
 * count is in the fixed part; anything else is malformed. Reserved fields
 * and unknown flag bits are zero on sending and rejected on receiving.
 *
 * Everything a peer sends is hostile until checked. A receiver that gets a
 * malformed message, a message of a type it did not negotiate or may not
 * receive in its direction, or a reply to a request it did not make, sends
 * a GOODBYE with DYNMEM_PROTO_BYE_PROTOCOL if it can and closes the
 * connection.
 *
 * Sequence numbers
 * ----------------
 *
 * @seq of the header counts the messages each side sends on a connection:
 * 0 for HELLO (guest) and WELCOME (host), then one more for every message.
 * A receiver may drop the connection when a number is skipped or repeated.
 * A reply names the request it answers by the request's @seq in its
 * @req_seq; a request therefore never has @seq 0.
 *
 * Versions
 * --------
 *
 * DYNMEM_PROTO_MAJOR changes when a change breaks older peers;
 * DYNMEM_PROTO_MINOR when it only adds message types or capability bits.
 * Every header carries the sender's major and minor. The layout of the
 * header, of HELLO and of WELCOME is the same for every major, so that two
 * peers of different majors can always tell each other so:
 *
 *   - peers of the same major and different minors work together: each
 *     ignores the other's capability bits it does not know, and sends a
 *     message type only when a capability both sides announced allows it;
 *   - a host that receives a HELLO of another major logs the versions of
 *     both sides, answers with WELCOME result DYNMEM_PROTO_WELCOME_VERSION
 *     and closes; a guest that receives a WELCOME of another major, or with
 *     that result, logs both versions and does not retry until reloaded.
 *
 * Capabilities
 * ------------
 *
 * HELLO announces what the guest can do (DYNMEM_PROTO_CAP_*); WELCOME
 * returns the subset the host will use. The host sends HOTADD_REQ only with
 * DYNMEM_PROTO_CAP_HOTADD, BALLOON_REQ and UNBALLOON_REQ only with
 * DYNMEM_PROTO_CAP_BALLOON, BALLOON_ACK only with
 * DYNMEM_PROTO_CAP_BALLOON_ACK (protocol 1.1); the guest sends DEFLATE
 * only with DYNMEM_PROTO_CAP_DEFLATE and reports urgently only with
 * DYNMEM_PROTO_CAP_URGENT.
 *
 * Messages
 * --------
 *
 *   type            dir  payload                           size (bytes)
 *   HELLO           g>h  struct dynmem_proto_hello         16
 *   WELCOME         h>g  struct dynmem_proto_welcome       16
 *   STATUS          g>h  struct dynmem_proto_status        104
 *   SET_REPORT      h>g  struct dynmem_proto_set_report    16
 *   HOTADD_REQ      h>g  struct dynmem_proto_range_list    16 + 16 * nr
 *   HOTADD_REPLY    g>h  struct dynmem_proto_hotadd_reply   8 + 32 * nr
 *   BALLOON_REQ     h>g  struct dynmem_proto_bytes         8
 *   BALLOON_REPLY   g>h  struct dynmem_proto_range_list    16 + 16 * nr
 *   UNBALLOON_REQ   h>g  struct dynmem_proto_bytes         8
 *   UNBALLOON_REPLY g>h  struct dynmem_proto_range_list    16 + 16 * nr
 *   DEFLATE         g>h  struct dynmem_proto_range_list    16 + 16 * nr
 *   GOODBYE         both struct dynmem_proto_goodbye       8
 *   BALLOON_ACK     h>g  struct dynmem_proto_balloon_ack   8   (1.1)
 *
 * All sizes and addresses are in bytes. Memory amounts are multiples of
 * DYNMEM_PROTO_PAGE_SIZE and at most DYNMEM_PROTO_BYTES_MAX; guest-physical
 * ranges are non-empty, multiples of DYNMEM_PROTO_PAGE_SIZE (of
 * DYNMEM_PROTO_BLOCK_MIN for hot-add), end at or below
 * DYNMEM_PROTO_ADDR_MAX, and within one message are sorted by address and
 * do not overlap.
 *
 * The host has at most one request (HOTADD_REQ, BALLOON_REQ or
 * UNBALLOON_REQ) outstanding. A BALLOON_REPLY or UNBALLOON_REPLY may come in
 * several messages: all but the last carry DYNMEM_PROTO_RANGES_MORE; the
 * last gives the status of the whole request. The sum of the ranges of all
 * replies to a request never exceeds the bytes the request asked for.
 * Balloon ranges are whole 2 MiB pages wherever the guest could get them.
 *
 * A balloon lives as long as its connection: when a connection ends, the
 * guest gives its balloon pages back to itself. Hot-added memory stays.
 *
 * The host takes the memory of a BALLOON_REPLY (it releases the pages
 * behind the ranges) when it reads the reply, which may be well after the
 * guest sent it. With DYNMEM_PROTO_CAP_BALLOON_ACK, the host sends a
 * BALLOON_ACK once it has acted on a BALLOON_REPLY, naming the reply's
 * @seq; an ACK stands for every BALLOON_REPLY up to that number. Until
 * then the guest must not take the pages of the reply back unasked
 * (DEFLATE), since the host could still release them after the guest
 * reused them. Without the capability the guest cannot tell, and a
 * DEFLATE may race with a reply the host has not read yet.
 *
 * Documentation/protocol.rst draws the message sequence of every flow.
 */

#ifndef _UAPI_LINUX_DYNMEM_PROTO_H
#define _UAPI_LINUX_DYNMEM_PROTO_H

#include <linux/types.h>

/* The vsock port of the host; the host is VMADDR_CID_HOST. */
#define DYNMEM_PROTO_PORT		0x6d64	/* 28004 */

#define DYNMEM_PROTO_MAGIC		0x4d454d44	/* "DMEM" on the wire */
#define DYNMEM_PROTO_MAJOR		1
#define DYNMEM_PROTO_MINOR		1

#define DYNMEM_PROTO_HDR_SIZE		16
/* Largest message, header included. */
#define DYNMEM_PROTO_MSG_MAX		65536

#define DYNMEM_PROTO_PAGE_SIZE		4096ULL
/* 2 MiB: the size of the balloon pieces a guest prefers. */
#define DYNMEM_PROTO_HUGE_SIZE		0x200000ULL
/* Hot-add ranges and memory block sizes are multiples of 128 MiB. */
#define DYNMEM_PROTO_BLOCK_MIN		0x8000000ULL
#define DYNMEM_PROTO_BLOCK_MAX		0x10000000000ULL	/* 1 TiB */
/* Guest-physical addresses are below 2^52, memory amounts at most 2^50. */
#define DYNMEM_PROTO_ADDR_MAX		0x10000000000000ULL
#define DYNMEM_PROTO_BYTES_MAX		0x4000000000000ULL

#define DYNMEM_PROTO_PERIOD_MIN_MS	10
#define DYNMEM_PROTO_PERIOD_MAX_MS	60000
/* The guest reports at this period until the host sets another one. */
#define DYNMEM_PROTO_PERIOD_DEFAULT_MS	100

/**
 * enum dynmem_proto_type - message types; the direction is in brackets
 * @DYNMEM_PROTO_HELLO: (guest to host) first message of a connection
 * @DYNMEM_PROTO_WELCOME: (host to guest) answer to HELLO; accepts or refuses
 * @DYNMEM_PROTO_STATUS: (guest to host) the guest's memory figures
 * @DYNMEM_PROTO_SET_REPORT: (host to guest) report period and threshold
 * @DYNMEM_PROTO_HOTADD_REQ: (host to guest) offer of guest-physical ranges
 *	to hot-add
 * @DYNMEM_PROTO_HOTADD_REPLY: (guest to host) what was added of each range
 * @DYNMEM_PROTO_BALLOON_REQ: (host to guest) give this many bytes to the host
 * @DYNMEM_PROTO_BALLOON_REPLY: (guest to host) the ranges given
 * @DYNMEM_PROTO_UNBALLOON_REQ: (host to guest) take back this many bytes
 * @DYNMEM_PROTO_UNBALLOON_REPLY: (guest to host) the ranges taken back
 * @DYNMEM_PROTO_DEFLATE: (guest to host) ranges taken back unasked, under
 *	memory pressure
 * @DYNMEM_PROTO_GOODBYE: (either way) the sender closes the connection
 * @DYNMEM_PROTO_BALLOON_ACK: (host to guest) the host has acted on the
 *	BALLOON_REPLY messages up to the one named (protocol 1.1)
 * @__DYNMEM_PROTO_TYPE_MAX: one above the last type
 */
enum dynmem_proto_type {
	DYNMEM_PROTO_HELLO = 1,
	DYNMEM_PROTO_WELCOME,
	DYNMEM_PROTO_STATUS,
	DYNMEM_PROTO_SET_REPORT,
	DYNMEM_PROTO_HOTADD_REQ,
	DYNMEM_PROTO_HOTADD_REPLY,
	DYNMEM_PROTO_BALLOON_REQ,
	DYNMEM_PROTO_BALLOON_REPLY,
	DYNMEM_PROTO_UNBALLOON_REQ,
	DYNMEM_PROTO_UNBALLOON_REPLY,
	DYNMEM_PROTO_DEFLATE,
	DYNMEM_PROTO_GOODBYE,
	DYNMEM_PROTO_BALLOON_ACK,

	__DYNMEM_PROTO_TYPE_MAX
};

#define DYNMEM_PROTO_TYPE_MAX (__DYNMEM_PROTO_TYPE_MAX - 1)

/**
 * struct dynmem_proto_hdr - header of every message
 * @magic: DYNMEM_PROTO_MAGIC
 * @major: DYNMEM_PROTO_MAJOR of the sender, never 0
 * @minor: DYNMEM_PROTO_MINOR of the sender
 * @type: enum dynmem_proto_type
 * @len: length of the message including this header
 * @seq: sequence number of the message on its connection, see above
 */
struct dynmem_proto_hdr {
	__le32 magic;
	__u8 major;
	__u8 minor;
	__le16 type;
	__le32 len;
	__le32 seq;
};

/* Capabilities of a guest, announced in HELLO. */
#define DYNMEM_PROTO_CAP_HOTADD		0x1ULL	/* hot-adds offers */
#define DYNMEM_PROTO_CAP_BALLOON	0x2ULL	/* balloons, unballoons */
#define DYNMEM_PROTO_CAP_DEFLATE	0x4ULL	/* deflates on pressure */
#define DYNMEM_PROTO_CAP_URGENT		0x8ULL	/* threshold reports */
/* Since 1.1: the host acknowledges each BALLOON_REPLY it acted on. */
#define DYNMEM_PROTO_CAP_BALLOON_ACK	0x10ULL
#define DYNMEM_PROTO_CAPS_KNOWN		0x1fULL

/**
 * struct dynmem_proto_hello - HELLO: the guest opens a connection
 * @caps: DYNMEM_PROTO_CAP_*; bits the host does not know are ignored
 * @block_size: the guest's memory block size, a power of two between
 *	DYNMEM_PROTO_BLOCK_MIN and DYNMEM_PROTO_BLOCK_MAX; the host offers
 *	hot-add ranges in multiples of it
 *
 * The layout of HELLO never changes, whatever the major version.
 */
struct dynmem_proto_hello {
	__le64 caps;
	__le64 block_size;
};

/**
 * enum dynmem_proto_welcome_result - the host's answer to HELLO
 * @DYNMEM_PROTO_WELCOME_OK: the connection is open
 * @DYNMEM_PROTO_WELCOME_VERSION: the host does not speak the guest's major
 *	version; the versions of the host are in the header
 * @DYNMEM_PROTO_WELCOME_UNKNOWN: no VM on the host is attached with the
 *	guest's CID
 * @DYNMEM_PROTO_WELCOME_BUSY: the VM has a connection already
 * @DYNMEM_PROTO_WELCOME_BAD_HELLO: the HELLO broke a rule of the protocol
 * @__DYNMEM_PROTO_WELCOME_MAX: one above the last result
 */
enum dynmem_proto_welcome_result {
	DYNMEM_PROTO_WELCOME_OK,
	DYNMEM_PROTO_WELCOME_VERSION,
	DYNMEM_PROTO_WELCOME_UNKNOWN,
	DYNMEM_PROTO_WELCOME_BUSY,
	DYNMEM_PROTO_WELCOME_BAD_HELLO,

	__DYNMEM_PROTO_WELCOME_MAX
};

/**
 * struct dynmem_proto_welcome - WELCOME: the host answers HELLO
 * @caps: the capabilities the host will use, a subset of those of the
 *	HELLO; 0 unless @result is DYNMEM_PROTO_WELCOME_OK
 * @result: enum dynmem_proto_welcome_result; other than OK, the host closes
 *	the connection after this message
 * @reserved: zero
 *
 * The layout of WELCOME never changes, whatever the major version.
 */
struct dynmem_proto_welcome {
	__le64 caps;
	__le32 result;
	__le32 reserved;
};

/* The report was sent early: available memory crossed the threshold. */
#define DYNMEM_PROTO_STATUS_URGENT	0x1U
#define DYNMEM_PROTO_STATUS_KNOWN	0x1U

/**
 * struct dynmem_proto_status - STATUS: the guest's memory figures
 * @seq: number of the report since the guest driver was loaded, from 1
 * @flags: DYNMEM_PROTO_STATUS_*
 * @reserved: zero
 * @total: memory visible to the guest (MemTotal), bytes; balloon pages are
 *	part of it
 * @free: free memory (MemFree), bytes
 * @available: memory available to new work (MemAvailable), bytes
 * @committed: memory committed to allocations (Committed_AS), bytes,
 *	clamped to DYNMEM_PROTO_BYTES_MAX
 * @anon: anonymous memory, bytes
 * @file: page cache, bytes
 * @ballooned: memory the driver holds for the host, bytes
 * @hot_added: memory the driver has hot-added since boot, bytes
 * @refaults: workingset refaults since boot (anon and file), a count
 * @swap_in: pages swapped in since boot, a count
 * @swap_out: pages swapped out since boot, a count
 */
struct dynmem_proto_status {
	__le64 seq;
	__le32 flags;
	__le32 reserved;
	__le64 total;
	__le64 free;
	__le64 available;
	__le64 committed;
	__le64 anon;
	__le64 file;
	__le64 ballooned;
	__le64 hot_added;
	__le64 refaults;
	__le64 swap_in;
	__le64 swap_out;
};

/**
 * struct dynmem_proto_set_report - SET_REPORT: how the guest reports
 * @period_ms: report every this many milliseconds,
 *	DYNMEM_PROTO_PERIOD_MIN_MS..DYNMEM_PROTO_PERIOD_MAX_MS
 * @reserved: zero
 * @threshold: with DYNMEM_PROTO_CAP_URGENT, report at once when available
 *	memory falls below or rises above this many bytes; 0: never
 */
struct dynmem_proto_set_report {
	__le32 period_ms;
	__le32 reserved;
	__le64 threshold;
};

/**
 * struct dynmem_proto_range - a range of guest-physical memory
 * @start: first byte
 * @len: length in bytes, not 0
 */
struct dynmem_proto_range {
	__le64 start;
	__le64 len;
};

/* More replies to the same request follow this one. */
#define DYNMEM_PROTO_RANGES_MORE	0x1U
#define DYNMEM_PROTO_RANGES_KNOWN	0x1U

/**
 * enum dynmem_proto_ranges_status - outcome of a (un)balloon request
 * @DYNMEM_PROTO_RANGES_DONE: all that was asked, or more replies follow
 * @DYNMEM_PROTO_RANGES_FLOOR: (balloon) the guest stopped at the least
 *	memory it keeps for itself
 * @DYNMEM_PROTO_RANGES_NOMEM: (balloon) the guest could not allocate more
 * @DYNMEM_PROTO_RANGES_EMPTY: (unballoon) the balloon held less than asked
 * @DYNMEM_PROTO_RANGES_ABORTED: the guest stopped before the end, for
 *	example because it is unloading
 * @__DYNMEM_PROTO_RANGES_MAX: one above the last status
 */
enum dynmem_proto_ranges_status {
	DYNMEM_PROTO_RANGES_DONE,
	DYNMEM_PROTO_RANGES_FLOOR,
	DYNMEM_PROTO_RANGES_NOMEM,
	DYNMEM_PROTO_RANGES_EMPTY,
	DYNMEM_PROTO_RANGES_ABORTED,

	__DYNMEM_PROTO_RANGES_MAX
};

/**
 * struct dynmem_proto_range_list - a list of ranges
 * @req_seq: @seq of the request answered (BALLOON_REPLY, UNBALLOON_REPLY);
 *	0 in HOTADD_REQ and DEFLATE
 * @flags: DYNMEM_PROTO_RANGES_MORE in a reply that is not the last one of
 *	its request, and in a DEFLATE that another one follows; 0 otherwise
 * @nr: number of ranges after this structure; at least 1 but in the last
 *	reply to a request; at most DYNMEM_PROTO_RANGES_MAX, and at most
 *	DYNMEM_PROTO_HOTADD_MAX in HOTADD_REQ (so that the reply fits)
 * @status: in the last reply to a request, enum dynmem_proto_ranges_status;
 *	0 otherwise
 * @reserved: zero
 * @range: the ranges: for HOTADD_REQ, multiples of DYNMEM_PROTO_BLOCK_MIN
 *	(and of the guest's block size) that the guest may add; for the
 *	others, multiples of DYNMEM_PROTO_PAGE_SIZE given to or taken back
 *	from the host
 */
struct dynmem_proto_range_list {
	__le32 req_seq;
	__le16 flags;
	__le16 nr;
	__le32 status;
	__le32 reserved;
	struct dynmem_proto_range range[];
};

#define DYNMEM_PROTO_RANGES_MAX						\
	((DYNMEM_PROTO_MSG_MAX - DYNMEM_PROTO_HDR_SIZE -		\
	  sizeof(struct dynmem_proto_range_list)) /			\
	 sizeof(struct dynmem_proto_range))

/**
 * enum dynmem_proto_hotadd_status - what became of an offered range
 * @DYNMEM_PROTO_HOTADD_ADDED: all of it was added and is online
 * @DYNMEM_PROTO_HOTADD_NOT_RAM: part of it is not System RAM in the guest's
 *	firmware memory map
 * @DYNMEM_PROTO_HOTADD_PRESENT: part of it is present in the guest already
 * @DYNMEM_PROTO_HOTADD_ALIGN: not a multiple of the guest's block size
 * @DYNMEM_PROTO_HOTADD_FAILED: adding or onlining a block failed
 * @DYNMEM_PROTO_HOTADD_ABORTED: the guest stopped before this range, for
 *	example because it is unloading
 * @__DYNMEM_PROTO_HOTADD_MAX: one above the last status
 */
enum dynmem_proto_hotadd_status {
	DYNMEM_PROTO_HOTADD_ADDED,
	DYNMEM_PROTO_HOTADD_NOT_RAM,
	DYNMEM_PROTO_HOTADD_PRESENT,
	DYNMEM_PROTO_HOTADD_ALIGN,
	DYNMEM_PROTO_HOTADD_FAILED,
	DYNMEM_PROTO_HOTADD_ABORTED,

	__DYNMEM_PROTO_HOTADD_MAX
};

/**
 * struct dynmem_proto_hotadd_result - what became of one offered range
 * @start: the range as offered
 * @len: the range as offered
 * @added: bytes added from @start on, a multiple of DYNMEM_PROTO_BLOCK_MIN;
 *	equal to @len exactly when @status is DYNMEM_PROTO_HOTADD_ADDED
 * @status: enum dynmem_proto_hotadd_status: why @added is less than @len
 * @reserved: zero
 */
struct dynmem_proto_hotadd_result {
	__le64 start;
	__le64 len;
	__le64 added;
	__le32 status;
	__le32 reserved;
};

/**
 * struct dynmem_proto_hotadd_reply - HOTADD_REPLY: answer to HOTADD_REQ
 * @req_seq: @seq of the HOTADD_REQ answered
 * @nr: number of results, one per offered range and in the same order
 * @reserved: zero
 * @result: the results
 */
struct dynmem_proto_hotadd_reply {
	__le32 req_seq;
	__le16 nr;
	__le16 reserved;
	struct dynmem_proto_hotadd_result result[];
};

#define DYNMEM_PROTO_HOTADD_MAX						\
	((DYNMEM_PROTO_MSG_MAX - DYNMEM_PROTO_HDR_SIZE -		\
	  sizeof(struct dynmem_proto_hotadd_reply)) /			\
	 sizeof(struct dynmem_proto_hotadd_result))

/**
 * struct dynmem_proto_bytes - BALLOON_REQ, UNBALLOON_REQ: an amount
 * @bytes: memory to give to (BALLOON_REQ) or take back from (UNBALLOON_REQ)
 *	the host, a non-zero multiple of DYNMEM_PROTO_PAGE_SIZE
 */
struct dynmem_proto_bytes {
	__le64 bytes;
};

/**
 * enum dynmem_proto_bye - why a peer closes the connection
 * @DYNMEM_PROTO_BYE_UNLOAD: the sender's driver or module is unloading
 * @DYNMEM_PROTO_BYE_SHUTDOWN: the guest is shutting down
 * @DYNMEM_PROTO_BYE_DETACH: the host no longer manages this VM
 * @DYNMEM_PROTO_BYE_PROTOCOL: the receiver broke the protocol
 * @__DYNMEM_PROTO_BYE_MAX: one above the last reason
 */
enum dynmem_proto_bye {
	DYNMEM_PROTO_BYE_UNLOAD = 1,
	DYNMEM_PROTO_BYE_SHUTDOWN,
	DYNMEM_PROTO_BYE_DETACH,
	DYNMEM_PROTO_BYE_PROTOCOL,

	__DYNMEM_PROTO_BYE_MAX
};

/**
 * struct dynmem_proto_goodbye - GOODBYE: the sender closes the connection
 * @reason: enum dynmem_proto_bye
 * @reserved: zero
 */
struct dynmem_proto_goodbye {
	__le32 reason;
	__le32 reserved;
};

/**
 * struct dynmem_proto_balloon_ack - BALLOON_ACK: balloon replies acted on
 * @reply_seq: @seq of the newest BALLOON_REPLY the host has acted on: it
 *	released the memory of that reply and of every BALLOON_REPLY before
 *	it; a BALLOON_REPLY sent and not acknowledged yet, and above the
 *	last acknowledged one (so never 0)
 * @reserved: zero
 */
struct dynmem_proto_balloon_ack {
	__le32 reply_seq;
	__le32 reserved;
};

#endif /* _UAPI_LINUX_DYNMEM_PROTO_H */
