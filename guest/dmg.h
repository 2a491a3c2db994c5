/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dynmem_guest: the objects the files of the guest driver share.
 *
 * One struct dmg exists while the module is loaded. main.c creates it and
 * brings up its parts in order: the balloon (balloon.c), the user-visible
 * device (device.c), the session with the host (session.c, which calls
 * hotadd.c and balloon.c from its thread) and the OOM notifier. They go
 * away in the reverse order.
 */
#ifndef _DMG_H
#define _DMG_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "../host/codec.h"

/**
 * enum dmg_state - where the session with the host stands
 * @DMG_STATE_CONNECTING: opening the vsock connection to the host
 * @DMG_STATE_HANDSHAKE: HELLO sent, waiting for WELCOME
 * @DMG_STATE_CONNECTED: WELCOME accepted; reporting, serving requests
 * @DMG_STATE_BACKOFF: the host is absent, went away, refused us or broke
 *	the protocol; waiting before the next attempt
 * @DMG_STATE_REFUSED: the host speaks another major version; no retry
 *	until the driver is reloaded
 * @DMG_STATE_STOPPING: the driver is unloading
 *
 * Only the session thread changes the state, through dmg_set_state().
 */
enum dmg_state {
	DMG_STATE_CONNECTING,
	DMG_STATE_HANDSHAKE,
	DMG_STATE_CONNECTED,
	DMG_STATE_BACKOFF,
	DMG_STATE_REFUSED,
	DMG_STATE_STOPPING,
};

/* Room for the ranges DEFLATE reports; more waits for the next send. */
#define DMG_DEFLATE_MAX		512

/**
 * struct dmg_balloon - the pages the driver holds for the host
 * @lock: guards every field below; a spinlock because the OOM notifier
 *	takes it from the allocation path of any task
 * @huge: 2 MiB pages (order 9) given to the host, linked by page->lru
 * @small: 4 KiB pages given to the host, linked by page->lru
 * @unacked_huge: 2 MiB pages of BALLOON_REPLY messages the host has not
 *	acknowledged yet (with DYNMEM_PROTO_CAP_BALLOON_ACK only)
 * @unacked_small: 4 KiB pages of those replies
 * @nr_pages: 4 KiB pages on the four lists together: the balloon
 * @nr_unacked: 4 KiB pages on @unacked_huge and @unacked_small
 * @ack: the host acknowledges BALLOON_REPLY messages on the current
 *	connection (DYNMEM_PROTO_CAP_BALLOON_ACK): the pages of a reply join
 *	@huge and @small only once acknowledged, and until then neither the
 *	OOM notifier nor an unballoon gives them back
 * @reply_seq: @seq of the newest BALLOON_REPLY sent on the connection
 * @acked_seq: @seq of the newest BALLOON_REPLY acknowledged
 * @deflate_ok: the host accepts DEFLATE (DYNMEM_PROTO_CAP_DEFLATE was
 *	negotiated on the current connection); without it the OOM notifier
 *	leaves the balloon alone, since the host would not learn that the
 *	pages are in use again
 * @deflated: ranges taken back under memory pressure and not yet reported
 *	to the host, in the order they were freed
 * @nr_deflated: entries used in @deflated
 * @deflated_total: bytes taken back under memory pressure since load
 */
struct dmg_balloon {
	spinlock_t lock;	/* see above */
	struct list_head huge;
	struct list_head small;
	struct list_head unacked_huge;
	struct list_head unacked_small;
	unsigned long nr_pages;
	unsigned long nr_unacked;
	bool ack;
	u32 reply_seq;
	u32 acked_seq;
	bool deflate_ok;
	struct dmp_range deflated[DMG_DEFLATE_MAX];
	unsigned int nr_deflated;
	u64 deflated_total;
};

/**
 * struct dmg - the driver
 * @lock: guards @state, @host_major, @host_minor, @caps, @period_ms,
 *	@threshold; written by the session thread, read by sysfs
 * @state: enum dmg_state
 * @host_major: protocol major version of the host, 0 before a WELCOME
 * @host_minor: protocol minor version of the host
 * @caps: capabilities negotiated on the current connection
 * @period_ms: report period the host set
 * @threshold: available memory, bytes, whose crossing triggers an urgent
 *	report; 0: none
 * @reports: STATUS messages sent since load
 * @connects: connections the host accepted since load
 * @hot_added: bytes hot-added since load
 * @balloon: the balloon
 * @thread: the session thread; runs everything that talks to the host
 * @sess: the session thread's own data (session.c)
 * @misc: the user-visible device /dev/dynmem and its sysfs directory
 * @oom_nb: the OOM notifier that deflates the balloon
 */
struct dmg {
	struct mutex lock;	/* see above */
	enum dmg_state state;
	u8 host_major;
	u8 host_minor;
	u64 caps;
	u32 period_ms;
	u64 threshold;
	atomic64_t reports;
	atomic_t connects;
	atomic64_t hot_added;
	struct dmg_balloon balloon;
	struct task_struct *thread;
	struct dmg_session *sess;
	struct miscdevice misc;
	struct notifier_block oom_nb;
};

const char *dmg_state_name(enum dmg_state state);

int dmg_balloon_init(struct dmg *dmg);
void dmg_balloon_uninit(struct dmg *dmg);
u64 dmg_balloon_bytes(struct dmg *dmg);
int dmg_balloon_inflate(struct dmg *dmg, u32 req_seq, u64 bytes);
int dmg_balloon_deflate(struct dmg *dmg, u32 req_seq, u64 bytes);
unsigned long dmg_balloon_release_all(struct dmg *dmg);
int dmg_balloon_give_back(struct dmg *dmg);
u64 dmg_balloon_unacked_bytes(struct dmg *dmg);
void dmg_balloon_set_caps(struct dmg *dmg, u64 caps);
int dmg_balloon_ack(struct dmg *dmg, u32 reply_seq, const char **why);
unsigned int dmg_balloon_take_deflated(struct dmg *dmg, struct dmp_range *r,
				       unsigned int max);
int dmg_balloon_oom_init(struct dmg *dmg);
void dmg_balloon_oom_uninit(struct dmg *dmg);

void dmg_hotadd(struct dmg *dmg, const struct dmp_msg *req,
		struct dmp_hotadd_result *res);

int dmg_device_init(struct dmg *dmg);
void dmg_device_uninit(struct dmg *dmg);

int dmg_session_init(struct dmg *dmg);
void dmg_session_uninit(struct dmg *dmg);
u32 dmg_session_tx_seq(struct dmg *dmg);
int dmg_session_send_ranges(struct dmg *dmg, u16 type, u32 req_seq,
			    u16 flags, u32 status, struct dmp_range *range,
			    unsigned int nr);
int dmg_session_flush_deflate(struct dmg *dmg);
bool dmg_session_stopping(struct dmg *dmg);
void dmg_session_kick(struct dmg *dmg);

#endif /* _DMG_H */
