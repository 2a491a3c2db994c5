// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile guest: speaks the dynmem protocol over AF_VSOCK by itself and
 * breaks it in one way per connection. For each case it checks that the
 * host answers as the protocol says (WELCOME with a refusal, or GOODBYE
 * PROTOCOL) and closes the connection. KTAP on stdout; the host's log
 * lines are checked in L1 by the scenario.
 *
 * Run in a guest whose dynmem_guest.ko is not loaded, whose VM record is
 * attached, with RAM from 512 MiB to 1 GiB that the guest does not use
 * (mem=256M, -m 1G): the host releases ranges there.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>
#include <linux/dynmem_proto.h>

#define MIB (1ULL << 20)

static int nr, failed;
static uint32_t tx_seq;

static void result(int ok, const char *name)
{
	nr++;
	printf("%sok %d %s\n", ok ? "" : "not ", nr, name);
	if (!ok)
		failed++;
	fflush(stdout);
}

static int conn(void)
{
	struct sockaddr_vm a = {
		.svm_family = AF_VSOCK,
		.svm_cid = VMADDR_CID_HOST,
		.svm_port = DYNMEM_PROTO_PORT,
	};
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_VSOCK, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		printf("# connect: %s\n", strerror(errno));
		exit(1);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	tx_seq = 0;
	return fd;
}

/* Send a header claiming @len and @plen bytes of @payload. */
static void send_raw(int fd, uint16_t type, uint32_t len, uint8_t major,
		     const void *payload, size_t plen)
{
	uint8_t buf[DYNMEM_PROTO_HDR_SIZE + 65536];
	struct dynmem_proto_hdr h = {
		.magic = DYNMEM_PROTO_MAGIC, .major = major,
		.minor = 0, .type = type, .len = len, .seq = tx_seq++,
	};

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), payload, plen);
	if (write(fd, buf, sizeof(h) + plen) < 0)
		printf("# write: %s\n", strerror(errno));
}

static void send_msg(int fd, uint16_t type, const void *payload, size_t plen)
{
	send_raw(fd, type, DYNMEM_PROTO_HDR_SIZE + plen, DYNMEM_PROTO_MAJOR,
		 payload, plen);
}

static int read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (uint8_t *)buf + got, len - got);
		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

/* Read one message: its type, or -1 at the end of the stream. */
static int recv_msg(int fd, struct dynmem_proto_hdr *h, uint8_t *payload)
{
	if (read_full(fd, h, sizeof(*h)))
		return -1;
	if (h->len < sizeof(*h) || h->len > DYNMEM_PROTO_MSG_MAX)
		return -1;
	if (read_full(fd, payload, h->len - sizeof(*h)))
		return -1;
	return h->type;
}

static uint8_t pl[65536];

/* Wait for a message of @type; its header in @h. */
static int wait_type(int fd, int type, struct dynmem_proto_hdr *h)
{
	int t;

	while ((t = recv_msg(fd, h, pl)) >= 0)
		if (t == type)
			return 0;
	return -1;
}

/* The host must say GOODBYE PROTOCOL, then close. */
static int bye_protocol(int fd)
{
	struct dynmem_proto_hdr h;
	struct dynmem_proto_goodbye g;
	int ok;

	ok = !wait_type(fd, DYNMEM_PROTO_GOODBYE, &h);
	memcpy(&g, pl, sizeof(g));
	ok = ok && g.reason == DYNMEM_PROTO_BYE_PROTOCOL;
	ok = ok && recv_msg(fd, &h, pl) < 0;
	close(fd);
	return ok;
}

static int hello(int fd, uint8_t major)
{
	struct dynmem_proto_hello he = {
		.caps = DYNMEM_PROTO_CAPS_KNOWN,
		.block_size = DYNMEM_PROTO_BLOCK_MIN,
	};
	struct dynmem_proto_welcome w;
	struct dynmem_proto_hdr h;

	send_raw(fd, DYNMEM_PROTO_HELLO, DYNMEM_PROTO_HDR_SIZE + sizeof(he),
		 major, &he, sizeof(he));
	if (wait_type(fd, DYNMEM_PROTO_WELCOME, &h))
		return -1;
	memcpy(&w, pl, sizeof(w));
	return w.result;
}

static int open_session(void)
{
	int fd = conn();
	int r = hello(fd, DYNMEM_PROTO_MAJOR);

	if (r != DYNMEM_PROTO_WELCOME_OK) {
		printf("# WELCOME result %d\n", r);
		close(fd);
		return -1;
	}
	return fd;
}

/* A report that makes the host want 512 MiB back; the BALLOON_REQ. */
static int balloon_req(int fd, uint32_t *req_seq, uint64_t *bytes)
{
	struct dynmem_proto_status st = {
		.seq = 1, .total = 900 * MIB, .free = 850 * MIB,
		.available = 850 * MIB,
	};
	struct dynmem_proto_hdr h;
	struct dynmem_proto_bytes b;

	send_msg(fd, DYNMEM_PROTO_STATUS, &st, sizeof(st));
	if (wait_type(fd, DYNMEM_PROTO_BALLOON_REQ, &h))
		return -1;
	memcpy(&b, pl, sizeof(b));
	*req_seq = h.seq;
	*bytes = b.bytes;
	return 0;
}

static void send_ranges(int fd, uint16_t type, uint32_t req_seq,
			uint16_t flags, uint64_t start, uint64_t len)
{
	struct {
		struct dynmem_proto_range_list l;
		struct dynmem_proto_range r;
	} m = {
		.l = { .req_seq = req_seq, .flags = flags, .nr = 1 },
		.r = { .start = start, .len = len },
	};

	send_msg(fd, type, &m, sizeof(m));
}

int main(void)
{
	struct dynmem_proto_status st = { .seq = 1, .total = 256 * MIB };
	struct dynmem_proto_welcome w = {};
	struct dynmem_proto_hdr h;
	uint32_t req_seq;
	uint64_t bytes;
	int fd, r;

	printf("KTAP version 1\n1..12\n");

	fd = conn();
	r = hello(fd, DYNMEM_PROTO_MAJOR + 1);
	result(r == DYNMEM_PROTO_WELCOME_VERSION && recv_msg(fd, &h, pl) < 0,
	       "hostile_bad_version_refused");
	close(fd);

	fd = conn();
	send_msg(fd, DYNMEM_PROTO_STATUS, &st, sizeof(st));
	r = !wait_type(fd, DYNMEM_PROTO_WELCOME, &h);
	memcpy(&w, pl, sizeof(w));
	result(r && w.result == DYNMEM_PROTO_WELCOME_BAD_HELLO,
	       "hostile_no_hello_refused");
	close(fd);

	fd = open_session();
	send_raw(fd, DYNMEM_PROTO_STATUS, DYNMEM_PROTO_MSG_MAX + 1,
		 DYNMEM_PROTO_MAJOR, &st, sizeof(st));
	result(fd >= 0 && bye_protocol(fd), "hostile_oversize_dropped");

	fd = open_session();
	send_msg(fd, DYNMEM_PROTO_STATUS, &st, 50);
	result(fd >= 0 && bye_protocol(fd), "hostile_truncated_dropped");

	fd = open_session();
	tx_seq = 7;
	send_msg(fd, DYNMEM_PROTO_STATUS, &st, sizeof(st));
	result(fd >= 0 && bye_protocol(fd), "hostile_seq_skip_dropped");

	fd = open_session();
	send_ranges(fd, DYNMEM_PROTO_UNBALLOON_REPLY, 1, 0, 600 * MIB, 4096);
	result(fd >= 0 && bye_protocol(fd), "hostile_reply_without_request_dropped");

	fd = open_session();
	send_ranges(fd, DYNMEM_PROTO_DEFLATE, 0, 0, 600 * MIB, 2 * MIB);
	result(fd >= 0 && bye_protocol(fd), "hostile_deflate_not_ballooned_dropped");

	fd = open_session();
	r = fd >= 0 && !balloon_req(fd, &req_seq, &bytes);
	if (r)
		send_ranges(fd, DYNMEM_PROTO_BALLOON_REPLY, req_seq, 0,
			    64ULL << 30, 2 * MIB);
	result(r && bye_protocol(fd), "hostile_outside_ram_dropped");

	fd = open_session();
	r = fd >= 0 && !balloon_req(fd, &req_seq, &bytes);
	if (r) {
		send_ranges(fd, DYNMEM_PROTO_BALLOON_REPLY, req_seq,
			    DYNMEM_PROTO_RANGES_MORE, 600 * MIB, 2 * MIB);
		send_ranges(fd, DYNMEM_PROTO_BALLOON_REPLY, req_seq, 0,
			    600 * MIB, 2 * MIB);
	}
	result(r && bye_protocol(fd), "hostile_duplicate_dropped");

	fd = open_session();
	r = fd >= 0 && !balloon_req(fd, &req_seq, &bytes);
	if (r)
		send_ranges(fd, DYNMEM_PROTO_BALLOON_REPLY, req_seq, 0,
			    512 * MIB, bytes + 2 * MIB);
	result(r && bye_protocol(fd), "hostile_more_than_asked_dropped");

	/* An acknowledgment is the host's to send. */
	fd = open_session();
	{
		struct dynmem_proto_balloon_ack a = { .reply_seq = 1 };

		send_msg(fd, DYNMEM_PROTO_BALLOON_ACK, &a, sizeof(a));
	}
	result(fd >= 0 && bye_protocol(fd), "hostile_balloon_ack_from_guest_dropped");

	/*
	 * Not hostile: a valid reply (2 MiB of the RAM above the guest's
	 * boot memory) is acknowledged by its sequence number.
	 */
	fd = open_session();
	r = fd >= 0 && !balloon_req(fd, &req_seq, &bytes);
	if (r) {
		struct dynmem_proto_balloon_ack a;
		uint32_t reply_seq = tx_seq;

		send_ranges(fd, DYNMEM_PROTO_BALLOON_REPLY, req_seq, 0,
			    602 * MIB, 2 * MIB);
		r = !wait_type(fd, DYNMEM_PROTO_BALLOON_ACK, &h);
		memcpy(&a, pl, sizeof(a));
		printf("# BALLOON_ACK %s, reply_seq %u (reply %u)\n",
		       r ? "received" : "not received", r ? a.reply_seq : 0,
		       reply_seq);
		r = r && a.reply_seq == reply_seq && !a.reserved;
		close(fd);
	}
	result(r, "valid_balloon_reply_acknowledged");

	printf("# Totals: pass:%d fail:%d skip:0\n", nr - failed, failed);
	return failed ? 1 : 0;
}
