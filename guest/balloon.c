// SPDX-License-Identifier: GPL-2.0
/*
 * The balloon: guest pages the driver holds so that the host can take the
 * memory behind them.
 *
 * Asked for an amount, the driver allocates 2 MiB pieces (order 9) while
 * it can, then 4 KiB pages, and stops early when the guest's available
 * memory would fall below a floor (DMG_FLOOR_MIN, or a sixteenth of the
 * guest's memory if more), so that ballooning never pushes the guest into
 * OOM. The pages stay allocated: the guest-visible total (MemTotal) keeps
 * counting them, as the highest amount the guest has had, and the driver
 * shows them as driver locked. The host learns the guest-physical ranges,
 * sorted and merged, in BALLOON_REPLY messages of up to
 * DYNMEM_PROTO_RANGES_MAX pieces each. Pages of a reply being built are
 * on a list of their own and join the balloon only once the reply is
 * sent, so the OOM notifier can never hand back a page the host has not
 * been told about yet. The host releases the memory of a reply when it
 * reads it, which may be a while after it was sent: with
 * DYNMEM_PROTO_CAP_BALLOON_ACK the pages wait on the unacked lists until
 * the host acknowledges the reply, and only then may the OOM notifier or
 * an unballoon free them. Without the capability a page freed under
 * pressure may still be released by the host after the guest reused it;
 * Documentation/guest.rst describes that window.
 *
 * Unballoon frees pages back to the guest (2 MiB pieces first, splitting
 * one when less is asked), and so does the OOM notifier, a little at a
 * time, when the guest runs out of memory: the ranges it frees wait in
 * @deflated until the session thread reports them in DEFLATE. When a
 * connection ends, and at unload, every page goes back.
 *
 * Balloon pages are allocated movable, so that memory hot-added into
 * ZONE_MOVABLE can be ballooned too; they cannot migrate, though, so a
 * memory block holding balloon pages cannot be offlined until they are
 * given back.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/oom.h>
#include <linux/pfn.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "dmg.h"
#include "trace.h"

#define DMG_HUGE_ORDER		9
#define DMG_HUGE_PAGES		BIT(DMG_HUGE_ORDER)
#define DMG_FLOOR_MIN		(64UL << 20)
/* Pages the OOM notifier gives back per call, as virtio_balloon does. */
#define DMG_OOM_PAGES		256
#define DMG_GFP			(GFP_HIGHUSER_MOVABLE | __GFP_NORETRY | \
				 __GFP_NOWARN | __GFP_NOMEMALLOC)

static_assert(PAGE_SIZE << DMG_HUGE_ORDER == DYNMEM_PROTO_HUGE_SIZE);

static struct dmp_range dmg_page_range(struct page *page, unsigned int order)
{
	return (struct dmp_range) {
		.start = PFN_PHYS(page_to_pfn(page)),
		.len = PAGE_SIZE << order,
	};
}

static int dmg_range_cmp(const void *a, const void *b)
{
	const struct dmp_range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/* Sort @r and merge what touches: the order the protocol wants. */
static unsigned int dmg_ranges_merge(struct dmp_range *r, unsigned int nr)
{
	unsigned int i, out = 0;

	if (!nr)
		return 0;
	sort(r, nr, sizeof(*r), dmg_range_cmp, NULL);
	for (i = 1; i < nr; i++) {
		struct dmp_range *last = &r[out];

		if (r[i].start <= last->start + last->len) {
			last->len = max(last->len,
					r[i].start + r[i].len - last->start);
			continue;
		}
		r[++out] = r[i];
	}
	return out + 1;
}

/*
 * One (UN)BALLOON_REPLY; all but the last of a request carry MORE. Adds
 * the ranges sent, once merged, to @sent.
 */
static int dmg_balloon_reply(struct dmg *dmg, u16 type, u32 req_seq,
			     bool last, u32 status, struct dmp_range *r,
			     unsigned int nr, unsigned int *sent)
{
	int err;

	nr = dmg_ranges_merge(r, nr);
	err = dmg_session_send_ranges(dmg, type, req_seq,
				      last ? 0 : DYNMEM_PROTO_RANGES_MORE,
				      last ? status : 0, r, nr);
	if (!err)
		*sent += nr;
	return err;
}

static unsigned long dmg_floor_pages(void)
{
	return max(DMG_FLOOR_MIN >> PAGE_SHIFT, totalram_pages() / 16);
}

/* One of @b's page counters, read under its lock, in bytes. */
static u64 dmg_balloon_count_bytes(struct dmg_balloon *b,
				   const unsigned long *count)
{
	unsigned long pages;

	spin_lock(&b->lock);
	pages = *count;
	spin_unlock(&b->lock);
	return (u64)pages << PAGE_SHIFT;
}

/* Pages the host acknowledged: the only ones the guest may take back. */
static unsigned long dmg_balloon_nr_acked(const struct dmg_balloon *b)
{
	lockdep_assert_held(&b->lock);
	return b->nr_pages - b->nr_unacked;
}

/**
 * dmg_balloon_bytes() - memory the balloon holds
 * @dmg: the driver
 *
 * Context: any.
 * Return: bytes.
 */
u64 dmg_balloon_bytes(struct dmg *dmg)
{
	return dmg_balloon_count_bytes(&dmg->balloon, &dmg->balloon.nr_pages);
}

/**
 * dmg_balloon_unacked_bytes() - balloon memory the host has not
 *	acknowledged yet
 * @dmg: the driver
 *
 * Context: any.
 * Return: bytes.
 */
u64 dmg_balloon_unacked_bytes(struct dmg *dmg)
{
	return dmg_balloon_count_bytes(&dmg->balloon, &dmg->balloon.nr_unacked);
}

/**
 * dmg_balloon_set_caps() - what the balloon may do on a new connection
 * @dmg: the driver
 * @caps: the capabilities negotiated; 0 when the connection ends
 *
 * With DYNMEM_PROTO_CAP_DEFLATE the OOM notifier may take pages back and
 * report them; with DYNMEM_PROTO_CAP_BALLOON_ACK the pages of a reply
 * wait for its acknowledgment.
 *
 * Context: any.
 */
void dmg_balloon_set_caps(struct dmg *dmg, u64 caps)
{
	struct dmg_balloon *b = &dmg->balloon;
	bool ok = caps & DYNMEM_PROTO_CAP_DEFLATE;

	spin_lock(&b->lock);
	b->deflate_ok = ok;
	if (!ok)
		b->nr_deflated = 0;
	b->ack = caps & DYNMEM_PROTO_CAP_BALLOON_ACK;
	b->reply_seq = 0;
	b->acked_seq = 0;
	spin_unlock(&b->lock);
}

/**
 * dmg_balloon_ack() - serve a BALLOON_ACK
 * @dmg: the driver
 * @reply_seq: the newest BALLOON_REPLY the host has acted on
 * @why: output: the broken rule, when the acknowledgment is invalid
 *
 * The host has released the memory of every BALLOON_REPLY up to
 * @reply_seq. Once it has acknowledged the newest reply sent, the pages
 * of all of them join the balloon proper, which the OOM notifier and
 * unballoon requests take from.
 *
 * Context: the session thread, connected.
 * Return: 0, or -EPROTO when @reply_seq acknowledges no reply.
 */
int dmg_balloon_ack(struct dmg *dmg, u32 reply_seq, const char **why)
{
	struct dmg_balloon *b = &dmg->balloon;
	unsigned long pages = 0;
	int err = 0;

	spin_lock(&b->lock);
	if (!b->ack) {
		*why = "BALLOON_ACK not negotiated";
		err = -EPROTO;
	} else if (reply_seq <= b->acked_seq || reply_seq > b->reply_seq) {
		*why = "BALLOON_ACK of no unacknowledged reply";
		err = -EPROTO;
	} else {
		b->acked_seq = reply_seq;
		if (reply_seq == b->reply_seq) {
			list_splice_init(&b->unacked_huge, &b->huge);
			list_splice_init(&b->unacked_small, &b->small);
			pages = b->nr_unacked;
			b->nr_unacked = 0;
		}
	}
	spin_unlock(&b->lock);
	if (!err)
		trace_dmg_balloon_ack(reply_seq, (u64)pages << PAGE_SHIFT);
	return err;
}

/**
 * dmg_balloon_inflate() - serve a BALLOON_REQ
 * @dmg: the driver
 * @req_seq: sequence number of the request
 * @bytes: memory asked for, a multiple of 4 KiB
 *
 * Allocates and sends BALLOON_REPLY messages, the last with the status of
 * the whole request.
 *
 * Context: the session thread, connected. May sleep.
 * Return: 0, or -errno when the connection must end.
 */
int dmg_balloon_inflate(struct dmg *dmg, u32 req_seq, u64 bytes)
{
	struct dmg_balloon *b = &dmg->balloon;
	unsigned long floor = dmg_floor_pages();
	u32 status = DYNMEM_PROTO_RANGES_DONE;
	bool huge_ok = true, finished = false;
	unsigned int ranges = 0;
	struct dmp_range *r;
	u64 got = 0;
	int err = 0;
	u32 seq;

	trace_dmg_balloon_req(req_seq, bytes);
	r = kvmalloc_array(DYNMEM_PROTO_RANGES_MAX, sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;

	while (!finished) {
		LIST_HEAD(huge);
		LIST_HEAD(small);
		unsigned long pages = 0;
		unsigned int nr = 0;

		while (nr < DYNMEM_PROTO_RANGES_MAX) {
			u64 left = bytes - got;
			unsigned int order;
			struct page *page = NULL;

			if (!left) {
				finished = true;
				break;
			}
			if (dmg_session_stopping(dmg)) {
				status = DYNMEM_PROTO_RANGES_ABORTED;
				finished = true;
				break;
			}
			order = huge_ok && left >= DYNMEM_PROTO_HUGE_SIZE ?
				DMG_HUGE_ORDER : 0;
			if (si_mem_available() < floor + (1UL << order)) {
				status = DYNMEM_PROTO_RANGES_FLOOR;
				finished = true;
				break;
			}
			page = alloc_pages(DMG_GFP, order);
			if (!page && order) {
				huge_ok = false;
				continue;
			}
			if (!page) {
				status = DYNMEM_PROTO_RANGES_NOMEM;
				finished = true;
				break;
			}
			list_add(&page->lru, order ? &huge : &small);
			r[nr++] = dmg_page_range(page, order);
			pages += 1UL << order;
			got += PAGE_SIZE << order;
			cond_resched();
		}

		/* A page freed under pressure may be in this reply again. */
		err = dmg_session_flush_deflate(dmg);
		seq = dmg_session_tx_seq(dmg);
		if (err >= 0)
			err = dmg_balloon_reply(dmg, DYNMEM_PROTO_BALLOON_REPLY,
						req_seq, finished, status, r, nr,
						&ranges);

		/*
		 * Once the host has the reply it may take the memory: the
		 * pages join the balloon even when the send failed, and go
		 * back to the guest with the rest when the connection ends.
		 * A host that acknowledges replies may still be reading this
		 * one: its pages wait for the acknowledgment.
		 */
		spin_lock(&b->lock);
		if (b->ack && pages) {
			list_splice(&huge, &b->unacked_huge);
			list_splice(&small, &b->unacked_small);
			b->nr_unacked += pages;
		} else {
			list_splice(&huge, &b->huge);
			list_splice(&small, &b->small);
		}
		if (b->ack && !err)
			b->reply_seq = seq;
		b->nr_pages += pages;
		spin_unlock(&b->lock);
		if (err)
			break;
	}
	kvfree(r);
	trace_dmg_balloon_done(req_seq, bytes, got, ranges, status,
			       err < 0 ? err : 0);
	if (!err && status != DYNMEM_PROTO_RANGES_DONE)
		pr_info("balloon: %llu of %llu bytes (status %u)\n", got, bytes,
			status);
	return err < 0 ? err : 0;
}

/*
 * Take up to @max pieces, at most @bytes, off the balloon onto @out.
 * Return: 4 KiB pages taken. Called with the balloon lock held.
 */
static unsigned long dmg_balloon_take(struct dmg_balloon *b, u64 bytes,
				      unsigned int max, struct list_head *out,
				      struct dmp_range *r, unsigned int *nr)
{
	unsigned long pages = 0;
	struct page *page;

	lockdep_assert_held(&b->lock);
	while (*nr < max && bytes >= PAGE_SIZE) {
		unsigned int order;

		if (bytes >= DYNMEM_PROTO_HUGE_SIZE && !list_empty(&b->huge)) {
			order = DMG_HUGE_ORDER;
			page = list_first_entry(&b->huge, struct page, lru);
		} else if (!list_empty(&b->small)) {
			order = 0;
			page = list_first_entry(&b->small, struct page, lru);
		} else if (!list_empty(&b->huge)) {
			unsigned long i;

			/* Less than 2 MiB asked: break up one piece. */
			page = list_first_entry(&b->huge, struct page, lru);
			list_del(&page->lru);
			split_page(page, DMG_HUGE_ORDER);
			for (i = 0; i < DMG_HUGE_PAGES; i++)
				list_add(&page[i].lru, &b->small);
			continue;
		} else {
			break;
		}
		/* Pieces of 2 MiB are not compound: remember their order. */
		set_page_private(page, order);
		list_move_tail(&page->lru, out);
		r[(*nr)++] = dmg_page_range(page, order);
		pages += 1UL << order;
		bytes -= PAGE_SIZE << order;
	}
	b->nr_pages -= pages;
	return pages;
}

/* Free pieces taken with dmg_balloon_take(), which noted their order. */
static void dmg_free_pages(struct list_head *list)
{
	struct page *page, *next;
	unsigned int order;

	list_for_each_entry_safe(page, next, list, lru) {
		list_del(&page->lru);
		order = page_private(page);
		set_page_private(page, 0);
		__free_pages(page, order);
	}
}

/**
 * dmg_balloon_deflate() - serve an UNBALLOON_REQ
 * @dmg: the driver
 * @req_seq: sequence number of the request
 * @bytes: memory to take back, a multiple of 4 KiB
 *
 * Frees balloon pages and sends UNBALLOON_REPLY messages, the last with
 * DYNMEM_PROTO_RANGES_EMPTY when the balloon held less than @bytes.
 *
 * Context: the session thread, connected. May sleep.
 * Return: 0, or -errno when the connection must end.
 */
int dmg_balloon_deflate(struct dmg *dmg, u32 req_seq, u64 bytes)
{
	struct dmg_balloon *b = &dmg->balloon;
	unsigned int ranges = 0;
	struct dmp_range *r;
	u64 left = bytes;
	int err = 0;

	trace_dmg_unballoon_req(req_seq, bytes);
	r = kvmalloc_array(DYNMEM_PROTO_RANGES_MAX, sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	for (;;) {
		LIST_HEAD(out);
		unsigned long pages;
		unsigned int nr = 0;
		bool finished;
		u32 status;

		spin_lock(&b->lock);
		pages = dmg_balloon_take(b, left, DYNMEM_PROTO_RANGES_MAX, &out,
					 r, &nr);
		finished = nr < DYNMEM_PROTO_RANGES_MAX ||
			   left == (u64)pages << PAGE_SHIFT ||
			   !dmg_balloon_nr_acked(b);
		spin_unlock(&b->lock);
		left -= (u64)pages << PAGE_SHIFT;
		dmg_free_pages(&out);

		status = left ? DYNMEM_PROTO_RANGES_EMPTY :
				DYNMEM_PROTO_RANGES_DONE;
		err = dmg_balloon_reply(dmg, DYNMEM_PROTO_UNBALLOON_REPLY,
					req_seq, finished, status, r, nr,
					&ranges);
		if (err || finished)
			break;
		cond_resched();
	}
	kvfree(r);
	trace_dmg_unballoon_done(req_seq, bytes, bytes - left, ranges,
				 left ? DYNMEM_PROTO_RANGES_EMPTY :
					DYNMEM_PROTO_RANGES_DONE, err);
	return err;
}

/**
 * dmg_balloon_give_back() - free the whole balloon and tell the host
 * @dmg: the driver
 *
 * Used before a hot-add: the guest takes its ballooned memory back before
 * it grows. Without DYNMEM_PROTO_CAP_DEFLATE the balloon stays, since the
 * host could not be told; pages the host has not acknowledged stay too.
 *
 * Context: the session thread, connected. May sleep.
 * Return: 0, or -errno when the connection must end.
 */
int dmg_balloon_give_back(struct dmg *dmg)
{
	struct dmg_balloon *b = &dmg->balloon;
	struct dmp_range *r;
	int err = 0;

	spin_lock(&b->lock);
	if (!b->deflate_ok || !dmg_balloon_nr_acked(b)) {
		spin_unlock(&b->lock);
		return 0;
	}
	spin_unlock(&b->lock);

	err = dmg_session_flush_deflate(dmg);
	if (err < 0)
		return err;
	r = kvmalloc_array(DYNMEM_PROTO_RANGES_MAX, sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	for (;;) {
		LIST_HEAD(out);
		unsigned int nr = 0;
		bool more;

		spin_lock(&b->lock);
		dmg_balloon_take(b, DYNMEM_PROTO_BYTES_MAX,
				 DYNMEM_PROTO_RANGES_MAX, &out, r, &nr);
		more = dmg_balloon_nr_acked(b);
		spin_unlock(&b->lock);
		dmg_free_pages(&out);
		if (!nr)
			break;
		err = dmg_session_send_ranges(dmg, DYNMEM_PROTO_DEFLATE, 0,
					      more ? DYNMEM_PROTO_RANGES_MORE : 0,
					      0, r, dmg_ranges_merge(r, nr));
		if (err || !more)
			break;
	}
	kvfree(r);
	return err;
}

/**
 * dmg_balloon_release_all() - give every balloon page back to the guest
 * @dmg: the driver
 *
 * The host is not told: the connection is gone or going.
 *
 * Context: process, may sleep.
 * Return: 4 KiB pages given back.
 */
unsigned long dmg_balloon_release_all(struct dmg *dmg)
{
	struct dmg_balloon *b = &dmg->balloon;
	unsigned long pages, total = 0;
	struct dmp_range *r;

	/* The host is done with the connection: nothing waits any more. */
	spin_lock(&b->lock);
	list_splice_init(&b->unacked_huge, &b->huge);
	list_splice_init(&b->unacked_small, &b->small);
	b->nr_unacked = 0;
	spin_unlock(&b->lock);

	r = kvmalloc_array(DMG_DEFLATE_MAX, sizeof(*r), GFP_KERNEL);
	if (!r) {
		/* Nothing to record the orders in: one list at a time. */
		LIST_HEAD(huge);
		LIST_HEAD(small);
		struct page *page, *next;

		spin_lock(&b->lock);
		list_splice_init(&b->huge, &huge);
		list_splice_init(&b->small, &small);
		total = b->nr_pages;
		b->nr_pages = 0;
		spin_unlock(&b->lock);
		list_for_each_entry_safe(page, next, &huge, lru)
			__free_pages(page, DMG_HUGE_ORDER);
		list_for_each_entry_safe(page, next, &small, lru)
			__free_page(page);
		return total;
	}
	do {
		LIST_HEAD(out);
		unsigned int nr = 0;

		spin_lock(&b->lock);
		pages = dmg_balloon_take(b, DYNMEM_PROTO_BYTES_MAX,
					 DMG_DEFLATE_MAX, &out, r, &nr);
		spin_unlock(&b->lock);
		dmg_free_pages(&out);
		total += pages;
		cond_resched();
	} while (pages);
	kvfree(r);
	return total;
}

/**
 * dmg_balloon_take_deflated() - the ranges the OOM notifier took back
 * @dmg: the driver
 * @r: where to put them, sorted and merged
 * @max: room in @r
 *
 * Context: any.
 * Return: number of ranges put in @r, 0 when none wait.
 */
unsigned int dmg_balloon_take_deflated(struct dmg *dmg, struct dmp_range *r,
				       unsigned int max)
{
	struct dmg_balloon *b = &dmg->balloon;
	unsigned int nr;

	spin_lock(&b->lock);
	nr = min(b->nr_deflated, max);
	memcpy(r, b->deflated, nr * sizeof(*r));
	memmove(b->deflated, b->deflated + nr,
		(b->nr_deflated - nr) * sizeof(*r));
	b->nr_deflated -= nr;
	spin_unlock(&b->lock);
	return dmg_ranges_merge(r, nr);
}

static int dmg_balloon_oom(struct notifier_block *nb, unsigned long action,
			   void *parm)
{
	struct dmg *dmg = container_of(nb, struct dmg, oom_nb);
	struct dmg_balloon *b = &dmg->balloon;
	unsigned long *freed = parm;
	unsigned long n = 0;
	struct page *page;

	spin_lock(&b->lock);
	while (b->deflate_ok && n < DMG_OOM_PAGES &&
	       b->nr_deflated < DMG_DEFLATE_MAX) {
		if (list_empty(&b->small) && !list_empty(&b->huge)) {
			unsigned long i;

			page = list_first_entry(&b->huge, struct page, lru);
			list_del(&page->lru);
			split_page(page, DMG_HUGE_ORDER);
			for (i = 0; i < DMG_HUGE_PAGES; i++)
				list_add(&page[i].lru, &b->small);
		}
		if (list_empty(&b->small))
			break;
		page = list_first_entry(&b->small, struct page, lru);
		list_del(&page->lru);
		b->deflated[b->nr_deflated++] = dmg_page_range(page, 0);
		b->nr_pages--;
		__free_page(page);
		n++;
	}
	b->deflated_total += (u64)n << PAGE_SHIFT;
	trace_dmg_oom_deflate(n, b->nr_pages, b->nr_deflated, b->deflate_ok);
	spin_unlock(&b->lock);
	if (n) {
		*freed += n;
		dmg_session_kick(dmg);
	}
	return NOTIFY_OK;
}

/**
 * dmg_balloon_init() - set up an empty balloon
 * @dmg: the driver
 *
 * Context: process.
 * Return: 0.
 */
int dmg_balloon_init(struct dmg *dmg)
{
	struct dmg_balloon *b = &dmg->balloon;

	spin_lock_init(&b->lock);
	INIT_LIST_HEAD(&b->huge);
	INIT_LIST_HEAD(&b->small);
	INIT_LIST_HEAD(&b->unacked_huge);
	INIT_LIST_HEAD(&b->unacked_small);
	return 0;
}

/**
 * dmg_balloon_uninit() - give back whatever the balloon still holds
 * @dmg: the driver, with the session stopped
 *
 * Context: process, may sleep.
 */
void dmg_balloon_uninit(struct dmg *dmg)
{
	dmg_balloon_release_all(dmg);
}

/**
 * dmg_balloon_oom_init() - deflate the balloon when the guest runs out of
 *	memory
 * @dmg: the driver, with its session running
 *
 * Context: process, may sleep.
 * Return: 0 or -errno.
 */
int dmg_balloon_oom_init(struct dmg *dmg)
{
	dmg->oom_nb.notifier_call = dmg_balloon_oom;
	return register_oom_notifier(&dmg->oom_nb);
}

/**
 * dmg_balloon_oom_uninit() - stop deflating on OOM
 * @dmg: the driver
 *
 * Context: process, may sleep.
 */
void dmg_balloon_oom_uninit(struct dmg *dmg)
{
	unregister_oom_notifier(&dmg->oom_nb);
}
