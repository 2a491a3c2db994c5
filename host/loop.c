// SPDX-License-Identifier: GPL-2.0
/*
 * The closed loop of the host.
 *
 * A pass takes the demand of every VM whose guest is connected (from its
 * last report, see policy.c), the policy of its record and the host's
 * pool, lets the arbiter compute a target per VM and stores it in the
 * record (&dmh_vm.target). The sessions then move their guests toward
 * the targets, one request at a time (session.c, with the steps of
 * dmh_pol_decide()).
 *
 * A pass runs every host period (DYNMEM_HOST_A_PERIOD_MS) from a delayed
 * work, and whenever a guest reports. Settings and policies are read at
 * every pass, so a changed maximum, minimum, buffer or weight acts on
 * running VMs at the next one.
 *
 * VMs whose guest is not connected keep the memory they have and take no
 * part: the host has no way to move them.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dynmem.h>
#include <linux/dynmem_proto.h>
#include <linux/lockdep.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "arbiter.h"
#include "loop.h"
#include "session.h"
#include "trace.h"
#include "vm.h"

/* Targets move by whole huge pages, the unit of the balloon. */
#define DMH_LOOP_GRANULE	DYNMEM_PROTO_HUGE_SIZE
/* Hysteresis of the arbiter: a target moves by at least this much. */
#define DMH_LOOP_HYST_BYTES	(8ULL << 20)
#define DMH_LOOP_HYST_PCT	1

/**
 * struct dmh_loop - the periodic pass
 * @host: the host whose VMs it balances
 * @work: runs a pass every period
 * @stopping: set under @host->lock when the module goes away; @work is not
 *	armed again
 */
struct dmh_loop {
	struct dmh_host *host;
	struct delayed_work work;
	bool stopping;
};

static struct dmh_loop *dmh_loop;

/**
 * dmh_loop_pass() - compute the targets of every connected VM
 * @host: the host
 *
 * Context: @host->lock held, process context, may sleep.
 */
void dmh_loop_pass(struct dmh_host *host)
{
	struct dmh_arb_params params = {
		.granule = DMH_LOOP_GRANULE,
		.hyst_bytes = DMH_LOOP_HYST_BYTES,
		.hyst_pct = DMH_LOOP_HYST_PCT,
	};
	struct dmh_arb_result res;
	struct dmh_arb_slot *slots;
	struct dmh_loop_vm *lvms;
	struct dmh_arb_vm *avms;
	unsigned int nr, i;
	int ret;

	lockdep_assert_held(&host->lock);

	if (!host->nr_attached)
		return;
	lvms = kcalloc(host->nr_attached, sizeof(*lvms), GFP_KERNEL);
	avms = kcalloc(host->nr_attached, sizeof(*avms), GFP_KERNEL);
	slots = kcalloc(host->nr_attached, sizeof(*slots), GFP_KERNEL);
	if (!lvms || !avms || !slots)
		goto out_free;

	nr = dmh_session_collect(host, lvms, host->nr_attached);
	if (!nr)
		goto out_free;
	for (i = 0; i < nr; i++) {
		const struct dmh_vm *vm = lvms[i].vm;

		avms[i] = (struct dmh_arb_vm){
			.key = vm->id,
			.demand = lvms[i].demand,
			.minimum = vm->policy.minimum,
			.maximum = vm->policy.maximum,
			.current_grant = vm->target ? vm->target : lvms[i].have,
			.buffer = vm->policy.buffer,
			.weight = vm->policy.weight,
		};
	}
	params.pool = min_t(u64, dmh_host_pool(host), DMH_ARB_SIZE_MAX);
	ret = dmh_arb_compute(&params, avms, nr, slots, &res);
	if (ret) {
		pr_warn_ratelimited("arbiter pass failed: %d\n", ret);
		goto out_free;
	}
	trace_dmh_pass(nr, params.pool, &res);
	for (i = 0; i < nr; i++) {
		struct dmh_vm *vm = lvms[i].vm;

		if (vm->target != avms[i].target)
			trace_dmh_target(vm->name, vm->target, avms[i].target,
					 lvms[i].demand);
		vm->target = avms[i].target;
	}

out_free:
	kfree(slots);
	kfree(avms);
	kfree(lvms);
}

static void dmh_loop_arm(struct dmh_loop *loop)
{
	lockdep_assert_held(&loop->host->lock);

	if (!loop->stopping)
		schedule_delayed_work(&loop->work,
				      msecs_to_jiffies(loop->host->settings.period_ms));
}

static void dmh_loop_work(struct work_struct *work)
{
	struct dmh_loop *loop = container_of(to_delayed_work(work),
					     struct dmh_loop, work);
	struct dmh_host *host = loop->host;

	mutex_lock(&host->lock);
	dmh_loop_pass(host);
	dmh_loop_arm(loop);
	mutex_unlock(&host->lock);
}

/**
 * dmh_loop_init() - start the periodic pass
 * @host: the host
 *
 * Context: process context, may sleep.
 * Return: 0, or -ENOMEM.
 */
int dmh_loop_init(struct dmh_host *host)
{
	struct dmh_loop *loop;

	loop = kzalloc(sizeof(*loop), GFP_KERNEL);
	if (!loop)
		return -ENOMEM;
	loop->host = host;
	INIT_DELAYED_WORK(&loop->work, dmh_loop_work);
	dmh_loop = loop;

	mutex_lock(&host->lock);
	dmh_loop_arm(loop);
	mutex_unlock(&host->lock);
	return 0;
}

/**
 * dmh_loop_uninit() - stop the periodic pass
 *
 * Context: process context, may sleep; not the host's lock.
 */
void dmh_loop_uninit(void)
{
	struct dmh_loop *loop = dmh_loop;

	mutex_lock(&loop->host->lock);
	loop->stopping = true;
	mutex_unlock(&loop->host->lock);
	cancel_delayed_work_sync(&loop->work);
	dmh_loop = NULL;
	kfree(loop);
}
