// SPDX-License-Identifier: GPL-2.0
/*
 * Guest sessions: the host's end of the protocol of
 * uapi/linux/dynmem_proto.h.
 *
 * Overview
 * ========
 *
 * The listener (a work item on the "dynmem_session" workqueue) accepts
 * AF_VSOCK connections on DYNMEM_PROTO_PORT. Each connection becomes a
 * session, a work item of its own that owns the socket for its whole life:
 *
 *   HELLO      the first message, within DMH_SESSION_HELLO_MS. The peer's
 *              CID names the VM record; a CID no attached record has is
 *              refused (WELCOME UNKNOWN), as is another major version
 *              (WELCOME VERSION, both versions logged), a VM that has a
 *              session already (BUSY) and a HELLO that breaks the rules
 *              (BAD_HELLO).
 *   RUNNING    after WELCOME OK and SET_REPORT. The session reads the
 *              guest's messages with a short receive timeout, the tick,
 *              and between them asks dmh_pol_decide() for the next step
 *              toward the VM's target (loop.c), which it sends as a
 *              request. At most one request is outstanding. A VM grows
 *              only into memory the host has: the pool less what all
 *              connected VMs have, and no more than the host's available
 *              memory, so a VM stuck above its target (at its floor)
 *              holds back the others' growth. A changed
 *              host period goes to the guest as a new SET_REPORT at the
 *              next tick. Hot-add offers are whole blocks of the VM's
 *              RAM memslots (dmh_kvm_ram_ranges(), read afresh for each
 *              request), in address order.
 *   closing    on GOODBYE, end of stream, a detached or removed record,
 *              module unload (GOODBYE UNLOAD or DETACH), or a protocol
 *              violation (GOODBYE PROTOCOL). The balloon of a connection
 *              dies with it: the guest takes its pages back.
 *
 * Everything the guest sends is hostile. dmp_decode() checks each message
 * alone; this file checks what needs the session's state: sequence
 * numbers, replies that match the outstanding request, never more than
 * asked, balloon ranges that lie in the VM's RAM and are not in the
 * balloon already, unballooned and deflated ranges that are. A violation
 * is logged with the VM's name and drops that connection only.
 *
 * Every range a guest balloons is released from the host at once
 * (dmh_kvm_release(): a hole punched in the file behind guest RAM), so the
 * host really gets the memory back; a range unballooned or deflated comes
 * back to the guest as zeroed pages on first touch.
 *
 * Locking: the host's lock guards the session list, every session's
 * figures (&dmh_session.fig, .stats, .ballooned, .bset), and the VM
 * record. Socket I/O and releasing memory happen without it: the session
 * holds its own reference to the attachment (&dmh_session.kvm), and only
 * the session's own work item changes its socket, its protocol state and
 * its balloon set, so what it checked under the lock still holds when it
 * takes the lock again.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/delay.h>
#include <linux/dynmem.h>
#include <linux/jiffies.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/vm_sockets.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/sock.h>

#include "codec.h"
#include "kvm.h"
#include "loop.h"
#include "netlink.h"
#include "policy.h"
#include "session.h"
#include "trace.h"
#include "vm.h"

/* The guest must say HELLO within this time. */
#define DMH_SESSION_HELLO_MS	5000
/* The receive timeout: how often a running session looks at its target. */
#define DMH_SESSION_TICK_MS	20
/* A request unanswered for this long ends the connection. */
#define DMH_SESSION_REQ_MS	60000
/* A send that makes no progress for this long ends the connection. */
#define DMH_SESSION_SEND_MS	5000
/* Connections at most, running or in handshake. */
#define DMH_SESSION_MAX		256
/* Hot-add offers per request, one block each. */
#define DMH_SESSION_OFFER_MAX	64
/* RAM ranges of a VM that hot-add offers come from; more are left out. */
#define DMH_SESSION_RAM_MAX	16

/* The balloon set: 2 MiB chunks, each all in, or a bitmap of 4 KiB pages. */
#define DMH_BSET_CHUNK_SHIFT	21
#define DMH_BSET_PAGE_SHIFT	12
#define DMH_BSET_PAGES		(1U << (DMH_BSET_CHUNK_SHIFT - DMH_BSET_PAGE_SHIFT))
#define DMH_BSET_FULL		xa_mk_value(1)

#define DMH_CAPS_KNOWN		(DYNMEM_PROTO_CAP_HOTADD |		\
				 DYNMEM_PROTO_CAP_BALLOON |		\
				 DYNMEM_PROTO_CAP_DEFLATE |		\
				 DYNMEM_PROTO_CAP_URGENT |		\
				 DYNMEM_PROTO_CAP_BALLOON_ACK)

/**
 * struct dmh_sessions - the listener and the sessions of a host
 * @host: the host; its lock guards @list, @nr and @stopping
 * @wq: runs the listener and every session
 * @sock: the listening socket
 * @listen: the listener's work
 * @list: every session, linked by &dmh_session.node
 * @nr: number of sessions on @list
 * @stopping: the module goes away; sessions say goodbye and end
 */
struct dmh_sessions {
	struct dmh_host *host;
	struct workqueue_struct *wq;
	struct socket *sock;
	struct work_struct listen;
	struct list_head list;
	unsigned int nr;
	bool stopping;
};

static struct dmh_sessions *dmh_sessions;

/**
 * struct dmh_session - one connection
 * @node: on &dmh_sessions.list
 * @work: the session's life, see the overview
 * @sock: the connection
 * @cid: the peer's CID
 * @vm: the VM record, referenced, once HELLO matched it; else NULL
 * @kvm: the attachment of @vm when the session began, referenced; the
 *	session ends when the record's attachment is another one or none
 * @running: WELCOME OK was sent
 * @caps: capabilities in use
 * @block: the guest's memory block size
 * @tx_seq: sequence number of the next message sent
 * @rx_seq: sequence number expected of the next message received
 * @status_seq: STATUS number of the last report
 * @req_type: type of the outstanding request, 0 if none
 * @req_seq: its sequence number
 * @req_bytes: bytes it asked (BALLOON_REQ, UNBALLOON_REQ)
 * @req_done: bytes answered so far
 * @req_sent: jiffies when it was sent
 * @offer_nr: number of blocks the outstanding HOTADD_REQ offered
 * @offer: their starts
 * @cursor: the lowest guest-physical address not offered yet
 * @limit: the end of the VM's RAM when the session began; no offer at or
 *	above it
 * @period_ms: report period last sent in SET_REPORT, 0 before the first
 * @balloon_after: jiffies before which no BALLOON_REQ is sent
 * @above_since: jiffies since when the VM has been above its target by
 *	more than the margin, 0 if it is not
 * @backoff_ms: the wait that set @balloon_after
 * @rx_fill: bytes of the message being received in @rx
 * @rx_len: its length once its header is in, else 0
 * @bye: GOODBYE reason to send on closing, 0 for none
 * @fig: the last report, for demand
 * @have_fig: @fig holds a report
 * @demand: demand from the last report, bytes
 * @ballooned: bytes in @bset
 * @bset: the balloon: guest-physical ranges the guest gave to the host
 * @stats: figures for netlink
 * @ram: the VM's RAM, for the hot-add request being built
 * @rx: the message being received
 * @tx: the message being sent
 */
struct dmh_session {
	struct list_head node;
	struct work_struct work;
	struct socket *sock;
	u32 cid;
	struct dmh_vm *vm;
	struct dmh_kvm *kvm;
	bool running;
	u64 caps;
	u64 block;
	u32 tx_seq;
	u32 rx_seq;
	u64 status_seq;
	u16 req_type;
	u32 req_seq;
	u64 req_bytes;
	u64 req_done;
	unsigned long req_sent;
	unsigned int offer_nr;
	u64 offer[DMH_SESSION_OFFER_MAX];
	u64 cursor;
	u64 limit;
	u32 period_ms;
	unsigned long balloon_after;
	unsigned long above_since;
	unsigned int backoff_ms;
	size_t rx_fill;
	size_t rx_len;
	u32 bye;
	struct dmh_pol_sample fig;
	bool have_fig;
	u64 demand;
	u64 ballooned;
	struct xarray bset;
	struct dmh_vm_stats stats;
	struct dmh_pol_range ram[DMH_SESSION_RAM_MAX];
	u8 rx[DYNMEM_PROTO_MSG_MAX];
	u8 tx[DYNMEM_PROTO_MSG_MAX];
};

/*
 * The balloon set. Ranges are page aligned (the codec checks it); each
 * 2 MiB chunk is absent, DMH_BSET_FULL, or a bitmap of its pages.
 */

/*
 * Walks [start, start + len) one chunk at a time: @idx is the chunk, @first
 * and @nr the pages of it in the range.
 */
struct dmh_bset_iter {
	u64 pos;
	u64 end;
	unsigned long idx;
	unsigned int first;
	unsigned int nr;
};

static bool dmh_bset_next(struct dmh_bset_iter *it)
{
	u64 next;

	if (it->pos >= it->end)
		return false;
	it->idx = it->pos >> DMH_BSET_CHUNK_SHIFT;
	next = min_t(u64, it->end, ((u64)it->idx + 1) << DMH_BSET_CHUNK_SHIFT);
	it->first = (it->pos >> DMH_BSET_PAGE_SHIFT) & (DMH_BSET_PAGES - 1);
	it->nr = (next - it->pos) >> DMH_BSET_PAGE_SHIFT;
	it->pos = next;
	return true;
}

/* Whether no page of [start, start + len) is in the balloon. */
static bool dmh_bset_none(struct dmh_session *s, u64 start, u64 len)
{
	struct dmh_bset_iter it = { .pos = start, .end = start + len };
	void *e;

	while (dmh_bset_next(&it)) {
		e = xa_load(&s->bset, it.idx);
		if (!e)
			continue;
		if (xa_is_value(e))
			return false;
		if (find_next_bit(e, it.first + it.nr, it.first) <
		    it.first + it.nr)
			return false;
	}
	return true;
}

/* Whether every page of [start, start + len) is in the balloon. */
static bool dmh_bset_all(struct dmh_session *s, u64 start, u64 len)
{
	struct dmh_bset_iter it = { .pos = start, .end = start + len };
	void *e;

	while (dmh_bset_next(&it)) {
		e = xa_load(&s->bset, it.idx);
		if (!e)
			return false;
		if (xa_is_value(e))
			continue;
		if (find_next_zero_bit(e, it.first + it.nr, it.first) <
		    it.first + it.nr)
			return false;
	}
	return true;
}

/* Put a chunk's bitmap in place of @e, or of nothing. */
static unsigned long *dmh_bset_bitmap(struct dmh_session *s,
				      unsigned long idx, void *e)
{
	unsigned long *map;
	void *old;

	if (e && !xa_is_value(e))
		return e;
	map = bitmap_zalloc(DMH_BSET_PAGES, GFP_KERNEL);
	if (!map)
		return NULL;
	if (e)
		bitmap_fill(map, DMH_BSET_PAGES);
	old = xa_store(&s->bset, idx, map, GFP_KERNEL);
	if (xa_is_err(old)) {
		bitmap_free(map);
		return NULL;
	}
	return map;
}

/* Add [start, start + len), none of which is in the balloon yet. */
static int dmh_bset_add(struct dmh_session *s, u64 start, u64 len)
{
	struct dmh_bset_iter it = { .pos = start, .end = start + len };
	unsigned long *map;
	void *e;

	while (dmh_bset_next(&it)) {
		e = xa_load(&s->bset, it.idx);
		if (!e && it.nr == DMH_BSET_PAGES) {
			if (xa_is_err(xa_store(&s->bset, it.idx, DMH_BSET_FULL,
					       GFP_KERNEL)))
				return -ENOMEM;
			continue;
		}
		map = dmh_bset_bitmap(s, it.idx, e);
		if (!map)
			return -ENOMEM;
		bitmap_set(map, it.first, it.nr);
		/* Replacing an entry allocates nothing: it cannot fail. */
		if (bitmap_full(map, DMH_BSET_PAGES) &&
		    !xa_is_err(xa_store(&s->bset, it.idx, DMH_BSET_FULL,
					GFP_KERNEL)))
			bitmap_free(map);
	}
	s->ballooned += len;
	return 0;
}

/* Take [start, start + len), all of which is in the balloon, out of it. */
static int dmh_bset_del(struct dmh_session *s, u64 start, u64 len)
{
	struct dmh_bset_iter it = { .pos = start, .end = start + len };
	unsigned long *map;
	void *e;

	while (dmh_bset_next(&it)) {
		e = xa_load(&s->bset, it.idx);
		if (xa_is_value(e) && it.nr == DMH_BSET_PAGES) {
			xa_erase(&s->bset, it.idx);
			continue;
		}
		map = dmh_bset_bitmap(s, it.idx, e);
		if (!map)
			return -ENOMEM;
		bitmap_clear(map, it.first, it.nr);
		if (bitmap_empty(map, DMH_BSET_PAGES)) {
			xa_erase(&s->bset, it.idx);
			bitmap_free(map);
		}
	}
	s->ballooned -= len;
	return 0;
}

static void dmh_bset_destroy(struct dmh_session *s)
{
	unsigned long idx;
	void *e;

	xa_for_each(&s->bset, idx, e)
		if (!xa_is_value(e))
			bitmap_free(e);
	xa_destroy(&s->bset);
	s->ballooned = 0;
}

static const char *dmh_session_name(const struct dmh_session *s)
{
	return s->vm ? s->vm->name : "(none)";
}

/* Note a failure that does not end the connection. Host lock held. */
static void dmh_session_failed(struct dmh_session *s, int err)
{
	s->stats.failures++;
	s->stats.last_error = err;
}

/* Log a protocol violation; the caller closes with GOODBYE PROTOCOL. */
static int dmh_session_violation(struct dmh_session *s, const char *why)
{
	if (s->vm)
		pr_warn("vm %s: protocol violation: %s; dropping connection\n",
			s->vm->name, why);
	else
		pr_warn("CID %u: protocol violation: %s; dropping connection\n",
			s->cid, why);
	trace_dmh_violation(dmh_session_name(s), s->cid, why);
	s->bye = DYNMEM_PROTO_BYE_PROTOCOL;
	return -EPROTO;
}

static int dmh_session_send(struct dmh_session *s, int len)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	struct kvec iov;
	int sent = 0, ret;

	if (len < 0)
		return len;
	while (sent < len) {
		iov.iov_base = s->tx + sent;
		iov.iov_len = len - sent;
		ret = kernel_sendmsg(s->sock, &msg, &iov, 1, len - sent);
		if (ret < 0)
			return ret;
		if (!ret)
			return -EPIPE;
		sent += ret;
	}
	s->tx_seq++;
	return 0;
}

/*
 * Receive what is there of the next message, waiting at most the socket's
 * receive timeout. Return: 1 when a whole message is in @s->rx (its
 * length in @s->rx_len), 0 when not yet, -errno when the connection ends.
 */
static int dmh_session_recv(struct dmh_session *s)
{
	struct msghdr msg = {};
	const char *why;
	struct dmp_hdr hdr;
	struct kvec iov;
	size_t want;
	int ret;

	want = s->rx_len ? s->rx_len : DYNMEM_PROTO_HDR_SIZE;
	iov.iov_base = s->rx + s->rx_fill;
	iov.iov_len = want - s->rx_fill;
	ret = kernel_recvmsg(s->sock, &msg, &iov, 1, iov.iov_len, 0);
	if (ret == -EAGAIN || ret == -EINTR || ret == -ERESTARTSYS)
		return 0;
	if (ret < 0)
		return ret;
	if (!ret)
		return -ECONNRESET;
	s->rx_fill += ret;
	if (s->rx_fill < want)
		return 0;
	if (s->rx_len)
		return 1;

	ret = dmp_decode_hdr(s->rx, s->rx_fill, &hdr, &why);
	/* Another major: the length is sane, HELLO is read to answer it. */
	if (ret < 0 && ret != -EPROTONOSUPPORT)
		return dmh_session_violation(s, why);
	s->rx_len = hdr.len;
	return s->rx_fill == s->rx_len;
}

static void dmh_session_rx_done(struct dmh_session *s)
{
	s->rx_fill = 0;
	s->rx_len = 0;
}

/* Wait up to @ms for a whole message. */
static int dmh_session_recv_wait(struct dmh_session *s, unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);
	int ret;

	do {
		ret = dmh_session_recv(s);
		if (ret)
			return ret;
	} while (time_before(jiffies, end) && !READ_ONCE(dmh_sessions->stopping));
	return -ETIMEDOUT;
}

static int dmh_session_welcome(struct dmh_session *s, u32 result, u64 caps)
{
	struct dmp_welcome w = { .caps = caps, .result = result };

	return dmh_session_send(s, dmp_encode_welcome(s->tx, sizeof(s->tx),
						      s->tx_seq, &w));
}

/*
 * Find the VM record of the peer and take it for this session.
 * Return: DYNMEM_PROTO_WELCOME_OK or the result to refuse with.
 */
static u32 dmh_session_bind(struct dmh_session *s, const struct dmp_hello *h)
{
	struct dmh_host *host = dmh_sessions->host;
	struct dmh_session *other;
	struct dmh_vm *vm;
	u32 result = DYNMEM_PROTO_WELCOME_OK;

	mutex_lock(&host->lock);
	vm = dmh_vm_lookup_cid(host, s->cid);
	if (!vm || !vm->kvm) {
		pr_warn("refused connection from unknown CID %u\n", s->cid);
		result = DYNMEM_PROTO_WELCOME_UNKNOWN;
		goto out_unlock;
	}
	list_for_each_entry(other, &dmh_sessions->list, node) {
		if (other->vm == vm) {
			pr_warn("vm %s: refused a second connection from CID %u\n",
				vm->name, s->cid);
			result = DYNMEM_PROTO_WELCOME_BUSY;
			goto out_unlock;
		}
	}
	s->vm = dmh_vm_get(vm);
	s->kvm = dmh_kvm_get(vm->kvm);
	s->caps = h->caps & DMH_CAPS_KNOWN;
	s->block = h->block_size;
	s->cursor = 0;
	/*
	 * Offers come from the VM's RAM memslots; the guest still checks
	 * every offered block against its firmware memory map.
	 */
	s->limit = min_t(u64, DYNMEM_PROTO_ADDR_MAX,
			 dmh_pol_ram_end(s->ram,
					 dmh_kvm_ram_ranges(s->kvm, s->ram,
							    ARRAY_SIZE(s->ram)),
					 s->block));
	s->running = true;
	vm->state = DYNMEM_VM_STATE_RUNNING;
	dmh_netlink_vm_event(vm);
out_unlock:
	mutex_unlock(&host->lock);
	return result;
}

static int dmh_session_handshake(struct dmh_session *s)
{
	struct dmp_msg msg;
	const char *why;
	u32 result;
	int ret;

	ret = dmh_session_recv_wait(s, DMH_SESSION_HELLO_MS);
	if (ret == -ETIMEDOUT)
		pr_warn("CID %u: no HELLO within %u ms; dropping connection\n",
			s->cid, DMH_SESSION_HELLO_MS);
	if (ret < 0)
		return ret;

	ret = dmp_decode(s->rx, s->rx_len, DMP_FROM_GUEST, &msg, &why);
	if (ret == -EPROTONOSUPPORT && msg.hdr.type == DYNMEM_PROTO_HELLO) {
		pr_warn("CID %u: guest speaks protocol %u.%u, host %u.%u; refused\n",
			s->cid, msg.hdr.major, msg.hdr.minor,
			DYNMEM_PROTO_MAJOR, DYNMEM_PROTO_MINOR);
		trace_dmh_session_open(dmh_session_name(s), s->cid,
				       DYNMEM_PROTO_WELCOME_VERSION, 0, 0);
		dmh_session_welcome(s, DYNMEM_PROTO_WELCOME_VERSION, 0);
		return -EPROTONOSUPPORT;
	}
	if (!ret && (msg.hdr.type != DYNMEM_PROTO_HELLO || msg.hdr.seq))
		why = "first message not a HELLO of sequence 0";
	if (ret || msg.hdr.type != DYNMEM_PROTO_HELLO || msg.hdr.seq) {
		pr_warn("CID %u: protocol violation: %s; dropping connection\n",
			s->cid, why);
		trace_dmh_violation(dmh_session_name(s), s->cid, why);
		dmh_session_welcome(s, DYNMEM_PROTO_WELCOME_BAD_HELLO, 0);
		return -EPROTO;
	}
	dmh_session_rx_done(s);
	s->rx_seq = 1;

	result = dmh_session_bind(s, &msg.hello);
	trace_dmh_session_open(dmh_session_name(s), s->cid, result, s->caps,
			       msg.hello.block_size);
	if (result != DYNMEM_PROTO_WELCOME_OK) {
		dmh_session_welcome(s, result, 0);
		return -EPERM;
	}
	pr_info("vm %s: guest connected from CID %u (protocol %u.%u, caps %#llx, block %llu MiB)\n",
		s->vm->name, s->cid, msg.hdr.major, msg.hdr.minor, s->caps,
		s->block >> 20);
	ret = dmh_session_welcome(s, DYNMEM_PROTO_WELCOME_OK, s->caps);
	if (ret)
		return ret;
	return 0;
}

/* STATUS: new figures, new demand, a new pass of the loop. */
static int dmh_session_status(struct dmh_session *s,
			      const struct dmp_status *st)
{
	struct dmh_host *host = dmh_sessions->host;
	struct dmh_pol_sample cur = {
		.total = st->total,
		.available = st->available,
		.ballooned = st->ballooned,
		.refaults = st->refaults,
		.swap_in = st->swap_in,
	};
	u32 p;

	if (st->seq <= s->status_seq)
		return dmh_session_violation(s, "report number did not increase");
	s->status_seq = st->seq;

	mutex_lock(&host->lock);
	s->demand = dmh_pol_demand(s->have_fig ? &s->fig : NULL, &cur);
	s->fig = cur;
	s->have_fig = true;
	s->stats.visible = st->total;
	s->stats.demand = s->demand;
	p = dmh_pol_pressure(s->demand, st->total);
	if (!s->stats.pressure_max && !s->stats.pressure_min &&
	    !s->stats.pressure_avg) {
		s->stats.pressure_min = p;
		s->stats.pressure_avg = p;
	}
	s->stats.pressure_cur = p;
	s->stats.pressure_min = min(s->stats.pressure_min, p);
	s->stats.pressure_max = max(s->stats.pressure_max, p);
	s->stats.pressure_avg = ((u64)s->stats.pressure_avg * 7 + p) / 8;
	dmh_loop_pass(host);
	mutex_unlock(&host->lock);
	return 0;
}

static void dmh_session_req_done(struct dmh_session *s)
{
	s->req_type = 0;
	s->req_seq = 0;
	s->req_bytes = 0;
	s->req_done = 0;
	s->offer_nr = 0;
}

static int dmh_session_hotadd_reply(struct dmh_session *s,
				    const struct dmp_hotadd_reply *r)
{
	struct dmh_host *host = dmh_sessions->host;
	struct dmp_hotadd_result res;
	u64 added = 0;
	unsigned int i;

	if (s->req_type != DYNMEM_PROTO_HOTADD_REQ || r->req_seq != s->req_seq)
		return dmh_session_violation(s, "hot-add reply to no hot-add request");
	if (r->nr != s->offer_nr)
		return dmh_session_violation(s, "hot-add reply does not answer every offer");
	for (i = 0; i < r->nr; i++) {
		res = dmp_hotadd_result_at(r, i);
		if (res.start != s->offer[i] || res.len != s->block)
			return dmh_session_violation(s, "hot-add result for a range not offered");
		if (res.added > res.len)
			return dmh_session_violation(s, "hot-added more than offered");
		added += res.added;
	}

	mutex_lock(&host->lock);
	s->stats.hotadd_ops++;
	s->stats.added += added;
	/* Until the next report shows it. */
	s->fig.total += added;
	s->stats.visible = s->fig.total;
	for (i = 0; i < r->nr; i++) {
		res = dmp_hotadd_result_at(r, i);
		trace_dmh_hotadd_result(s->vm->name, res.start, res.len,
					res.added, res.status);
		if (res.status == DYNMEM_PROTO_HOTADD_FAILED ||
		    res.status == DYNMEM_PROTO_HOTADD_ABORTED)
			dmh_session_failed(s, -EIO);
	}
	trace_dmh_reply(s->vm->name, DYNMEM_PROTO_HOTADD_REPLY, r->req_seq,
			added, r->nr, 0, false);
	mutex_unlock(&host->lock);
	dmh_session_req_done(s);
	return 0;
}

/*
 * BALLOON_REPLY: check every range, then give each back to the host and
 * put it in the balloon. Releasing happens without the host's lock: it
 * punches holes in a file, which takes a while for large ranges.
 */
static int dmh_session_balloon_reply(struct dmh_session *s,
				     const struct dmp_range_list *l)
{
	struct dmh_host *host = dmh_sessions->host;
	struct dmp_range r;
	unsigned int i;
	u64 sum = 0;
	int ret = 0, err;

	if (s->req_type != DYNMEM_PROTO_BALLOON_REQ || l->req_seq != s->req_seq)
		return dmh_session_violation(s, "balloon reply to no balloon request");

	/* The balloon set changes only here and in this session's work. */
	mutex_lock(&host->lock);
	for (i = 0; i < l->nr; i++) {
		r = dmp_range_at(l, i);
		sum += r.len;
		if (sum > s->req_bytes - s->req_done) {
			ret = dmh_session_violation(s, "ballooned more than asked");
			goto out_unlock;
		}
		if (!dmh_bset_none(s, r.start, r.len)) {
			ret = dmh_session_violation(s, "range ballooned already");
			goto out_unlock;
		}
	}
	if (s->vm->kvm != s->kvm)
		ret = -ENODEV;
out_unlock:
	mutex_unlock(&host->lock);
	if (ret)
		return ret;

	for (i = 0; i < l->nr; i++) {
		r = dmp_range_at(l, i);
		err = dmh_kvm_release(s->kvm, r.start, r.len, NULL);
		if (err == -EINVAL)
			return dmh_session_violation(s, "range outside the VM's RAM");
		/*
		 * The guest gave the range up whether or not the host could
		 * free it: it is in the balloon either way.
		 */
		mutex_lock(&host->lock);
		if (err)
			dmh_session_failed(s, err);
		ret = dmh_bset_add(s, r.start, r.len);
		s->stats.removed = s->ballooned;
		mutex_unlock(&host->lock);
		if (ret)
			return ret;
	}

	mutex_lock(&host->lock);
	s->req_done += sum;
	trace_dmh_reply(s->vm->name, DYNMEM_PROTO_BALLOON_REPLY, l->req_seq,
			sum, l->nr, l->status,
			l->flags & DYNMEM_PROTO_RANGES_MORE);
	if (!(l->flags & DYNMEM_PROTO_RANGES_MORE)) {
		s->stats.balloon_ops++;
		if (l->status != DYNMEM_PROTO_RANGES_DONE ||
		    s->req_done < s->req_bytes) {
			/* The guest is at its floor: ask again later. */
			s->backoff_ms = dmh_pol_backoff(s->backoff_ms);
			s->balloon_after = jiffies +
					   msecs_to_jiffies(s->backoff_ms);
			if (l->status != DYNMEM_PROTO_RANGES_FLOOR)
				dmh_session_failed(s, -ENOMEM);
		} else {
			s->backoff_ms = 0;
		}
	}
	mutex_unlock(&host->lock);
	if (!(l->flags & DYNMEM_PROTO_RANGES_MORE))
		dmh_session_req_done(s);
	return 0;
}

/* UNBALLOON_REPLY and DEFLATE: ranges leave the balloon. */
static int dmh_session_unballoon(struct dmh_session *s,
				 const struct dmp_range_list *l, bool reply)
{
	struct dmh_host *host = dmh_sessions->host;
	struct dmp_range r;
	unsigned int i;
	u64 sum = 0;
	int ret = 0;

	if (reply && (s->req_type != DYNMEM_PROTO_UNBALLOON_REQ ||
		      l->req_seq != s->req_seq))
		return dmh_session_violation(s, "unballoon reply to no unballoon request");
	if (!reply && !(s->caps & DYNMEM_PROTO_CAP_DEFLATE))
		return dmh_session_violation(s, "deflate without the capability");

	mutex_lock(&host->lock);
	for (i = 0; i < l->nr; i++) {
		r = dmp_range_at(l, i);
		sum += r.len;
		if (reply && sum > s->req_bytes - s->req_done) {
			ret = dmh_session_violation(s, "unballooned more than asked");
			goto out_unlock;
		}
		if (!dmh_bset_all(s, r.start, r.len)) {
			ret = dmh_session_violation(s, "range not in the balloon");
			goto out_unlock;
		}
	}
	for (i = 0; i < l->nr; i++) {
		r = dmp_range_at(l, i);
		ret = dmh_bset_del(s, r.start, r.len);
		if (ret)
			goto out_unlock;
	}
	s->stats.removed = s->ballooned;
	trace_dmh_reply(s->vm->name, reply ? DYNMEM_PROTO_UNBALLOON_REPLY :
			DYNMEM_PROTO_DEFLATE, l->req_seq, sum, l->nr,
			l->status, l->flags & DYNMEM_PROTO_RANGES_MORE);
	if (reply) {
		s->req_done += sum;
		if (!(l->flags & DYNMEM_PROTO_RANGES_MORE))
			s->stats.balloon_ops++;
	}
out_unlock:
	mutex_unlock(&host->lock);
	if (!ret && reply && !(l->flags & DYNMEM_PROTO_RANGES_MORE))
		dmh_session_req_done(s);
	return ret;
}

static int dmh_session_handle(struct dmh_session *s)
{
	struct dmp_msg msg;
	const char *why;
	int ret;

	ret = dmp_decode(s->rx, s->rx_len, DMP_FROM_GUEST, &msg, &why);
	if (ret)
		return dmh_session_violation(s, why);
	if (msg.hdr.seq != s->rx_seq)
		return dmh_session_violation(s, "sequence number skipped or repeated");
	s->rx_seq++;

	switch (msg.hdr.type) {
	case DYNMEM_PROTO_STATUS:
		return dmh_session_status(s, &msg.status);
	case DYNMEM_PROTO_HOTADD_REPLY:
		return dmh_session_hotadd_reply(s, &msg.hotadd_reply);
	case DYNMEM_PROTO_BALLOON_REPLY:
		ret = dmh_session_balloon_reply(s, &msg.ranges);
		/* Its memory is released: the guest may reuse it from now. */
		if (ret || !(s->caps & DYNMEM_PROTO_CAP_BALLOON_ACK))
			return ret;
		ret = dmp_encode_balloon_ack(s->tx, sizeof(s->tx), s->tx_seq,
					     msg.hdr.seq);
		return dmh_session_send(s, ret);
	case DYNMEM_PROTO_UNBALLOON_REPLY:
		return dmh_session_unballoon(s, &msg.ranges, true);
	case DYNMEM_PROTO_DEFLATE:
		return dmh_session_unballoon(s, &msg.ranges, false);
	case DYNMEM_PROTO_GOODBYE:
		pr_info("vm %s: guest said goodbye (reason %u)\n",
			dmh_session_name(s), msg.goodbye_reason);
		return -ECONNRESET;
	default:
		return dmh_session_violation(s, "HELLO after the handshake");
	}
}

/*
 * What the connected VMs may grow by, together: the pool less what they
 * have, and no more than the host has available (dmh_pol_room()). Host
 * lock held.
 */
static u64 dmh_session_room(struct dmh_host *host)
{
	struct dmh_session *s;
	u64 have = 0;

	lockdep_assert_held(&host->lock);

	list_for_each_entry(s, &dmh_sessions->list, node)
		if (s->running && s->have_fig && s->fig.total > s->ballooned)
			have += s->fig.total - s->ballooned;
	return dmh_pol_room(dmh_host_pool(host), have,
			    (u64)si_mem_available() << PAGE_SHIFT);
}

/*
 * Decide the next step toward the target and build its request in @s->tx.
 * Return: the length of the request, 0 for none, -errno to close.
 */
static int dmh_session_next(struct dmh_session *s)
{
	struct dmh_host *host = dmh_sessions->host;
	struct dmp_range range[DMH_SESSION_OFFER_MAX];
	struct dmp_range_list list = {};
	struct dmh_pol_step step;
	struct dmh_pol_vm pv;
	struct dmh_vm *vm = s->vm;
	struct dmp_set_report set;
	unsigned int i, nr_ram;
	bool over_max;
	int len = 0;

	mutex_lock(&host->lock);
	if (dmh_sessions->stopping) {
		s->bye = DYNMEM_PROTO_BYE_UNLOAD;
		len = -ESHUTDOWN;
		goto out_unlock;
	}
	if (vm->kvm != s->kvm) {
		pr_info("vm %s: detached; closing the guest's connection\n",
			vm->name);
		s->bye = DYNMEM_PROTO_BYE_DETACH;
		len = -ENODEV;
		goto out_unlock;
	}
	/* The first SET_REPORT, and a new one whenever the period changed. */
	set = (struct dmp_set_report){
		.period_ms = clamp_t(u32, host->settings.period_ms,
				     DYNMEM_PROTO_PERIOD_MIN_MS,
				     DYNMEM_PROTO_PERIOD_MAX_MS),
	};
	if (set.period_ms != s->period_ms) {
		len = dmp_encode_set_report(s->tx, sizeof(s->tx), s->tx_seq,
					    &set);
		trace_dmh_set_report(vm->name, set.period_ms, len);
		if (len > 0)
			s->period_ms = set.period_ms;
		goto out_unlock;
	}
	if (s->req_type) {
		if (time_after(jiffies, s->req_sent +
			       msecs_to_jiffies(DMH_SESSION_REQ_MS))) {
			len = dmh_session_violation(s, "request unanswered");
		}
		goto out_unlock;
	}
	if (!s->have_fig || !vm->target)
		goto out_unlock;

	pv = (struct dmh_pol_vm){
		.target = vm->target,
		.total = s->fig.total,
		.ballooned = s->ballooned,
		.maximum = vm->policy.maximum,
		.block = s->block,
		.room = U64_MAX,
		.can_hotadd = (s->caps & DYNMEM_PROTO_CAP_HOTADD) &&
			      s->cursor < s->limit,
		.can_balloon = !!(s->caps & DYNMEM_PROTO_CAP_BALLOON),
	};
	dmh_pol_decide(&pv, &step);
	/* Growth is cut to what the host has: summed over the sessions. */
	if (step.action == DMH_POL_UNBALLOON || step.action == DMH_POL_HOTADD) {
		pv.room = dmh_session_room(host);
		dmh_pol_decide(&pv, &step);
	}
	/*
	 * Shrink only a VM that stayed above its target for a while: a
	 * guest that grows by whole blocks overshoots for a moment, and
	 * taking that back at once would only make it grow again. A VM
	 * above its maximum is shrunk at once: the administrator asked.
	 */
	over_max = s->fig.total > s->ballooned &&
		   s->fig.total - s->ballooned > vm->policy.maximum;
	if (step.action != DMH_POL_BALLOON)
		s->above_since = 0;
	else if (!s->above_since)
		s->above_since = jiffies | 1;
	if (step.action == DMH_POL_BALLOON &&
	    (time_before(jiffies, s->balloon_after) ||
	     (!over_max && time_before(jiffies, s->above_since +
				       msecs_to_jiffies(DMH_POL_SHRINK_DELAY_MS)))))
		step.action = DMH_POL_NONE;

	switch (step.action) {
	case DMH_POL_NONE:
		break;
	case DMH_POL_UNBALLOON:
	case DMH_POL_BALLOON:
		s->req_type = step.action == DMH_POL_BALLOON ?
			      DYNMEM_PROTO_BALLOON_REQ :
			      DYNMEM_PROTO_UNBALLOON_REQ;
		s->req_bytes = step.bytes;
		len = dmp_encode_bytes(s->tx, sizeof(s->tx), s->req_type,
				       s->tx_seq, step.bytes);
		break;
	case DMH_POL_HOTADD:
		nr_ram = dmh_kvm_ram_ranges(s->kvm, s->ram, ARRAY_SIZE(s->ram));
		if (!s->cursor)
			s->cursor = dmh_pol_hotadd_start(s->ram, nr_ram,
							 s->fig.total,
							 s->block);
		s->offer_nr = dmh_pol_hotadd_ranges(s->cursor, s->ram, nr_ram,
						    s->block, step.bytes,
						    s->offer,
						    DMH_SESSION_OFFER_MAX);
		if (!s->offer_nr) {
			s->cursor = s->limit;
			break;
		}
		for (i = 0; i < s->offer_nr; i++)
			range[i] = (struct dmp_range){ s->offer[i], s->block };
		s->cursor = s->offer[s->offer_nr - 1] + s->block;
		s->req_type = DYNMEM_PROTO_HOTADD_REQ;
		list.nr = s->offer_nr;
		len = dmp_encode_ranges(s->tx, sizeof(s->tx), s->req_type,
					s->tx_seq, &list, range);
		break;
	}
	if (s->req_type) {
		s->req_seq = s->tx_seq;
		s->req_done = 0;
		s->req_sent = jiffies;
		if (len <= 0) {
			/* Our own request failed the codec: a bug, not the guest's. */
			dmh_session_failed(s, len ? len : -EINVAL);
			dmh_session_req_done(s);
			len = 0;
		}
	}
	trace_dmh_request(vm->name, s->req_type, s->req_seq, s->req_bytes,
			  s->offer_nr, s->block, len);
out_unlock:
	mutex_unlock(&host->lock);
	return len;
}

static void dmh_session_run(struct dmh_session *s)
{
	int ret = 0;

	while (!ret) {
		ret = dmh_session_next(s);
		if (ret > 0)
			ret = dmh_session_send(s, ret);
		if (ret)
			break;
		ret = dmh_session_recv(s);
		if (ret > 0) {
			ret = dmh_session_handle(s);
			dmh_session_rx_done(s);
		}
	}
	if (ret == -ECONNRESET && !s->bye)
		pr_info("vm %s: guest connection closed\n", dmh_session_name(s));
	trace_dmh_session_close(dmh_session_name(s), s->cid, s->bye, ret);
}

static void dmh_session_end(struct dmh_session *s)
{
	struct dmh_host *host = dmh_sessions->host;
	struct dmh_vm *vm = s->vm;

	if (s->bye)
		dmh_session_send(s, dmp_encode_goodbye(s->tx, sizeof(s->tx),
						       s->tx_seq, s->bye));

	/* Off the list first, so that the guest may connect again at once. */
	mutex_lock(&host->lock);
	list_del(&s->node);
	dmh_sessions->nr--;
	if (vm && s->running && vm->kvm && vm->kvm == s->kvm) {
		vm->state = DYNMEM_VM_STATE_ATTACHED;
		dmh_netlink_vm_event(vm);
	}
	dmh_bset_destroy(s);
	mutex_unlock(&host->lock);

	kernel_sock_shutdown(s->sock, SHUT_RDWR);
	sock_release(s->sock);
	if (s->kvm)
		dmh_kvm_put(s->kvm);
	if (vm)
		dmh_vm_put(vm);
	kvfree(s);
}

static void dmh_session_work(struct work_struct *work)
{
	struct dmh_session *s = container_of(work, struct dmh_session, work);

	s->sock->sk->sk_rcvtimeo = msecs_to_jiffies(DMH_SESSION_TICK_MS);
	s->sock->sk->sk_sndtimeo = msecs_to_jiffies(DMH_SESSION_SEND_MS);
	if (!dmh_session_handshake(s))
		dmh_session_run(s);
	dmh_session_end(s);
}

/* A new connection: make it a session, or drop it. */
static void dmh_session_new(struct socket *sock)
{
	struct dmh_host *host = dmh_sessions->host;
	struct sockaddr_vm addr = {};
	struct dmh_session *s;
	int ret;

	ret = kernel_getpeername(sock, (struct sockaddr *)&addr);
	if (ret < 0)
		goto err_release;

	s = kvzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		goto err_release;
	s->sock = sock;
	s->cid = addr.svm_cid;
	xa_init(&s->bset);
	INIT_WORK(&s->work, dmh_session_work);

	mutex_lock(&host->lock);
	if (dmh_sessions->stopping || dmh_sessions->nr >= DMH_SESSION_MAX) {
		mutex_unlock(&host->lock);
		pr_warn_ratelimited("too many connections; dropped one from CID %u\n",
				    s->cid);
		kvfree(s);
		goto err_release;
	}
	list_add_tail(&s->node, &dmh_sessions->list);
	dmh_sessions->nr++;
	mutex_unlock(&host->lock);
	queue_work(dmh_sessions->wq, &s->work);
	return;

err_release:
	sock_release(sock);
}

static void dmh_session_listen(struct work_struct *work)
{
	struct dmh_sessions *ss = container_of(work, struct dmh_sessions,
					       listen);
	struct socket *sock;
	int ret;

	while (!READ_ONCE(ss->stopping)) {
		ret = kernel_accept(ss->sock, &sock, 0);
		if (ret == -EAGAIN || ret == -EINTR || ret == -ERESTARTSYS)
			continue;
		if (ret) {
			pr_warn_ratelimited("vsock accept failed: %d\n", ret);
			msleep(100);
			continue;
		}
		dmh_session_new(sock);
	}
}

/**
 * dmh_session_collect() - the connected VMs, for a pass of the loop
 * @host: the host
 * @out: filled with one entry per VM whose guest has reported
 * @max: room in @out
 *
 * Context: @host->lock held.
 * Return: the number of entries filled.
 */
unsigned int dmh_session_collect(struct dmh_host *host,
				 struct dmh_loop_vm *out, unsigned int max)
{
	struct dmh_session *s;
	unsigned int nr = 0;

	lockdep_assert_held(&host->lock);

	if (!dmh_sessions)
		return 0;
	list_for_each_entry(s, &dmh_sessions->list, node) {
		if (nr >= max)
			break;
		if (!s->running || !s->have_fig || !s->vm->kvm ||
		    s->vm->kvm != s->kvm)
			continue;
		out[nr].vm = s->vm;
		out[nr].demand = s->demand;
		out[nr].have = s->fig.total > s->ballooned ?
			       s->fig.total - s->ballooned : 0;
		nr++;
	}
	return nr;
}

/**
 * dmh_session_stats() - the figures of a VM whose guest is connected
 * @vm: the VM record
 * @stats: output
 *
 * Context: @vm->host->lock held.
 * Return: true if the guest is connected and @stats was filled.
 */
bool dmh_session_stats(const struct dmh_vm *vm, struct dmh_vm_stats *stats)
{
	struct dmh_session *s;

	lockdep_assert_held(&vm->host->lock);

	if (!dmh_sessions)
		return false;
	list_for_each_entry(s, &dmh_sessions->list, node) {
		if (s->vm == vm && s->running) {
			*stats = s->stats;
			return true;
		}
	}
	return false;
}

/**
 * dmh_session_init() - listen for guests
 * @host: the host whose VM records the guests are matched with
 *
 * Context: process context, may sleep.
 * Return: 0, or -errno if the vsock port cannot be listened on.
 */
int dmh_session_init(struct dmh_host *host)
{
	struct sockaddr_vm addr = {
		.svm_family = AF_VSOCK,
		.svm_cid = VMADDR_CID_ANY,
		.svm_port = DYNMEM_PROTO_PORT,
	};
	struct dmh_sessions *ss;
	int ret;

	ss = kzalloc(sizeof(*ss), GFP_KERNEL);
	if (!ss)
		return -ENOMEM;
	ss->host = host;
	INIT_LIST_HEAD(&ss->list);
	INIT_WORK(&ss->listen, dmh_session_listen);

	ss->wq = alloc_workqueue("dynmem_session", WQ_UNBOUND, 0);
	if (!ss->wq) {
		ret = -ENOMEM;
		goto err_free;
	}

	ret = sock_create_kern(&init_net, AF_VSOCK, SOCK_STREAM, 0, &ss->sock);
	if (ret) {
		pr_err("cannot create a vsock socket (%d); is vsock available?\n",
		       ret);
		goto err_destroy_wq;
	}
	ret = kernel_bind(ss->sock, (struct sockaddr *)&addr, sizeof(addr));
	if (!ret)
		ret = kernel_listen(ss->sock, 64);
	if (ret) {
		pr_err("cannot listen on vsock port %u (%d)\n",
		       DYNMEM_PROTO_PORT, ret);
		goto err_release;
	}
	ss->sock->sk->sk_rcvtimeo = msecs_to_jiffies(200);

	dmh_sessions = ss;
	queue_work(ss->wq, &ss->listen);
	return 0;

err_release:
	sock_release(ss->sock);
err_destroy_wq:
	destroy_workqueue(ss->wq);
err_free:
	kfree(ss);
	return ret;
}

/**
 * dmh_session_uninit() - say goodbye to every guest and stop listening
 *
 * Context: process context, may sleep; not the host's lock.
 */
void dmh_session_uninit(void)
{
	struct dmh_sessions *ss = dmh_sessions;

	mutex_lock(&ss->host->lock);
	WRITE_ONCE(ss->stopping, true);
	mutex_unlock(&ss->host->lock);

	/* Waits for the listener and for every session to end. */
	destroy_workqueue(ss->wq);
	sock_release(ss->sock);

	mutex_lock(&ss->host->lock);
	dmh_sessions = NULL;
	mutex_unlock(&ss->host->lock);
	kfree(ss);
}
