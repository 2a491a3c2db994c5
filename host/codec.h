/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dynmem wire codec: encoders and a checking decoder for the host<->guest
 * protocol of uapi/linux/dynmem_proto.h.
 *
 * Shared by both sides, its symbols carry the prefix dmp_ (dynmem
 * protocol) rather than that of one module. It is pure code: no locks, no
 * allocation, no sockets, so the one source builds into dynmem_host.ko,
 * into dynmem_guest.ko (guest/codec.c), into the KUnit suite dynmem_codec
 * and into the userspace test and fuzzer under tools/proto/.
 *
 * The decoder treats its input as hostile: it reads nothing beyond the
 * length it is given, and accepts a message only when every rule of the
 * protocol that one message can break holds. Rules that need the state of
 * a connection (sequence numbers, requests outstanding, which ranges the
 * VM owns) are the caller's. Encoders run the decoder on what they wrote, so
 * neither side can send what the other would refuse.
 */
#ifndef _DMP_CODEC_H
#define _DMP_CODEC_H

#include <linux/types.h>
#include <linux/dynmem_proto.h>

/**
 * enum dmp_from - the side a message comes from
 * @DMP_FROM_GUEST: sent by the guest driver, received by the host
 * @DMP_FROM_HOST: sent by the host module, received by the guest
 */
enum dmp_from {
	DMP_FROM_GUEST = 1,
	DMP_FROM_HOST,
};

/**
 * struct dmp_hdr - a message header, decoded
 * @type: enum dynmem_proto_type
 * @major: the sender's major version
 * @minor: the sender's minor version
 * @len: length of the message, header included
 * @seq: the message's sequence number
 */
struct dmp_hdr {
	u16 type;
	u8 major;
	u8 minor;
	u32 len;
	u32 seq;
};

/** struct dmp_hello - HELLO, see struct dynmem_proto_hello */
struct dmp_hello {
	u64 caps;
	u64 block_size;
};

/** struct dmp_welcome - WELCOME, see struct dynmem_proto_welcome */
struct dmp_welcome {
	u64 caps;
	u32 result;
};

/** struct dmp_status - STATUS, see struct dynmem_proto_status */
struct dmp_status {
	u64 seq;
	u32 flags;
	u64 total;
	u64 free;
	u64 available;
	u64 committed;
	u64 anon;
	u64 file;
	u64 ballooned;
	u64 hot_added;
	u64 refaults;
	u64 swap_in;
	u64 swap_out;
};

/** struct dmp_set_report - SET_REPORT, see struct dynmem_proto_set_report */
struct dmp_set_report {
	u32 period_ms;
	u64 threshold;
};

/** struct dmp_range - a guest-physical range, see struct dynmem_proto_range */
struct dmp_range {
	u64 start;
	u64 len;
};

/**
 * struct dmp_range_list - HOTADD_REQ, BALLOON_REPLY, UNBALLOON_REPLY and
 *	DEFLATE, see struct dynmem_proto_range_list
 * @req_seq: @seq of the request answered, or 0
 * @flags: DYNMEM_PROTO_RANGES_*
 * @nr: number of ranges
 * @status: enum dynmem_proto_ranges_status
 * @wire: decoded messages only: the ranges in the decoded buffer, read with
 *	dmp_range_at(); the buffer must outlive the use of the message
 */
struct dmp_range_list {
	u32 req_seq;
	u16 flags;
	u16 nr;
	u32 status;
	const void *wire;
};

/**
 * struct dmp_hotadd_result - one result of HOTADD_REPLY, see
 *	struct dynmem_proto_hotadd_result
 * @start: the range as offered
 * @len: the range as offered
 * @added: bytes added from @start on
 * @status: enum dynmem_proto_hotadd_status
 */
struct dmp_hotadd_result {
	u64 start;
	u64 len;
	u64 added;
	u32 status;
};

/**
 * struct dmp_hotadd_reply - HOTADD_REPLY, see struct dynmem_proto_hotadd_reply
 * @req_seq: @seq of the HOTADD_REQ answered
 * @nr: number of results
 * @wire: decoded messages only: the results in the decoded buffer, read
 *	with dmp_hotadd_result_at(); the buffer must outlive the use
 */
struct dmp_hotadd_reply {
	u32 req_seq;
	u16 nr;
	const void *wire;
};

/**
 * struct dmp_msg - a decoded message
 * @hdr: the header
 * @hello: HELLO
 * @welcome: WELCOME
 * @status: STATUS
 * @set_report: SET_REPORT
 * @bytes: BALLOON_REQ and UNBALLOON_REQ
 * @ranges: HOTADD_REQ, BALLOON_REPLY, UNBALLOON_REPLY, DEFLATE
 * @hotadd_reply: HOTADD_REPLY
 * @goodbye_reason: GOODBYE, enum dynmem_proto_bye
 * @ack_seq: BALLOON_ACK, the @seq of the BALLOON_REPLY acknowledged
 */
struct dmp_msg {
	struct dmp_hdr hdr;
	union {
		struct dmp_hello hello;
		struct dmp_welcome welcome;
		struct dmp_status status;
		struct dmp_set_report set_report;
		u64 bytes;
		struct dmp_range_list ranges;
		struct dmp_hotadd_reply hotadd_reply;
		u32 goodbye_reason;
		u32 ack_seq;
	};
};

int dmp_decode_hdr(const void *buf, size_t len, struct dmp_hdr *hdr,
		   const char **why);
int dmp_decode(const void *buf, size_t len, enum dmp_from from,
	       struct dmp_msg *msg, const char **why);
struct dmp_range dmp_range_at(const struct dmp_range_list *list,
			      unsigned int i);
struct dmp_hotadd_result dmp_hotadd_result_at(const struct dmp_hotadd_reply *r,
					      unsigned int i);

int dmp_encode_hello(void *buf, size_t size, u32 seq,
		     const struct dmp_hello *hello);
int dmp_encode_welcome(void *buf, size_t size, u32 seq,
		       const struct dmp_welcome *welcome);
int dmp_encode_status(void *buf, size_t size, u32 seq,
		      const struct dmp_status *status);
int dmp_encode_set_report(void *buf, size_t size, u32 seq,
			  const struct dmp_set_report *set);
int dmp_encode_bytes(void *buf, size_t size, u16 type, u32 seq, u64 bytes);
int dmp_encode_ranges(void *buf, size_t size, u16 type, u32 seq,
		      const struct dmp_range_list *list,
		      const struct dmp_range *range);
int dmp_encode_hotadd_reply(void *buf, size_t size, u32 seq, u32 req_seq,
			    const struct dmp_hotadd_result *result, u16 nr);
int dmp_encode_goodbye(void *buf, size_t size, u32 seq, u32 reason);
int dmp_encode_balloon_ack(void *buf, size_t size, u32 seq, u32 reply_seq);

const char *dmp_type_name(u16 type);

#endif /* _DMP_CODEC_H */
