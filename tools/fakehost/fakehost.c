// SPDX-License-Identifier: GPL-2.0
/*
 * fakehost: plays the host side of the dynmem protocol over AF_VSOCK, so
 * that dynmem_guest.ko can be driven and watched without dynmem_host.ko.
 *
 *   fakehost [--port P] [--cid N] [-c 'CMD; CMD; ...']
 *
 * Listens on VMADDR_CID_ANY, port P (DYNMEM_PROTO_PORT), and takes
 * connections from guest CID N only (any with no --cid). Commands come
 * from -c, separated by ';', or else one per line on standard input; each
 * ends with a line "done N NAME" or "fail N NAME: WHY", N counting the
 * commands from 1. With -c, the first failure ends the program with
 * status 1. Sizes take K, M, G (binary units); addresses C notation.
 *
 *   accept [SECONDS]        wait for a guest, take its HELLO, WELCOME it
 *   set-report MS BYTES     send SET_REPORT (period, urgent threshold)
 *   wait-status N [SECONDS] wait for N more STATUS messages
 *   status                  print the last STATUS
 *   hotadd START LEN ...    send HOTADD_REQ, print each result
 *   balloon BYTES           send BALLOON_REQ, print what came back
 *   unballoon BYTES         send UNBALLOON_REQ, print what came back
 *   wait-goodbye [SECONDS]  wait until the guest says GOODBYE and closes
 *   caps MASK               grant at most these capabilities at the next
 *                           accept (all known ones by default)
 *   ack on|off              acknowledge each BALLOON_REPLY at once (on,
 *                           the default, as the host does) or hold the
 *                           acknowledgments back (off)
 *   ack send [SEQ]          send BALLOON_ACK of SEQ, by default of the
 *                           newest reply not acknowledged
 *   bad-seq                 send a SET_REPORT with a wrong sequence number
 *   close                   close the connection
 *   sleep MS
 *
 * Everything the guest sends is printed as a line: "hello ...", "status
 * ...", "hotadd ...", "balloon ...", "unballoon ...", "deflate ...",
 * "goodbye reason=R", "closed"; a message that breaks the protocol gives
 * "violation: WHY".
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../host/codec.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

/* struct sockaddr_vm of <linux/vm_sockets.h>, which clashes with the
 * codec's stand-in kernel headers.
 */
struct fh_sockaddr_vm {
	unsigned short svm_family;
	unsigned short svm_reserved1;
	unsigned int svm_port;
	unsigned int svm_cid;
	unsigned char svm_flags;
	unsigned char svm_zero[3];
};

#define FH_CID_ANY	0xffffffffU

static int listen_fd = -1;
static int conn = -1;
static unsigned int want_cid = FH_CID_ANY;
static u32 tx_seq, rx_seq;
static unsigned long long statuses;
static struct dmp_status last_status;
static int have_status;
static u8 rx[DYNMEM_PROTO_MSG_MAX];
static u8 tx[DYNMEM_PROTO_MSG_MAX];
static char why_buf[256];
static int goodbye_seen;
static u64 caps_mask = DYNMEM_PROTO_CAPS_KNOWN;
static u64 caps_used;
static int auto_ack = 1;
static u32 unacked_reply;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why_buf, sizeof(why_buf), fmt, ap);
	va_end(ap);
	return -1;
}

static int parse_size(const char *s, u64 *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	if (*end) {
		const char *units = "KMGT";
		const char *u = strchr(units, *end & ~0x20);

		if (!u || end[1])
			return -1;
		v <<= 10 * (u - units + 1);
	}
	*out = v;
	return 0;
}

static void drop_conn(const char *what)
{
	if (conn < 0)
		return;
	close(conn);
	conn = -1;
	printf("closed%s%s\n", what ? " " : "", what ? what : "");
}

static int send_msg(int len)
{
	int off = 0;

	if (len < 0)
		return fail("encode: %s", strerror(-len));
	if (conn < 0)
		return fail("not connected");
	while (off < len) {
		ssize_t n = send(conn, tx + off, len - off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fail("send: %s", strerror(errno));
		}
		off += n;
	}
	tx_seq++;
	return 0;
}

/* Read exactly @len bytes within @deadline; 0, or -1 on EOF/error/time. */
static int read_full(u8 *buf, size_t len, long long deadline)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = conn, .events = POLLIN };
		long long left = deadline - now_ms();
		ssize_t n;

		if (left <= 0)
			return fail("timed out");
		if (poll(&p, 1, left) <= 0)
			continue;
		n = recv(conn, buf + got, len - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			drop_conn(n < 0 ? strerror(errno) : NULL);
			return fail("connection closed");
		}
		got += n;
	}
	return 0;
}

/*
 * Receive one message from the guest into @msg. Return 1 for a message,
 * 0 when none came before @deadline, -1 when the connection ended or the
 * guest broke the protocol (then it is closed).
 */
static int recv_msg(struct dmp_msg *msg, long long deadline)
{
	struct pollfd p = { .fd = conn, .events = POLLIN };
	const char *why = NULL;
	struct dmp_hdr hdr;
	long long left = deadline - now_ms();
	int len, err;

	if (conn < 0)
		return fail("not connected");
	if (poll(&p, 1, left > 0 ? left : 0) <= 0)
		return 0;
	if (read_full(rx, DYNMEM_PROTO_HDR_SIZE, now_ms() + 10000))
		return -1;
	len = dmp_decode_hdr(rx, DYNMEM_PROTO_HDR_SIZE, &hdr, &why);
	if (len < 0) {
		printf("violation: header: %s\n", why);
		drop_conn(NULL);
		return fail("bad header");
	}
	if (read_full(rx + DYNMEM_PROTO_HDR_SIZE, len - DYNMEM_PROTO_HDR_SIZE,
		      now_ms() + 10000))
		return -1;
	err = dmp_decode(rx, len, DMP_FROM_GUEST, msg, &why);
	if (err) {
		printf("violation: %s: %s\n", dmp_type_name(hdr.type), why);
		drop_conn(NULL);
		return fail("bad message");
	}
	if (msg->hdr.seq != rx_seq) {
		printf("violation: %s seq %u, expected %u\n",
		       dmp_type_name(hdr.type), msg->hdr.seq, rx_seq);
		drop_conn(NULL);
		return fail("bad sequence number");
	}
	rx_seq++;
	return 1;
}

static void print_status(const struct dmp_status *s)
{
	printf("status seq=%llu flags=%u total=%llu free=%llu available=%llu ",
	       (unsigned long long)s->seq, s->flags,
	       (unsigned long long)s->total, (unsigned long long)s->free,
	       (unsigned long long)s->available);
	printf("committed=%llu anon=%llu file=%llu ballooned=%llu ",
	       (unsigned long long)s->committed,
	       (unsigned long long)s->anon, (unsigned long long)s->file,
	       (unsigned long long)s->ballooned);
	printf("hot_added=%llu refaults=%llu swap_in=%llu swap_out=%llu\n",
	       (unsigned long long)s->hot_added,
	       (unsigned long long)s->refaults,
	       (unsigned long long)s->swap_in,
	       (unsigned long long)s->swap_out);
}

/* Sum and check a list of ranges; print it as one line. */
static u64 print_ranges(const char *what, const struct dmp_range_list *l)
{
	u64 sum = 0, end = 0;
	unsigned int i, huge = 0;

	for (i = 0; i < l->nr; i++) {
		struct dmp_range r = dmp_range_at(l, i);

		if (i && r.start < end)
			printf("violation: %s ranges overlap or unsorted\n", what);
		end = r.start + r.len;
		sum += r.len;
		if (!(r.start % DYNMEM_PROTO_HUGE_SIZE) &&
		    !(r.len % DYNMEM_PROTO_HUGE_SIZE))
			huge++;
	}
	printf("%s req=%u ranges=%u bytes=%llu huge_ranges=%u more=%u status=%u\n",
	       what, l->req_seq, l->nr, (unsigned long long)sum, huge,
	       !!(l->flags & DYNMEM_PROTO_RANGES_MORE), l->status);
	return sum;
}

/*
 * Messages the guest may send unasked: STATUS, DEFLATE, GOODBYE. Return
 * 1 when @msg was one of those, 0 otherwise.
 */
static int handle_async(const struct dmp_msg *msg)
{
	switch (msg->hdr.type) {
	case DYNMEM_PROTO_STATUS:
		statuses++;
		last_status = msg->status;
		have_status = 1;
		if (msg->status.flags & DYNMEM_PROTO_STATUS_URGENT)
			print_status(&msg->status);
		return 1;
	case DYNMEM_PROTO_DEFLATE:
		print_ranges("deflate", &msg->ranges);
		return 1;
	case DYNMEM_PROTO_GOODBYE:
		printf("goodbye reason=%u\n", msg->goodbye_reason);
		goodbye_seen = 1;
		return 1;
	default:
		return 0;
	}
}

/* Wait for a message of @type, handling the others; 0 or -1. */
static int wait_type(u16 type, struct dmp_msg *msg, long long deadline)
{
	for (;;) {
		int ret = recv_msg(msg, deadline);

		if (ret < 0)
			return -1;
		if (!ret)
			return fail("no %s in time", dmp_type_name(type));
		if (msg->hdr.type == type)
			return 0;
		if (!handle_async(msg)) {
			printf("violation: unexpected %s\n",
			       dmp_type_name(msg->hdr.type));
			return fail("unexpected %s", dmp_type_name(msg->hdr.type));
		}
		if (goodbye_seen && type != DYNMEM_PROTO_GOODBYE)
			return fail("guest said goodbye");
	}
}

/*
 * Take the next connection whose handshake completes. A guest that waited
 * too long for its WELCOME (while this program was not yet told to accept)
 * has given up and closed that connection: skip it and wait for the guest's
 * next attempt, as the real host would.
 */
static int cmd_accept(int argc, char **argv)
{
	long long deadline = now_ms() + (argc > 1 ? atoi(argv[1]) : 60) * 1000LL;
	struct dmp_welcome w = { .result = DYNMEM_PROTO_WELCOME_OK };
	struct dmp_msg msg;

	drop_conn(NULL);
	for (;;) {
		struct pollfd p = { .fd = listen_fd, .events = POLLIN };
		struct fh_sockaddr_vm peer;
		socklen_t plen = sizeof(peer);
		long long left = deadline - now_ms();

		if (left <= 0)
			return fail("no guest connected");
		if (poll(&p, 1, left) <= 0)
			continue;
		conn = accept(listen_fd, (struct sockaddr *)&peer, &plen);
		if (conn < 0)
			return fail("accept: %s", strerror(errno));
		if (want_cid != FH_CID_ANY && peer.svm_cid != want_cid) {
			printf("refused cid=%u\n", peer.svm_cid);
			close(conn);
			conn = -1;
			continue;
		}
		printf("connection cid=%u\n", peer.svm_cid);
		tx_seq = 0;
		rx_seq = 0;
		goodbye_seen = 0;
		if (wait_type(DYNMEM_PROTO_HELLO, &msg, now_ms() + 10000)) {
			drop_conn("(stale: no HELLO)");
			continue;
		}
		printf("hello major=%u minor=%u caps=%#llx block_size=%llu\n",
		       msg.hdr.major, msg.hdr.minor,
		       (unsigned long long)msg.hello.caps,
		       (unsigned long long)msg.hello.block_size);
		w.caps = msg.hello.caps & caps_mask;
		caps_used = w.caps;
		unacked_reply = 0;
		if (!send_msg(dmp_encode_welcome(tx, sizeof(tx), tx_seq, &w)))
			return 0;
		printf("stale connection: %s\n", why_buf);
		drop_conn(NULL);
	}
}

static int cmd_set_report(int argc, char **argv)
{
	struct dmp_set_report s;
	u64 thr;

	if (argc != 3 || parse_size(argv[2], &thr))
		return fail("usage: set-report MS BYTES");
	s.period_ms = atoi(argv[1]);
	s.threshold = thr;
	return send_msg(dmp_encode_set_report(tx, sizeof(tx), tx_seq, &s));
}

static int cmd_wait_status(int argc, char **argv)
{
	unsigned long long want = statuses + (argc > 1 ? atoi(argv[1]) : 1);
	long long t0 = now_ms();
	long long deadline = t0 + (argc > 2 ? atoi(argv[2]) : 30) * 1000LL;
	unsigned long long first = statuses;
	struct dmp_msg msg;

	while (statuses < want) {
		int ret = recv_msg(&msg, deadline);

		if (ret < 0)
			return -1;
		if (!ret)
			return fail("%llu of %llu reports in time",
				    statuses - first, want - first);
		if (!handle_async(&msg)) {
			printf("violation: unexpected %s\n",
			       dmp_type_name(msg.hdr.type));
			return fail("unexpected message");
		}
		if (goodbye_seen)
			return fail("guest said goodbye");
	}
	printf("reports=%llu in %lld ms\n", statuses - first, now_ms() - t0);
	print_status(&last_status);
	return 0;
}

static int cmd_status(void)
{
	if (!have_status)
		return fail("no report yet");
	printf("reports=%llu\n", statuses);
	print_status(&last_status);
	return 0;
}

static const char * const hotadd_status[] = {
	"ADDED", "NOT_RAM", "PRESENT", "ALIGN", "FAILED", "ABORTED",
};

static int cmd_hotadd(int argc, char **argv)
{
	struct dmp_range r[64];
	struct dmp_range_list l = { .nr = 0 };
	struct dmp_msg msg;
	u32 seq = tx_seq;
	unsigned int i;

	if (argc < 3 || !(argc & 1) || argc / 2 > 64)
		return fail("usage: hotadd START LEN [START LEN...]");
	for (i = 0; i < (unsigned int)argc / 2; i++)
		if (parse_size(argv[1 + 2 * i], &r[i].start) ||
		    parse_size(argv[2 + 2 * i], &r[i].len))
			return fail("bad range");
	l.nr = argc / 2;
	if (send_msg(dmp_encode_ranges(tx, sizeof(tx), DYNMEM_PROTO_HOTADD_REQ,
				       tx_seq, &l, r)))
		return -1;
	if (wait_type(DYNMEM_PROTO_HOTADD_REPLY, &msg, now_ms() + 600000))
		return -1;
	if (msg.hotadd_reply.req_seq != seq || msg.hotadd_reply.nr != l.nr) {
		printf("violation: hotadd reply req=%u nr=%u\n",
		       msg.hotadd_reply.req_seq, msg.hotadd_reply.nr);
		return fail("reply does not match");
	}
	for (i = 0; i < msg.hotadd_reply.nr; i++) {
		struct dmp_hotadd_result res =
			dmp_hotadd_result_at(&msg.hotadd_reply, i);

		printf("hotadd start=%#llx len=%#llx added=%#llx status=%s\n",
		       (unsigned long long)res.start,
		       (unsigned long long)res.len,
		       (unsigned long long)res.added,
		       res.status < 6 ? hotadd_status[res.status] : "?");
	}
	return 0;
}

static int send_ack(u32 reply_seq)
{
	if (send_msg(dmp_encode_balloon_ack(tx, sizeof(tx), tx_seq, reply_seq)))
		return -1;
	printf("ack reply=%u\n", reply_seq);
	if (reply_seq == unacked_reply)
		unacked_reply = 0;
	return 0;
}

static int cmd_caps(int argc, char **argv)
{
	u64 mask;

	if (argc != 2 || parse_size(argv[1], &mask))
		return fail("usage: caps MASK");
	caps_mask = mask;
	return 0;
}

static int cmd_ack(int argc, char **argv)
{
	u64 seq;

	if (argc == 2 && !strcmp(argv[1], "on")) {
		auto_ack = 1;
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "off")) {
		auto_ack = 0;
		return 0;
	}
	if (argc < 2 || argc > 3 || strcmp(argv[1], "send"))
		return fail("usage: ack on|off|send [SEQ]");
	if (argc == 3)
		return parse_size(argv[2], &seq) ? fail("bad SEQ") :
						   send_ack((u32)seq);
	return unacked_reply ? send_ack(unacked_reply) :
			       fail("no reply to acknowledge");
}

static int cmd_balloon(int argc, char **argv, u16 req, u16 reply,
		       const char *what)
{
	struct dmp_msg msg;
	u32 seq = tx_seq;
	u64 bytes, sum = 0;
	unsigned int n = 0;

	if (argc != 2 || parse_size(argv[1], &bytes))
		return fail("usage: %s BYTES", what);
	if (send_msg(dmp_encode_bytes(tx, sizeof(tx), req, tx_seq, bytes)))
		return -1;
	do {
		if (wait_type(reply, &msg, now_ms() + 600000))
			return -1;
		if (msg.ranges.req_seq != seq) {
			printf("violation: %s reply to %u, asked %u\n", what,
			       msg.ranges.req_seq, seq);
			return fail("reply does not match");
		}
		sum += print_ranges(what, &msg.ranges);
		n++;
		if (reply == DYNMEM_PROTO_BALLOON_REPLY &&
		    (caps_used & DYNMEM_PROTO_CAP_BALLOON_ACK)) {
			unacked_reply = msg.hdr.seq;
			if (auto_ack && send_ack(msg.hdr.seq))
				return -1;
		}
	} while (msg.ranges.flags & DYNMEM_PROTO_RANGES_MORE);
	if (sum > bytes)
		printf("violation: %s of %llu bytes answered with %llu\n", what,
		       (unsigned long long)bytes, (unsigned long long)sum);
	printf("%s total=%llu asked=%llu replies=%u status=%u\n", what,
	       (unsigned long long)sum, (unsigned long long)bytes, n,
	       msg.ranges.status);
	return 0;
}

static int cmd_wait_goodbye(int argc, char **argv)
{
	long long deadline = now_ms() + (argc > 1 ? atoi(argv[1]) : 30) * 1000LL;
	struct dmp_msg msg;

	if (!goodbye_seen && wait_type(DYNMEM_PROTO_GOODBYE, &msg, deadline))
		return -1;
	if (!goodbye_seen)
		handle_async(&msg);
	/* The guest closes after GOODBYE: expect the end of the stream. */
	while (conn >= 0) {
		int ret = recv_msg(&msg, deadline);

		if (ret < 0)
			break;
		if (!ret)
			return fail("connection still open after goodbye");
		printf("violation: %s after goodbye\n",
		       dmp_type_name(msg.hdr.type));
	}
	return 0;
}

static int cmd_bad_seq(void)
{
	struct dmp_set_report s = { .period_ms = 100 };

	return send_msg(dmp_encode_set_report(tx, sizeof(tx), tx_seq + 5, &s));
}

static int run(char *line, unsigned int nr)
{
	char *argv[140];
	int argc = 0, ret;
	char *tok, *save = NULL;
	const char *name;

	for (tok = strtok_r(line, " \t\n", &save); tok && argc < 139;
	     tok = strtok_r(NULL, " \t\n", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	if (!argc)
		return 0;
	name = argv[0];
	why_buf[0] = 0;
	if (!strcmp(name, "accept"))
		ret = cmd_accept(argc, argv);
	else if (!strcmp(name, "set-report"))
		ret = cmd_set_report(argc, argv);
	else if (!strcmp(name, "wait-status"))
		ret = cmd_wait_status(argc, argv);
	else if (!strcmp(name, "status"))
		ret = cmd_status();
	else if (!strcmp(name, "hotadd"))
		ret = cmd_hotadd(argc, argv);
	else if (!strcmp(name, "balloon"))
		ret = cmd_balloon(argc, argv, DYNMEM_PROTO_BALLOON_REQ,
				  DYNMEM_PROTO_BALLOON_REPLY, "balloon");
	else if (!strcmp(name, "unballoon"))
		ret = cmd_balloon(argc, argv, DYNMEM_PROTO_UNBALLOON_REQ,
				  DYNMEM_PROTO_UNBALLOON_REPLY, "unballoon");
	else if (!strcmp(name, "wait-goodbye"))
		ret = cmd_wait_goodbye(argc, argv);
	else if (!strcmp(name, "caps"))
		ret = cmd_caps(argc, argv);
	else if (!strcmp(name, "ack"))
		ret = cmd_ack(argc, argv);
	else if (!strcmp(name, "bad-seq"))
		ret = cmd_bad_seq();
	else if (!strcmp(name, "close"))
		ret = (drop_conn(NULL), 0);
	else if (!strcmp(name, "sleep"))
		ret = (usleep(atoi(argc > 1 ? argv[1] : "0") * 1000), 0);
	else
		ret = fail("unknown command");
	if (ret)
		printf("fail %u %s: %s\n", nr, name, why_buf);
	else
		printf("done %u %s\n", nr, name);
	return ret;
}

/* While waiting for a command, keep taking the guest's reports. */
static void idle(void)
{
	struct dmp_msg msg;

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = 0, .events = POLLIN },
			{ .fd = conn, .events = POLLIN },
		};

		if (poll(p, conn >= 0 ? 2 : 1, -1) < 0)
			continue;
		if (p[0].revents)
			return;
		if (conn >= 0 && p[1].revents) {
			int ret = recv_msg(&msg, now_ms());

			if (ret > 0 && !handle_async(&msg))
				printf("violation: unexpected %s\n",
				       dmp_type_name(msg.hdr.type));
		}
	}
}

int main(int argc, char **argv)
{
	struct fh_sockaddr_vm addr = {
		.svm_family = AF_VSOCK,
		.svm_port = DYNMEM_PROTO_PORT,
		.svm_cid = FH_CID_ANY,
	};
	const char *script = NULL;
	char line[4096];
	unsigned int nr = 0;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--port") && i + 1 < argc) {
			addr.svm_port = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--cid") && i + 1 < argc) {
			want_cid = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "-c") && i + 1 < argc) {
			script = argv[++i];
		} else {
			fprintf(stderr, "usage: fakehost [--port P] [--cid N] [-c 'CMD; ...']\n");
			return 2;
		}
	}
	listen_fd = socket(AF_VSOCK, SOCK_STREAM, 0);
	if (listen_fd < 0 ||
	    bind(listen_fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(listen_fd, 4)) {
		perror("fakehost: vsock listen");
		return 1;
	}
	printf("listening port=%u\n", addr.svm_port);

	if (script) {
		char *copy = strdup(script), *cmd, *save = NULL;

		for (cmd = strtok_r(copy, ";", &save); cmd;
		     cmd = strtok_r(NULL, ";", &save))
			if (run(cmd, ++nr))
				return 1;
		return 0;
	}
	for (;;) {
		idle();
		if (!fgets(line, sizeof(line), stdin))
			break;
		if (!strncmp(line, "quit", 4))
			break;
		run(line, ++nr);
	}
	drop_conn(NULL);
	return 0;
}
