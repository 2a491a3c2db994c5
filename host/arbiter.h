/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dynmem host: the arbiter, the policy that decides how much memory every
 * VM may have. It is pure arithmetic: no locks, no allocation, no KVM, so
 * the same source builds into dynmem_host.ko, into its KUnit suite and into
 * the userspace simulator and benchmark under tools/arbiter/.
 *
 * Documentation/arbiter.rst gives the rules and the math.
 */
#ifndef _DMH_ARBITER_H
#define _DMH_ARBITER_H

#include <linux/bits.h>
#include <linux/types.h>

/* Limits the arbiter accepts; the netlink policy enforces the same ones. */
#define DMH_ARB_SIZE_MAX	BIT_ULL(50)
#define DMH_ARB_BUFFER_MIN	5
#define DMH_ARB_BUFFER_MAX	2000
#define DMH_ARB_WEIGHT_MAX	10000
#define DMH_ARB_HYST_PCT_MAX	100
#define DMH_ARB_MAX_VMS		BIT(20)

/**
 * struct dmh_arb_vm - one VM as the arbiter sees it
 * @key: stable identity of the VM, unique among the VMs of one call; breaks
 *	ties so that the result does not depend on the order of the array
 * @demand: memory the guest reports it needs, in bytes; treated as hostile:
 *	any value is accepted and clamped to @maximum
 * @minimum: the VM never gets less, in bytes
 * @maximum: the VM never gets more, in bytes; @minimum <= @maximum
 * @current_grant: what the VM is granted now, in bytes; only hysteresis
 *	looks at it, and only when it lies within [@minimum, @maximum]
 * @buffer: head room on top of @demand, percent,
 *	DMH_ARB_BUFFER_MIN..DMH_ARB_BUFFER_MAX
 * @weight: share of memory in short times, 0..DMH_ARB_WEIGHT_MAX
 * @target: output: the memory the VM is granted by this pass, in bytes
 */
struct dmh_arb_vm {
	u64 key;
	u64 demand;
	u64 minimum;
	u64 maximum;
	u64 current_grant;
	u32 buffer;
	u32 weight;
	u64 target;
};

/**
 * struct dmh_arb_params - host-wide inputs of one pass
 * @pool: bytes all VMs together may have, at most DMH_ARB_SIZE_MAX
 * @granule: memory above the minimum is shared in multiples of this many
 *	bytes when memory is short, and wishes are rounded up to it; 0 and 1
 *	both mean bytes; at most DMH_ARB_SIZE_MAX
 * @hyst_bytes: a VM keeps its current grant if the new target differs from
 *	it by less than max(@hyst_bytes, current grant * @hyst_pct / 100)
 * @hyst_pct: see @hyst_bytes, 0..DMH_ARB_HYST_PCT_MAX
 */
struct dmh_arb_params {
	u64 pool;
	u64 granule;
	u64 hyst_bytes;
	u32 hyst_pct;
};

/**
 * enum dmh_arb_status - how the pool compared with what the VMs asked for
 * @DMH_ARB_FIT: every VM got its wish
 * @DMH_ARB_SHARED: the wishes did not fit; every VM got its minimum and
 *	the rest of the pool was shared by weight
 * @DMH_ARB_OVERCOMMIT: even the minimums do not fit; every VM's target is
 *	its minimum and the targets exceed the pool by
 *	&dmh_arb_result.overcommit bytes
 */
enum dmh_arb_status {
	DMH_ARB_FIT,
	DMH_ARB_SHARED,
	DMH_ARB_OVERCOMMIT,
};

/**
 * struct dmh_arb_result - summary of one pass
 * @status: see enum dmh_arb_status
 * @wanted: sum of all wishes, in bytes, U64_MAX if it does not fit in a u64
 * @granted: sum of all targets, in bytes, U64_MAX if it does not fit in a
 *	u64 (only possible when overcommitted)
 * @overcommit: bytes by which the minimums exceed the pool, U64_MAX if that
 *	does not fit in a u64; 0 unless @status is %DMH_ARB_OVERCOMMIT
 * @held: number of VMs that kept their current grant through hysteresis
 */
struct dmh_arb_result {
	enum dmh_arb_status status;
	u64 wanted;
	u64 granted;
	u64 overcommit;
	u32 held;
};

/**
 * struct dmh_arb_slot - scratch space of the arbiter, one per VM
 * @units: capacity of the VM above its minimum, in granules; also other
 *	sort keys
 * @alloc: granules handed out to the VM so far
 * @key: copy of &dmh_arb_vm.key
 * @weight: weight the VM competes with in its tier
 * @idx: index of the VM in the caller's array
 *
 * The caller owns the array so that a pass never allocates; its contents
 * mean nothing to the caller.
 */
struct dmh_arb_slot {
	u64 units;
	u64 alloc;
	u64 key;
	u32 weight;
	u32 idx;
};

u64 dmh_arb_wish(const struct dmh_arb_vm *vm, u64 granule);
int dmh_arb_compute(const struct dmh_arb_params *params,
		    struct dmh_arb_vm *vms, u32 nr,
		    struct dmh_arb_slot *scratch,
		    struct dmh_arb_result *res);

#endif /* _DMH_ARBITER_H */
