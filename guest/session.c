// SPDX-License-Identifier: GPL-2.0
/*
 * The session with the host: one kernel thread owns the vsock connection.
 *
 * Overview
 * ========
 *
 * The thread connects to the host (VMADDR_CID_HOST, DYNMEM_PROTO_PORT),
 * says HELLO with the driver's capabilities and memory block size, and
 * waits for WELCOME. Connected, it sends a STATUS every period the host set
 * (DYNMEM_PROTO_PERIOD_DEFAULT_MS until SET_REPORT), and at once with the
 * URGENT flag when available memory crosses the host's threshold; it serves
 * the host's requests one at a time (hot-add, balloon, unballoon), since
 * the host has at most one outstanding, and reports what the OOM notifier
 * took back from the balloon with DEFLATE.
 *
 * Whatever ends a connection, the thread sorts it into one of:
 *
 *   - stop: the driver is unloading (GOODBYE UNLOAD is sent), or the host
 *     speaks another major version (state REFUSED until reload);
 *   - retry later: the host is absent, refused the HELLO, said GOODBYE,
 *     closed, or broke the protocol (GOODBYE PROTOCOL is sent). The thread
 *     waits DMG_BACKOFF_MIN_MS, doubling on every failed attempt up to
 *     DMG_BACKOFF_MAX_MS; a WELCOME resets the wait.
 *
 * A balloon lives as long as its connection: when one ends, its pages go
 * back to the guest. Everything the host sends is hostile: dmp_decode()
 * checks each message, and the session checks what needs its state:
 * sequence numbers, the direction and order of messages, the capabilities
 * negotiated.
 *
 * The thread polls the socket with a receive timeout, the tick: the
 * report period, or DMG_URGENT_TICK_MS while the host has set a threshold,
 * so that a crossing is reported within that time.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/memory.h>
#include <linux/mman.h>
#include <linux/net.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/vm_sockets.h>
#include <linux/vmstat.h>
#include <net/sock.h>

#include "dmg.h"
#include "trace.h"

#define DMG_BACKOFF_MIN_MS	250
#define DMG_BACKOFF_MAX_MS	8000
/* The host must answer HELLO within this time. */
#define DMG_WELCOME_TIMEOUT_MS	5000
/* A send that makes no progress for this long ends the connection. */
#define DMG_SEND_TIMEOUT_MS	5000
/* How long a closing connection waits for the host to close its end. */
#define DMG_CLOSE_TIMEOUT_MS	10000
#define DMG_URGENT_TICK_MS	20

#define DMG_CAPS (DYNMEM_PROTO_CAP_HOTADD | DYNMEM_PROTO_CAP_BALLOON | \
		  DYNMEM_PROTO_CAP_DEFLATE | DYNMEM_PROTO_CAP_URGENT | \
		  DYNMEM_PROTO_CAP_BALLOON_ACK)

/**
 * struct dmg_session - the session thread's own data; no lock, since only
 *	the thread touches it
 * @sock: the connection, NULL between connections
 * @tx_seq: sequence number of the next message sent
 * @rx_seq: sequence number expected of the next message received
 * @status_seq: number of the last STATUS sent since load
 * @backoff_ms: wait before the next connection attempt
 * @next_report: jiffies at which the next periodic STATUS is due
 * @below: available memory was below the threshold at the last check
 * @rx_fill: bytes of the message being received that are in @rx
 * @rx_len: length of that message once its header is in, else 0
 * @bye_reason: GOODBYE reason to send when closing, 0: none
 * @events: scratch for all_vm_events()
 * @deflated: scratch for the ranges of DEFLATE
 * @rx: the message being received
 * @tx: the message being sent
 */
struct dmg_session {
	struct socket *sock;
	u32 tx_seq;
	u32 rx_seq;
	u64 status_seq;
	unsigned int backoff_ms;
	unsigned long next_report;
	bool below;
	size_t rx_fill;
	size_t rx_len;
	u32 bye_reason;
	unsigned long events[NR_VM_EVENT_ITEMS];
	struct dmp_range deflated[DMG_DEFLATE_MAX];
	u8 rx[DYNMEM_PROTO_MSG_MAX];
	u8 tx[DYNMEM_PROTO_MSG_MAX];
};

static const char * const dmg_state_names[] = {
	[DMG_STATE_CONNECTING] = "connecting",
	[DMG_STATE_HANDSHAKE] = "handshake",
	[DMG_STATE_CONNECTED] = "connected",
	[DMG_STATE_BACKOFF] = "backoff",
	[DMG_STATE_REFUSED] = "refused",
	[DMG_STATE_STOPPING] = "stopping",
};

/**
 * dmg_state_name() - the name of a state, as sysfs shows it
 * @state: enum dmg_state
 *
 * Context: any.
 * Return: a static string.
 */
const char *dmg_state_name(enum dmg_state state)
{
	if (state < ARRAY_SIZE(dmg_state_names) && dmg_state_names[state])
		return dmg_state_names[state];
	return "unknown";
}

/*
 * @err: the -errno that ended the previous connection, or 0
 * @reason: why, for the dmg_state trace event
 */
static void dmg_set_state(struct dmg *dmg, enum dmg_state state, int err,
			  const char *reason)
{
	mutex_lock(&dmg->lock);
	if (dmg->state != state) {
		pr_debug("state %s -> %s\n", dmg_state_name(dmg->state),
			 dmg_state_name(state));
		trace_dmg_state(dmg->state, state, err, reason);
	}
	dmg->state = state;
	if (state != DMG_STATE_CONNECTED) {
		dmg->caps = 0;
		if (state != DMG_STATE_REFUSED)
			dmg->host_major = 0;
	}
	mutex_unlock(&dmg->lock);
}

/**
 * dmg_session_stopping() - whether the driver is unloading
 * @dmg: the driver
 *
 * Long operations of the session thread (balloon, hot-add) check it
 * between steps.
 *
 * Context: the session thread.
 * Return: true when the thread has been asked to stop.
 */
bool dmg_session_stopping(struct dmg *dmg)
{
	return kthread_should_stop();
}

/**
 * dmg_session_kick() - have the session thread look at its work early
 * @dmg: the driver
 *
 * Context: any, also atomic.
 */
void dmg_session_kick(struct dmg *dmg)
{
	if (dmg->thread)
		wake_up_process(dmg->thread);
}

static int dmg_send(struct dmg *dmg, int len)
{
	struct dmg_session *s = dmg->sess;
	struct kvec iov = { .iov_base = s->tx, .iov_len = len };
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	int sent = 0, ret;

	if (len < 0)
		return len;
	while (sent < len) {
		iov.iov_base = s->tx + sent;
		iov.iov_len = len - sent;
		ret = kernel_sendmsg(s->sock, &msg, &iov, 1, len - sent);
		if (ret < 0)
			return ret;
		if (ret == 0)
			return -EPIPE;
		sent += ret;
	}
	s->tx_seq++;
	return 0;
}

/**
 * dmg_session_tx_seq() - sequence number of the next message sent
 * @dmg: the driver
 *
 * Context: the session thread, connected.
 * Return: the number.
 */
u32 dmg_session_tx_seq(struct dmg *dmg)
{
	return dmg->sess->tx_seq;
}

/**
 * dmg_session_send_ranges() - send a range list message to the host
 * @dmg: the driver
 * @type: DYNMEM_PROTO_BALLOON_REPLY, _UNBALLOON_REPLY or _DEFLATE
 * @req_seq: the request answered, 0 for DEFLATE
 * @flags: DYNMEM_PROTO_RANGES_*
 * @status: enum dynmem_proto_ranges_status, in the last reply
 * @range: @nr ranges, sorted, not overlapping
 * @nr: number of ranges, at most DYNMEM_PROTO_RANGES_MAX
 *
 * Context: the session thread, connected. May sleep.
 * Return: 0 or -errno; an error ends the connection.
 */
int dmg_session_send_ranges(struct dmg *dmg, u16 type, u32 req_seq,
			    u16 flags, u32 status, struct dmp_range *range,
			    unsigned int nr)
{
	struct dmg_session *s = dmg->sess;
	struct dmp_range_list list = {
		.req_seq = req_seq,
		.flags = flags,
		.nr = nr,
		.status = status,
	};
	int err;

	err = dmg_send(dmg, dmp_encode_ranges(s->tx, sizeof(s->tx), type,
					      s->tx_seq, &list, range));
	if (!err)
		trace_dmg_ranges_sent(type, req_seq, flags, status, range, nr);
	return err;
}

static u64 dmg_pages(unsigned long pages)
{
	return (u64)pages << PAGE_SHIFT;
}

static void dmg_status_fill(struct dmg *dmg, struct dmp_status *st)
{
	struct dmg_session *s = dmg->sess;
	long committed = vm_memory_committed();

	st->total = dmg_pages(totalram_pages());
	st->free = dmg_pages(global_zone_page_state(NR_FREE_PAGES));
	st->available = dmg_pages(si_mem_available());
	st->committed = committed > 0 ?
			min_t(u64, dmg_pages(committed), DYNMEM_PROTO_BYTES_MAX) : 0;
	st->anon = dmg_pages(global_node_page_state(NR_ACTIVE_ANON) +
			     global_node_page_state(NR_INACTIVE_ANON));
	st->file = dmg_pages(global_node_page_state(NR_FILE_PAGES));
	st->ballooned = dmg_balloon_bytes(dmg);
	st->hot_added = atomic64_read(&dmg->hot_added);
	st->refaults = global_node_page_state(WORKINGSET_REFAULT_ANON) +
		       global_node_page_state(WORKINGSET_REFAULT_FILE);
	all_vm_events(s->events);
	st->swap_in = s->events[PSWPIN];
	st->swap_out = s->events[PSWPOUT];
}

static int dmg_send_status(struct dmg *dmg, u32 flags)
{
	struct dmg_session *s = dmg->sess;
	struct dmp_status st = { .flags = flags };
	int err;

	dmg_status_fill(dmg, &st);
	st.seq = s->status_seq + 1;
	err = dmg_send(dmg, dmp_encode_status(s->tx, sizeof(s->tx), s->tx_seq,
					      &st));
	if (err)
		return err;
	s->status_seq++;
	atomic64_inc(&dmg->reports);
	trace_dmg_status(&st);
	return 0;
}

/* The tick: how long one wait for the host's messages lasts. */
static long dmg_tick(struct dmg *dmg)
{
	u32 ms;

	mutex_lock(&dmg->lock);
	ms = dmg->period_ms;
	if (dmg->threshold && (dmg->caps & DYNMEM_PROTO_CAP_URGENT))
		ms = min_t(u32, ms, DMG_URGENT_TICK_MS);
	mutex_unlock(&dmg->lock);
	return msecs_to_jiffies(ms);
}

/**
 * dmg_session_flush_deflate() - tell the host what the OOM notifier took back
 * @dmg: the driver
 *
 * Sent before every BALLOON_REPLY too, so that a page freed under pressure
 * and ballooned again is reported in the order it happened.
 *
 * Context: the session thread, connected. May sleep.
 * Return: number of DEFLATE messages sent, or -errno.
 */
int dmg_session_flush_deflate(struct dmg *dmg)
{
	struct dmg_session *s = dmg->sess;
	unsigned int nr;
	int sent = 0, err;

	do {
		nr = dmg_balloon_take_deflated(dmg, s->deflated,
					       ARRAY_SIZE(s->deflated));
		if (!nr)
			break;
		err = dmg_session_send_ranges(dmg, DYNMEM_PROTO_DEFLATE, 0, 0, 0,
					      s->deflated, nr);
		if (err)
			return err;
		sent++;
	} while (nr == ARRAY_SIZE(s->deflated));
	return sent;
}

/* Reports due at this tick: the periodic one, an urgent one, DEFLATE. */
static int dmg_session_tick(struct dmg *dmg)
{
	struct dmg_session *s = dmg->sess;
	u64 threshold;
	u32 period;
	bool urgent = false;
	int err;

	mutex_lock(&dmg->lock);
	threshold = (dmg->caps & DYNMEM_PROTO_CAP_URGENT) ? dmg->threshold : 0;
	period = dmg->period_ms;
	mutex_unlock(&dmg->lock);

	if (threshold) {
		bool below = dmg_pages(si_mem_available()) < threshold;

		urgent = below != s->below;
		s->below = below;
	}

	err = dmg_session_flush_deflate(dmg);
	if (err < 0)
		return err;
	if (err > 0 && threshold)
		urgent = true;

	if (urgent || time_after_eq(jiffies, s->next_report)) {
		err = dmg_send_status(dmg, urgent ? DYNMEM_PROTO_STATUS_URGENT : 0);
		if (err)
			return err;
		s->next_report = jiffies + msecs_to_jiffies(period);
	}
	return 0;
}

static int dmg_handle_hotadd(struct dmg *dmg, const struct dmp_msg *msg)
{
	struct dmg_session *s = dmg->sess;
	struct dmp_hotadd_result *res;
	int err;

	trace_dmg_hotadd_req(msg->hdr.seq, msg->ranges.nr);
	res = kvcalloc(msg->ranges.nr, sizeof(*res), GFP_KERNEL);
	if (!res)
		return -ENOMEM;
	/* Balloon pages go back first: the host then knows the guest's size. */
	err = dmg_balloon_give_back(dmg);
	if (err)
		goto err_free_res;
	dmg_hotadd(dmg, msg, res);
	err = dmg_send(dmg, dmp_encode_hotadd_reply(s->tx, sizeof(s->tx),
						    s->tx_seq, msg->hdr.seq, res,
						    msg->ranges.nr));
err_free_res:
	kvfree(res);
	return err;
}

static int dmg_handle_welcome(struct dmg *dmg, const struct dmp_msg *msg)
{
	const struct dmp_welcome *w = &msg->welcome;
	struct dmg_session *s = dmg->sess;

	if (w->result != DYNMEM_PROTO_WELCOME_OK) {
		trace_dmg_handshake(msg->hdr.major, msg->hdr.minor, w->result,
				    w->caps, 0, -ECONNREFUSED);
		pr_warn("host refused the connection (result %u)\n", w->result);
		return -ECONNREFUSED;
	}
	mutex_lock(&dmg->lock);
	dmg->host_major = msg->hdr.major;
	dmg->host_minor = msg->hdr.minor;
	dmg->caps = w->caps & DMG_CAPS;
	dmg->period_ms = DYNMEM_PROTO_PERIOD_DEFAULT_MS;
	dmg->threshold = 0;
	mutex_unlock(&dmg->lock);
	trace_dmg_handshake(msg->hdr.major, msg->hdr.minor, w->result, w->caps,
			    w->caps & DMG_CAPS, 0);
	dmg_set_state(dmg, DMG_STATE_CONNECTED, 0, "WELCOME accepted");
	dmg_balloon_set_caps(dmg, w->caps & DMG_CAPS);
	atomic_inc(&dmg->connects);
	s->backoff_ms = DMG_BACKOFF_MIN_MS;
	s->next_report = jiffies;
	pr_info("connected to the host, protocol %u.%u, caps %#llx\n",
		msg->hdr.major, msg->hdr.minor, w->caps & DMG_CAPS);
	return 0;
}

static bool dmg_has_cap(struct dmg *dmg, u64 cap)
{
	bool ret;

	mutex_lock(&dmg->lock);
	ret = dmg->caps & cap;
	mutex_unlock(&dmg->lock);
	return ret;
}

/* One whole message from the host is in the receive buffer: act on it. */
/* The host broke the protocol with @msg: say why, end the connection. */
static int dmg_violation(struct dmg *dmg, const struct dmp_msg *msg,
			 const char *why)
{
	pr_warn("host broke the protocol (%s, seq %u): %s: dropping the connection\n",
		dmp_type_name(msg->hdr.type), msg->hdr.seq, why);
	trace_dmg_violation(msg->hdr.type, msg->hdr.seq, why);
	dmg->sess->bye_reason = DYNMEM_PROTO_BYE_PROTOCOL;
	return -EPROTO;
}

static int dmg_handle(struct dmg *dmg, enum dmg_state state)
{
	struct dmg_session *s = dmg->sess;
	const char *why = NULL;
	struct dmp_msg msg;
	int err;

	err = dmp_decode(s->rx, s->rx_len, DMP_FROM_HOST, &msg, &why);
	if (err == -EPROTONOSUPPORT && msg.hdr.type == DYNMEM_PROTO_WELCOME) {
		pr_err("host speaks protocol %u.%u, driver %u.x: refused\n",
		       msg.hdr.major, msg.hdr.minor, DYNMEM_PROTO_MAJOR);
		trace_dmg_handshake(msg.hdr.major, msg.hdr.minor,
				    msg.welcome.result, msg.welcome.caps, 0,
				    -EPROTONOSUPPORT);
		mutex_lock(&dmg->lock);
		dmg->host_major = msg.hdr.major;
		dmg->host_minor = msg.hdr.minor;
		mutex_unlock(&dmg->lock);
		return -EPROTONOSUPPORT;
	}
	if (err) {
		pr_warn("bad message from the host: %s: dropping the connection\n",
			why ? why : "malformed");
		trace_dmg_violation(0, 0, why ? why : "malformed");
		s->bye_reason = DYNMEM_PROTO_BYE_PROTOCOL;
		return -EPROTO;
	}
	why = NULL;
	if (msg.hdr.seq != s->rx_seq)
		why = "sequence number skipped or repeated";
	else if ((state == DMG_STATE_HANDSHAKE) !=
		 (msg.hdr.type == DYNMEM_PROTO_WELCOME))
		why = state == DMG_STATE_HANDSHAKE ? "message before WELCOME" :
						     "WELCOME twice";
	else if (msg.hdr.type == DYNMEM_PROTO_HOTADD_REQ &&
		 !dmg_has_cap(dmg, DYNMEM_PROTO_CAP_HOTADD))
		why = "HOTADD_REQ not negotiated";
	else if ((msg.hdr.type == DYNMEM_PROTO_BALLOON_REQ ||
		  msg.hdr.type == DYNMEM_PROTO_UNBALLOON_REQ) &&
		 !dmg_has_cap(dmg, DYNMEM_PROTO_CAP_BALLOON))
		why = "balloon request not negotiated";
	if (why)
		return dmg_violation(dmg, &msg, why);
	s->rx_seq++;

	switch (msg.hdr.type) {
	case DYNMEM_PROTO_WELCOME:
		return dmg_handle_welcome(dmg, &msg);
	case DYNMEM_PROTO_SET_REPORT:
		mutex_lock(&dmg->lock);
		dmg->period_ms = msg.set_report.period_ms;
		dmg->threshold = msg.set_report.threshold;
		mutex_unlock(&dmg->lock);
		trace_dmg_set_report(msg.set_report.period_ms,
				     msg.set_report.threshold);
		s->below = dmg_pages(si_mem_available()) < msg.set_report.threshold;
		s->next_report = jiffies;
		return 0;
	case DYNMEM_PROTO_HOTADD_REQ:
		return dmg_handle_hotadd(dmg, &msg);
	case DYNMEM_PROTO_BALLOON_REQ:
		return dmg_balloon_inflate(dmg, msg.hdr.seq, msg.bytes);
	case DYNMEM_PROTO_UNBALLOON_REQ:
		return dmg_balloon_deflate(dmg, msg.hdr.seq, msg.bytes);
	case DYNMEM_PROTO_BALLOON_ACK:
		if (dmg_balloon_ack(dmg, msg.ack_seq, &why))
			return dmg_violation(dmg, &msg, why);
		return 0;
	case DYNMEM_PROTO_GOODBYE:
		pr_info("host said goodbye (reason %u)\n", msg.goodbye_reason);
		trace_dmg_goodbye(false, msg.goodbye_reason);
		return -ECONNRESET;
	default:
		/* dmp_decode() lets through only messages of the host. */
		return -EPROTO;
	}
}

/*
 * Receive what the socket has of the current message, waiting at most
 * one tick. Return: 1 when a whole message is in, 0 when not yet, -errno
 * when the connection must end.
 */
static int dmg_recv(struct dmg *dmg, long timeout)
{
	struct dmg_session *s = dmg->sess;
	size_t want = s->rx_len ? s->rx_len : DYNMEM_PROTO_HDR_SIZE;
	struct kvec iov = {
		.iov_base = s->rx + s->rx_fill,
		.iov_len = want - s->rx_fill,
	};
	struct msghdr msg = { };
	struct dmp_hdr hdr;
	const char *why = NULL;
	int ret;

	s->sock->sk->sk_rcvtimeo = max(timeout, 1L);
	ret = kernel_recvmsg(s->sock, &msg, &iov, 1, iov.iov_len, 0);
	if (ret == -EAGAIN || ret == -EINTR || ret == -ERESTARTSYS)
		return 0;
	if (ret < 0)
		return ret;
	if (ret == 0)
		return -ECONNRESET;
	s->rx_fill += ret;
	if (s->rx_fill < want)
		return 0;
	if (!s->rx_len) {
		ret = dmp_decode_hdr(s->rx, s->rx_fill, &hdr, &why);
		/* HELLO and WELCOME keep their layout across majors. */
		if (ret < 0 && !(ret == -EPROTONOSUPPORT &&
				 hdr.type == DYNMEM_PROTO_WELCOME)) {
			pr_warn("bad header from the host: %s: dropping the connection\n",
				why ? why : "malformed");
			trace_dmg_violation(0, 0, why ? why : "malformed");
			s->bye_reason = DYNMEM_PROTO_BYE_PROTOCOL;
			return -EPROTO;
		}
		s->rx_len = hdr.len;
		if (s->rx_fill < s->rx_len)
			return 0;
	}
	return 1;
}

static int dmg_connect(struct dmg *dmg)
{
	struct dmg_session *s = dmg->sess;
	struct sockaddr_vm addr = {
		.svm_family = AF_VSOCK,
		.svm_cid = VMADDR_CID_HOST,
		.svm_port = DYNMEM_PROTO_PORT,
	};
	struct dmp_hello hello = {
		.caps = DMG_CAPS,
		.block_size = memory_block_size_bytes(),
	};
	int err;

	err = sock_create_kern(&init_net, AF_VSOCK, SOCK_STREAM, 0, &s->sock);
	if (err)
		return err;
	s->sock->sk->sk_sndtimeo = msecs_to_jiffies(DMG_SEND_TIMEOUT_MS);
	err = kernel_connect(s->sock, (struct sockaddr *)&addr, sizeof(addr), 0);
	if (err)
		return err;
	s->tx_seq = 0;
	s->rx_seq = 0;
	s->rx_fill = 0;
	s->rx_len = 0;
	s->bye_reason = 0;
	dmg_set_state(dmg, DMG_STATE_HANDSHAKE, 0, "connected, HELLO sent");
	return dmg_send(dmg, dmp_encode_hello(s->tx, sizeof(s->tx), s->tx_seq,
					      &hello));
}

/*
 * The host punches the ranges of a BALLOON_REPLY out of the guest's RAM
 * when it reads the reply, which may be well after it was sent. Before
 * the balloon's pages go back to the guest, wait until the host has read
 * all there is: it closes its end once it reads the end of the stream (or
 * a GOODBYE), and ends a connection only after the messages before. What
 * the host sends meanwhile is dropped. A host that does not close within
 * DMG_CLOSE_TIMEOUT_MS is taken to be gone.
 */
static void dmg_wait_host_closed(struct dmg *dmg)
{
	unsigned long end = jiffies + msecs_to_jiffies(DMG_CLOSE_TIMEOUT_MS);
	struct dmg_session *s = dmg->sess;
	struct msghdr msg = { };
	struct kvec iov;
	int ret;

	kernel_sock_shutdown(s->sock, SHUT_WR);
	do {
		iov.iov_base = s->rx;
		iov.iov_len = sizeof(s->rx);
		s->sock->sk->sk_rcvtimeo = max_t(long, end - jiffies, 1);
		ret = kernel_recvmsg(s->sock, &msg, &iov, 1, iov.iov_len, 0);
		/* 0: the host closed; another error: the connection is gone. */
		if (ret == 0 || (ret < 0 && ret != -EAGAIN && ret != -EINTR &&
				 ret != -ERESTARTSYS))
			return;
	} while (time_before(jiffies, end));
	pr_warn("host did not close the connection within %u ms; the balloon goes back to the guest anyway\n",
		DMG_CLOSE_TIMEOUT_MS);
}

static void dmg_close(struct dmg *dmg)
{
	struct dmg_session *s = dmg->sess;
	unsigned long pages;

	if (!s->sock)
		return;
	if (s->bye_reason &&
	    !dmg_send(dmg, dmp_encode_goodbye(s->tx, sizeof(s->tx),
					      s->tx_seq, s->bye_reason)))
		trace_dmg_goodbye(true, s->bye_reason);
	if (dmg_balloon_bytes(dmg))
		dmg_wait_host_closed(dmg);
	kernel_sock_shutdown(s->sock, SHUT_RDWR);
	sock_release(s->sock);
	s->sock = NULL;
	/* The balloon lives as long as its connection. */
	dmg_balloon_set_caps(dmg, 0);
	pages = dmg_balloon_release_all(dmg);
	if (pages) {
		trace_dmg_balloon_release(pages);
		pr_info("connection closed: %lu balloon pages back to the guest\n",
			pages);
	}
}

/* Connect, then serve the host until the connection ends. */
static int dmg_session_run(struct dmg *dmg)
{
	struct dmg_session *s = dmg->sess;
	unsigned long deadline;
	enum dmg_state state;
	int ret;

	dmg_set_state(dmg, DMG_STATE_CONNECTING, 0, "connecting to the host");
	ret = dmg_connect(dmg);
	if (ret)
		return ret;
	deadline = jiffies + msecs_to_jiffies(DMG_WELCOME_TIMEOUT_MS);
	while (!kthread_should_stop()) {
		mutex_lock(&dmg->lock);
		state = dmg->state;
		mutex_unlock(&dmg->lock);

		if (state == DMG_STATE_HANDSHAKE &&
		    time_after(jiffies, deadline)) {
			pr_warn("no WELCOME from the host\n");
			return -ETIMEDOUT;
		}
		ret = dmg_recv(dmg, state == DMG_STATE_HANDSHAKE ?
				    msecs_to_jiffies(100) : dmg_tick(dmg));
		if (ret < 0)
			return ret;
		if (ret > 0) {
			ret = dmg_handle(dmg, state);
			s->rx_fill = 0;
			s->rx_len = 0;
			if (ret)
				return ret;
		}
		if (state == DMG_STATE_CONNECTED && !s->rx_fill) {
			ret = dmg_session_tick(dmg);
			if (ret)
				return ret;
		}
	}
	return -ESHUTDOWN;
}

/* Sleep @ms, or less when asked to stop. */
static void dmg_sleep(unsigned int ms)
{
	long left = msecs_to_jiffies(ms);

	while (left > 0 && !kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		left = schedule_timeout(left);
	}
}

/* Why a connection (attempt) ended with @err, for the trace. */
static const char *dmg_end_reason(struct dmg *dmg, int err)
{
	enum dmg_state state;

	mutex_lock(&dmg->lock);
	state = dmg->state;
	mutex_unlock(&dmg->lock);
	if (state == DMG_STATE_CONNECTING)
		return "connect failed";
	switch (err) {
	case -EPROTO:
		return "protocol violation";
	case -ECONNREFUSED:
		return "host refused the HELLO";
	case -ECONNRESET:
		return "host closed the connection";
	case -ETIMEDOUT:
		return "host did not answer";
	default:
		return "connection failed";
	}
}

static int dmg_session_thread(void *arg)
{
	struct dmg *dmg = arg;
	struct dmg_session *s = dmg->sess;
	int err;

	s->backoff_ms = DMG_BACKOFF_MIN_MS;
	while (!kthread_should_stop()) {
		err = dmg_session_run(dmg);
		if (err == -ESHUTDOWN)
			s->bye_reason = DYNMEM_PROTO_BYE_UNLOAD;
		dmg_close(dmg);
		if (err == -ESHUTDOWN)
			break;
		if (err == -EPROTONOSUPPORT) {
			/* Stop: no retry until the driver is reloaded. */
			dmg_set_state(dmg, DMG_STATE_REFUSED, err,
				      "host speaks another major version");
			while (!kthread_should_stop())
				dmg_sleep(DMG_BACKOFF_MAX_MS);
			break;
		}
		/* Retry later: the host may come (back). */
		pr_debug("session ended (%d), retrying in %u ms\n", err,
			 s->backoff_ms);
		dmg_set_state(dmg, DMG_STATE_BACKOFF, err,
			      dmg_end_reason(dmg, err));
		trace_dmg_backoff(err, s->backoff_ms);
		dmg_sleep(s->backoff_ms);
		s->backoff_ms = min(s->backoff_ms * 2, DMG_BACKOFF_MAX_MS);
	}
	dmg_set_state(dmg, DMG_STATE_STOPPING, 0, "driver unloading");
	return 0;
}

/**
 * dmg_session_init() - start the session thread
 * @dmg: the driver, with its balloon and device set up
 *
 * Context: process, may sleep.
 * Return: 0 or -errno.
 */
int dmg_session_init(struct dmg *dmg)
{
	struct task_struct *t;

	dmg->sess = kvzalloc(sizeof(*dmg->sess), GFP_KERNEL);
	if (!dmg->sess)
		return -ENOMEM;
	dmg->period_ms = DYNMEM_PROTO_PERIOD_DEFAULT_MS;
	t = kthread_create(dmg_session_thread, dmg, "dynmem");
	if (IS_ERR(t)) {
		kvfree(dmg->sess);
		dmg->sess = NULL;
		return PTR_ERR(t);
	}
	dmg->thread = t;
	wake_up_process(t);
	return 0;
}

/**
 * dmg_session_uninit() - say goodbye to the host and stop the thread
 * @dmg: the driver
 *
 * Returns once the connection is closed and the balloon given back.
 *
 * Context: process, may sleep.
 */
void dmg_session_uninit(struct dmg *dmg)
{
	kthread_stop(dmg->thread);
	dmg->thread = NULL;
	kvfree(dmg->sess);
	dmg->sess = NULL;
}
