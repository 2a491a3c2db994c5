/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest sessions: the vsock listener, one connection per running guest,
 * and the figures each connection learns.
 */

#ifndef _DMH_SESSION_H
#define _DMH_SESSION_H

#include <linux/types.h>

struct dmh_host;
struct dmh_vm;

/**
 * struct dmh_vm_stats - figures of a VM whose guest is connected
 * @visible: guest-visible memory (MemTotal), bytes
 * @added: memory hot-added on the host's offers, bytes
 * @removed: memory in the balloon (driver locked) and given back to the
 *	host, bytes
 * @demand: the guest's demand (Documentation/host.rst), bytes
 * @pressure_cur: demand * 100 / visible of the last report, percent
 * @pressure_avg: its moving average, percent
 * @pressure_min: its least value on this connection, percent
 * @pressure_max: its greatest value on this connection, percent
 * @hotadd_ops: hot-add requests answered
 * @balloon_ops: balloon and unballoon requests answered
 * @failures: requests that fell short or failed, and releases that failed
 * @last_error: negative errno of the last failure, 0 if none
 */
struct dmh_vm_stats {
	u64 visible;
	u64 added;
	u64 removed;
	u64 demand;
	u32 pressure_cur;
	u32 pressure_avg;
	u32 pressure_min;
	u32 pressure_max;
	u64 hotadd_ops;
	u64 balloon_ops;
	u64 failures;
	s32 last_error;
};

/**
 * struct dmh_loop_vm - what the closed loop needs of one connected VM
 * @vm: the VM record
 * @demand: bytes, from the last report
 * @have: visible memory less the balloon, bytes
 */
struct dmh_loop_vm {
	struct dmh_vm *vm;
	u64 demand;
	u64 have;
};

#if IS_ENABLED(CONFIG_VSOCKETS)

int dmh_session_init(struct dmh_host *host);
void dmh_session_uninit(void);
bool dmh_session_stats(const struct dmh_vm *vm, struct dmh_vm_stats *stats);
unsigned int dmh_session_collect(struct dmh_host *host,
				 struct dmh_loop_vm *out, unsigned int max);

#else

static inline int dmh_session_init(struct dmh_host *host)
{
	return 0;
}

static inline void dmh_session_uninit(void)
{
}

static inline bool dmh_session_stats(const struct dmh_vm *vm,
				     struct dmh_vm_stats *stats)
{
	return false;
}

static inline unsigned int dmh_session_collect(struct dmh_host *host,
					       struct dmh_loop_vm *out,
					       unsigned int max)
{
	return 0;
}

#endif /* CONFIG_VSOCKETS */

#endif /* _DMH_SESSION_H */
