// SPDX-License-Identifier: GPL-2.0
/*
 * policy-sim: how much host memory 64 VMs need under dynmem's policy, under
 * a Hyper-V-like policy and under static allocation, for one simulated day
 * of demand.
 *
 * A seeded generator writes a demand trace per VM, one sample per
 * simulated second: a daily cycle, idle periods, bursts and noise. The
 * simulation then runs in ticks of 100 ms. Each dynamic policy computes
 * targets with the real arbiter (host/arbiter.c, built unchanged) and
 * the VMs move toward their targets at the rates hot-add and the balloon
 * achieve, never holding more than the pool together. A VM-tick is over
 * when the VM's demand exceeds the memory it holds (pressure above 100 %).
 * For each policy, bisection on the pool finds the smallest pool with at
 * most 1 % of all VM-ticks over.
 *
 * Documentation/policy-sim.rst states the generator, the model of each
 * policy and the metric.
 *
 * Exit status: 0 when every figure was measured (a policy that cannot
 * meet the criterion with any pool is a result, not a failure); 1 on bad
 * arguments, lack of memory or a pass the arbiter rejected; with --check,
 * 1 if a self-check failed.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../host/arbiter.h"

#define MIB			(1ULL << 20)
#define GIB			(1ULL << 30)
#define PAGE			4096ULL

#define PS_TICKS		10		/* 100 ms ticks per sample */
#define PS_DAY			86400		/* seconds of a daily cycle */
#define PS_SEED			20261127ULL

/* What host/loop.c passes to the arbiter. */
#define PS_GRANULE		(2 * MIB)	/* DMH_LOOP_GRANULE */
#define PS_HYST_BYTES		(8 * MIB)	/* DMH_LOOP_HYST_BYTES */
#define PS_HYST_PCT		1		/* DMH_LOOP_HYST_PCT */
/* The margins of dmh_pol_decide() (host/policy.h). */
#define PS_GROW_MIN		(4 * MIB)	/* DMH_POL_GROW_MIN */
#define PS_SHRINK_MIN		(16 * MIB)	/* DMH_POL_SHRINK_MIN */
#define PS_SHRINK_SHIFT		6		/* DMH_POL_SHRINK_SHIFT */

/* The policy of every VM: defaults of uapi/linux/dynmem.h. */
#define PS_MINIMUM		(512 * MIB)
#define PS_MAXIMUM		(64 * GIB)
#define PS_BUFFER		20
#define PS_WEIGHT		5000

/* The criterion: at most 1 % of VM-ticks over 100 % pressure. */
#define PS_OVER_PCT		1
/* Bisection stops when the bracket is this narrow. */
#define PS_RESOLUTION		(64 * MIB)

/**
 * enum ps_policy - the policies compared
 * @PS_DYNMEM: the arbiter on the guest's demand every 100 ms, hysteresis
 *	and margins as in dynmem_host.ko
 * @PS_HYPERV: the arbiter on committed memory every second, no hysteresis
 * @PS_STATIC: every VM holds its peak demand all day
 */
enum ps_policy {
	PS_DYNMEM,
	PS_HYPERV,
	PS_STATIC,
	PS_NR_POLICIES,
};

static const char *const ps_policy_name[] = {
	[PS_DYNMEM] = "dynmem",
	[PS_HYPERV] = "hyperv-like",
	[PS_STATIC] = "static-peak",
};

/**
 * struct ps_config - what the command line sets
 * @seed: seed of the trace generator
 * @vms: number of VMs
 * @seconds: simulated seconds, one demand sample each
 * @grow_rate: bytes per second a VM grows by (hot-add, unballoon)
 * @shrink_rate: bytes per second a VM shrinks by (balloon)
 * @commit_factor: committed memory over demand, Hyper-V-like policy
 * @commit_tau: seconds committed memory takes to fall back by 1/e
 */
struct ps_config {
	u64 seed;
	u32 vms;
	u32 seconds;
	u64 grow_rate;
	u64 shrink_rate;
	double commit_factor;
	double commit_tau;
};

/**
 * struct ps_sim - a trace and the state of one run over it
 * @cfg: the configuration
 * @demand: demand in bytes, @cfg.seconds rows of @cfg.vms
 * @peak: peak demand of each VM over the trace
 * @avms: arbiter input and output
 * @slots: arbiter scratch
 * @have: memory each VM holds now
 * @target: memory each VM is moving toward
 * @signal: what the policy feeds the arbiter as demand
 * @committed: committed memory of each VM (Hyper-V-like policy)
 * @over: VM-ticks over 100 % pressure, per VM
 * @flag: whether the VM is over in the current tick
 * @want: growth each VM asks for in the current tick, pages
 * @mov: indexes of the VMs that may still move toward their targets
 * @nr_mov: entries in @mov
 * @decay: what is left of committed memory above demand after a second
 * @bursts: bursts the generator started
 * @idle_secs: VM-seconds the generator spent idle
 */
struct ps_sim {
	struct ps_config cfg;
	u64 *demand;
	u64 *peak;
	struct dmh_arb_vm *avms;
	struct dmh_arb_slot *slots;
	u64 *have;
	u64 *target;
	u64 *signal;
	double *committed;
	u64 *over;
	bool *flag;
	u64 *want;
	u32 *mov;
	u32 nr_mov;
	double decay;
	u64 bursts;
	u64 idle_secs;
};

/**
 * struct ps_stats - the outcome of one run
 * @ticks: VM-ticks simulated
 * @over: VM-ticks with demand above the memory held
 * @worst_over: @over of the VM with the most (PS_DETAIL only)
 * @pressure_sum: sum of demand / held * 100 over all VM-ticks (PS_DETAIL
 *	only)
 * @passes: arbiter passes
 * @held: VMs kept at their grant by hysteresis, summed over passes
 * @breaches: ticks at which the VMs held more than the pool (must be 0)
 * @unstable: passes that a repeat with the same demand would change
 *	(only counted when verifying; must be 0)
 */
struct ps_stats {
	u64 ticks;
	u64 over;
	u64 worst_over;
	double pressure_sum;
	u64 passes;
	u64 held;
	u64 breaches;
	u64 unstable;
};

/* splitmix64: small, fast and the same on every machine. */
static u64 ps_rand(u64 *state)
{
	u64 z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double ps_unit(u64 *state)
{
	return (double)(ps_rand(state) >> 11) / 9007199254740992.0;
}

/**
 * struct ps_gen - the generator's state for one VM
 * @rng: the VM's own random stream
 * @base: mean demand while active, bytes
 * @amp: relative amplitude of the daily cycle
 * @peak_time: second of the day at which the cycle peaks
 * @idle: demand while idle, bytes
 * @active_mean: mean length of an active period, seconds
 * @idle_mean: mean length of an idle period, seconds
 * @active: whether the VM is active
 * @burst_left: seconds left of the current burst
 * @burst: height of the current burst, bytes
 */
struct ps_gen {
	u64 rng;
	double base;
	double amp;
	double peak_time;
	double idle;
	double active_mean;
	double idle_mean;
	bool active;
	u32 burst_left;
	double burst;
};

/* One burst per this many active seconds on average. */
#define PS_BURST_EVERY		1800.0

static void ps_gen_init(struct ps_gen *g, u64 seed, u32 vm)
{
	bool idler;

	memset(g, 0, sizeof(*g));
	g->rng = seed ^ ((u64)(vm + 1) * 0xd1b54a32d192ed03ULL);
	ps_rand(&g->rng);
	g->base = (double)GIB * pow(8.0, ps_unit(&g->rng));
	g->amp = 0.1 + 0.5 * ps_unit(&g->rng);
	g->peak_time = 14 * 3600.0 + (ps_unit(&g->rng) - 0.5) * 8 * 3600.0;
	g->idle = fmax(256.0 * MIB, 0.15 * g->base);
	idler = ps_unit(&g->rng) < 0.25;
	g->active_mean = idler ? 2 * 3600.0 : 12 * 3600.0;
	g->idle_mean = idler ? 6 * 3600.0 : 1800.0;
	g->active = ps_unit(&g->rng) <
		    g->active_mean / (g->active_mean + g->idle_mean);
}

/* Demand of one VM for second @t; advances the VM's state. */
static u64 ps_gen_next(struct ps_gen *g, u32 t, u64 *bursts)
{
	double u_switch = ps_unit(&g->rng), u_burst = ps_unit(&g->rng);
	double u_len = ps_unit(&g->rng), u_height = ps_unit(&g->rng);
	double u_noise = ps_unit(&g->rng), level;

	if (g->active && u_switch < 1.0 / g->active_mean)
		g->active = false;
	else if (!g->active && u_switch < 1.0 / g->idle_mean)
		g->active = true;
	if (!g->burst_left && g->active && u_burst < 1.0 / PS_BURST_EVERY) {
		g->burst_left = 5 + (u32)(u_len * 56);
		g->burst = g->base * (0.1 + 0.5 * u_height);
		(*bursts)++;
	}
	if (g->active)
		level = g->base * (1 + g->amp * cos(2 * M_PI *
						    (t - g->peak_time) / PS_DAY));
	else
		level = g->idle;
	if (g->burst_left) {
		level += g->burst;
		g->burst_left--;
	}
	level *= 1 + 0.03 * (2 * u_noise - 1);
	return (u64)(level / PAGE) * PAGE;
}

static int ps_generate(struct ps_sim *sim)
{
	const struct ps_config *cfg = &sim->cfg;
	struct ps_gen *gen = calloc(cfg->vms, sizeof(*gen));
	u32 i, t;

	if (!gen)
		return -ENOMEM;
	sim->bursts = 0;
	sim->idle_secs = 0;
	for (i = 0; i < cfg->vms; i++) {
		ps_gen_init(&gen[i], cfg->seed, i);
		sim->peak[i] = 0;
	}
	for (t = 0; t < cfg->seconds; t++) {
		u64 *row = &sim->demand[(size_t)t * cfg->vms];

		for (i = 0; i < cfg->vms; i++) {
			row[i] = ps_gen_next(&gen[i], t, &sim->bursts);
			sim->idle_secs += !gen[i].active;
			if (row[i] > sim->peak[i])
				sim->peak[i] = row[i];
		}
	}
	free(gen);
	return 0;
}

static void ps_sim_free(struct ps_sim *sim)
{
	free(sim->demand);
	free(sim->peak);
	free(sim->avms);
	free(sim->slots);
	free(sim->have);
	free(sim->target);
	free(sim->signal);
	free(sim->committed);
	free(sim->over);
	free(sim->flag);
	free(sim->want);
	free(sim->mov);
}

static int ps_sim_init(struct ps_sim *sim, const struct ps_config *cfg)
{
	u32 n = cfg->vms;

	memset(sim, 0, sizeof(*sim));
	sim->cfg = *cfg;
	sim->decay = exp(-1.0 / cfg->commit_tau);
	sim->demand = calloc((size_t)cfg->seconds * n, sizeof(*sim->demand));
	sim->peak = calloc(n, sizeof(*sim->peak));
	sim->avms = calloc(n, sizeof(*sim->avms));
	sim->slots = calloc(n, sizeof(*sim->slots));
	sim->have = calloc(n, sizeof(*sim->have));
	sim->target = calloc(n, sizeof(*sim->target));
	sim->signal = calloc(n, sizeof(*sim->signal));
	sim->committed = calloc(n, sizeof(*sim->committed));
	sim->over = calloc(n, sizeof(*sim->over));
	sim->flag = calloc(n, sizeof(*sim->flag));
	sim->want = calloc(n, sizeof(*sim->want));
	sim->mov = calloc(n, sizeof(*sim->mov));
	if (!sim->demand || !sim->peak || !sim->avms || !sim->slots ||
	    !sim->have || !sim->target || !sim->signal || !sim->committed ||
	    !sim->over || !sim->flag || !sim->want || !sim->mov ||
	    ps_generate(sim)) {
		ps_sim_free(sim);
		return -ENOMEM;
	}
	return 0;
}

/* Committed memory after a second of demand @d (Hyper-V-like policy). */
static double ps_commit(const struct ps_sim *sim, double prev, u64 d)
{
	double low = sim->cfg.commit_factor * d;

	if (prev <= low)
		return low;
	return low + (prev - low) * sim->decay;
}

/*
 * One arbiter pass over sim->signal; the VMs' current grants are their
 * previous targets, as in dmh_loop_pass(). With @verify, a second pass
 * with the same demands must leave the targets alone: that is what lets
 * the simulation run one pass per demand sample instead of one per tick.
 */
static int ps_pass(struct ps_sim *sim, enum ps_policy pol, u64 pool,
		   bool verify, struct ps_stats *st)
{
	struct dmh_arb_params params = {
		.pool = pool,
		.granule = PS_GRANULE,
	};
	struct dmh_arb_result res;
	u32 i, n = sim->cfg.vms;
	int err;

	if (pol == PS_DYNMEM) {
		params.hyst_bytes = PS_HYST_BYTES;
		params.hyst_pct = PS_HYST_PCT;
	}
	for (i = 0; i < n; i++) {
		sim->avms[i].demand = sim->signal[i];
		sim->avms[i].current_grant = sim->target[i];
	}
	err = dmh_arb_compute(&params, sim->avms, n, sim->slots, &res);
	if (err)
		return err;
	st->passes++;
	st->held += res.held;
	for (i = 0; i < n; i++)
		sim->target[i] = sim->avms[i].target;
	if (!verify)
		return 0;
	for (i = 0; i < n; i++)
		sim->avms[i].current_grant = sim->target[i];
	err = dmh_arb_compute(&params, sim->avms, n, sim->slots, &res);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		if (sim->avms[i].target != sim->target[i]) {
			st->unstable++;
			break;
		}
	}
	return 0;
}

/* The VMs not at their targets: the only ones ps_move() looks at. */
static void ps_track(struct ps_sim *sim)
{
	u32 i;

	sim->nr_mov = 0;
	for (i = 0; i < sim->cfg.vms; i++)
		if (sim->have[i] != sim->target[i])
			sim->mov[sim->nr_mov++] = i;
}

/*
 * One tick of movement toward the targets. Memory a VM gives back during
 * the tick is free for others from the next tick on; growth takes only
 * what is free and, when the VMs ask for more than that, is shared in
 * proportion to what they ask. dynmem skips steps below the margins of
 * dmh_pol_decide(). Updates which VMs are over 100 % pressure under
 * demand @d, and returns whether any VM moved.
 */
static bool ps_move(struct ps_sim *sim, enum ps_policy pol, u64 pool,
		    const u64 *d, u64 *sum_have, u32 *nr_over)
{
	const u64 grow = sim->cfg.grow_rate / PS_TICKS / PAGE;
	const u64 shrink = sim->cfg.shrink_rate / PS_TICKS / PAGE * PAGE;
	u64 free_pages = (pool - *sum_have) / PAGE, asked = 0, freed = 0;
	u64 grown = 0, gap;
	bool moved = false;
	u32 i, k, keep = 0;

	for (k = 0; k < sim->nr_mov; k++) {
		i = sim->mov[k];
		sim->want[i] = 0;
		if (sim->have[i] > sim->target[i]) {
			gap = sim->have[i] - sim->target[i];
			if (pol == PS_DYNMEM &&
			    gap < max(PS_SHRINK_MIN,
				      sim->have[i] >> PS_SHRINK_SHIFT))
				continue;
			gap = min(gap, shrink);
			sim->have[i] -= gap;
			freed += gap;
			moved = true;
		} else if (sim->target[i] > sim->have[i]) {
			gap = sim->target[i] - sim->have[i];
			if (pol == PS_DYNMEM && gap < PS_GROW_MIN)
				continue;
			sim->want[i] = min((gap + PAGE - 1) / PAGE, grow);
			asked += sim->want[i];
		} else {
			continue;
		}
		sim->mov[keep++] = i;
	}
	sim->nr_mov = keep;
	for (k = 0; k < sim->nr_mov && asked; k++) {
		u64 pages;

		i = sim->mov[k];
		pages = sim->want[i];
		if (!pages)
			continue;
		/* Pages of one tick are below 2^25, free pages below 2^38. */
		if (asked > free_pages)
			pages = pages * free_pages / asked;
		pages = min(pages * PAGE, sim->target[i] - sim->have[i]);
		sim->have[i] += pages;
		grown += pages;
		moved |= pages != 0;
	}
	*sum_have = *sum_have - freed + grown;

	keep = 0;
	for (k = 0; k < sim->nr_mov; k++) {
		bool over;

		i = sim->mov[k];
		over = d[i] > sim->have[i];
		if (over != sim->flag[i]) {
			*nr_over = over ? *nr_over + 1 : *nr_over - 1;
			sim->flag[i] = over;
		}
		if (sim->have[i] != sim->target[i])
			sim->mov[keep++] = i;
	}
	sim->nr_mov = keep;
	return moved;
}

/* Flags of ps_run(). */
#define PS_VERIFY	0x1	/* count breaches and unstable passes */
#define PS_DETAIL	0x2	/* per-VM counts and pressure (slower) */

/* Mark the VMs over 100 % pressure under demand @d; returns how many. */
static u32 ps_flag(struct ps_sim *sim, const u64 *d)
{
	u32 i, nr_over = 0;

	for (i = 0; i < sim->cfg.vms; i++) {
		sim->flag[i] = d[i] > sim->have[i];
		nr_over += sim->flag[i];
	}
	return nr_over;
}

/* Account @ticks ticks of the present state. */
static void ps_account(struct ps_sim *sim, const u64 *d, u32 nr_over,
		       u32 ticks, unsigned int flags, struct ps_stats *st)
{
	u32 i;

	st->over += (u64)nr_over * ticks;
	if (!(flags & PS_DETAIL))
		return;
	for (i = 0; i < sim->cfg.vms; i++) {
		sim->over[i] += sim->flag[i] ? ticks : 0;
		st->pressure_sum += ticks * 100.0 * d[i] / sim->have[i];
	}
}

/*
 * Simulate the whole trace with @pool bytes for @pol.
 *
 * Second s of the trace covers ticks 0..9. Its demand holds from tick 0.
 * dynmem's pass runs at tick 1 (the guest reports within one 100 ms
 * period), the Hyper-V-like pass at tick 0 on the committed memory of the
 * second before (one report per second). Each tick first measures
 * pressure, then moves the VMs by one tick's worth: what a pass decides
 * shows from the tick after it. Once nothing moves after the pass,
 * nothing will until the next sample, and the rest of the second is
 * counted at once. Static allocation holds every VM at its peak and
 * ignores @pool.
 */
static int ps_run(struct ps_sim *sim, enum ps_policy pol, u64 pool,
		  unsigned int flags, struct ps_stats *st)
{
	const struct ps_config *cfg = &sim->cfg;
	u32 i, t, j, n = cfg->vms;
	u32 pass_tick = pol == PS_DYNMEM ? 1 : 0;
	u64 sum_have = 0;
	int err;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < n; i++) {
		sim->avms[i] = (struct dmh_arb_vm){
			.key = i + 1,
			.minimum = PS_MINIMUM,
			.maximum = PS_MAXIMUM,
			.buffer = PS_BUFFER,
			.weight = PS_WEIGHT,
		};
		sim->over[i] = 0;
		sim->target[i] = 0;
		sim->committed[i] = cfg->commit_factor * sim->demand[i];
		sim->signal[i] = pol == PS_HYPERV ? (u64)sim->committed[i] :
						    sim->demand[i];
	}
	if (pol == PS_STATIC) {
		for (i = 0; i < n; i++)
			sim->target[i] = sim->peak[i];
	} else {
		err = ps_pass(sim, pol, pool, flags & PS_VERIFY, st);
		if (err)
			return err;
	}
	for (i = 0; i < n; i++) {
		sim->have[i] = sim->target[i];
		sum_have += sim->have[i];
	}
	sim->nr_mov = 0;

	for (t = 0; t < cfg->seconds; t++) {
		const u64 *d = &sim->demand[(size_t)t * n];
		u32 nr_over = ps_flag(sim, d);

		for (j = 0; j < PS_TICKS; j++) {
			if (pol != PS_STATIC && j == pass_tick) {
				if (pol == PS_DYNMEM)
					memcpy(sim->signal, d, n * sizeof(*d));
				err = ps_pass(sim, pol, pool, flags & PS_VERIFY,
					      st);
				if (err)
					return err;
				ps_track(sim);
			}
			if (j >= pass_tick && !sim->nr_mov) {
				ps_account(sim, d, nr_over, PS_TICKS - j, flags,
					   st);
				break;
			}
			ps_account(sim, d, nr_over, 1, flags, st);
			if (ps_move(sim, pol, pool, d, &sum_have, &nr_over)) {
				if ((flags & PS_VERIFY) && sum_have > pool)
					st->breaches++;
			} else if (j >= pass_tick) {
				ps_account(sim, d, nr_over, PS_TICKS - 1 - j,
					   flags, st);
				break;
			}
		}
		if (pol == PS_HYPERV) {
			for (i = 0; i < n; i++) {
				sim->committed[i] = ps_commit(sim,
							      sim->committed[i],
							      d[i]);
				sim->signal[i] = sim->committed[i];
			}
		}
	}
	st->ticks = (u64)cfg->seconds * PS_TICKS * n;
	for (i = 0; i < n; i++)
		st->worst_over = max(st->worst_over, sim->over[i]);
	return 0;
}

static bool ps_meets(const struct ps_stats *st)
{
	return st->over * 100 <= st->ticks * PS_OVER_PCT;
}

/* The pool at which every pass fits: no VM is ever short of its wish. */
static u64 ps_pool_unlimited(const struct ps_sim *sim, enum ps_policy pol)
{
	double factor = pol == PS_HYPERV ? sim->cfg.commit_factor : 1.0;
	u64 sum = 0;
	u32 i;

	for (i = 0; i < sim->cfg.vms; i++) {
		struct dmh_arb_vm vm = {
			.demand = (u64)(factor * sim->peak[i]) + PAGE,
			.minimum = PS_MINIMUM,
			.maximum = PS_MAXIMUM,
			.buffer = PS_BUFFER,
		};

		sum += dmh_arb_wish(&vm, PS_GRANULE);
	}
	return sum;
}

static int ps_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * A bracket for the bisection, found without simulating.
 *
 * @lo fails the criterion whatever the policy: the VMs never hold more
 * than the pool, so in a second whose total demand exceeds the pool, at
 * least one VM is over at every tick. If that happens in more than
 * seconds * VMs / 100 seconds, more than 1 % of VM-ticks are over. The
 * minimums bound @lo from below as well.
 *
 * With @hi, the largest total of the wishes the policy ever passes to the
 * arbiter, every pass fits: the run at @hi decides whether any pool meets
 * the criterion.
 */
static int ps_bracket(struct ps_sim *sim, enum ps_policy pol, u64 *lo,
		      u64 *hi)
{
	const struct ps_config *cfg = &sim->cfg;
	u64 *total = calloc(cfg->seconds, sizeof(*total));
	u64 m = (u64)cfg->seconds * cfg->vms / 100 + 1;
	u32 i, t;

	if (!total)
		return -ENOMEM;
	*lo = (u64)cfg->vms * PS_MINIMUM;
	*hi = 0;
	for (i = 0; i < cfg->vms; i++)
		sim->committed[i] = cfg->commit_factor * sim->demand[i];
	for (t = 0; t < cfg->seconds; t++) {
		const u64 *d = &sim->demand[(size_t)t * cfg->vms];
		u64 wishes = 0;

		for (i = 0; i < cfg->vms; i++) {
			struct dmh_arb_vm vm = {
				.demand = pol == PS_HYPERV ?
					  (u64)sim->committed[i] : d[i],
				.minimum = PS_MINIMUM,
				.maximum = PS_MAXIMUM,
				.buffer = PS_BUFFER,
			};

			wishes += dmh_arb_wish(&vm, PS_GRANULE);
			total[t] += d[i];
			sim->committed[i] = ps_commit(sim, sim->committed[i],
						      d[i]);
		}
		*hi = max(*hi, wishes);
	}
	if (m <= cfg->seconds) {
		qsort(total, cfg->seconds, sizeof(*total), ps_cmp_u64);
		*lo = max(*lo, total[cfg->seconds - m] - 1);
	}
	free(total);
	*hi = max(*hi, *lo + PS_GRANULE);
	return 0;
}

/**
 * struct ps_found - what ps_needed() found
 * @pool: the smallest pool that meets the criterion, within PS_RESOLUTION
 * @st: the run at @pool
 * @fit_pool: a pool at which every pass fits
 * @fit: the run at @fit_pool: what the delay of reaction alone costs
 * @runs: simulations run
 */
struct ps_found {
	u64 pool;
	struct ps_stats st;
	u64 fit_pool;
	struct ps_stats fit;
	u32 runs;
};

/*
 * Bisection on the pool. Returns 0, -ERANGE if no pool meets the
 * criterion (@f->pool is then @f->fit_pool), or another negative error.
 */
static int ps_needed(struct ps_sim *sim, enum ps_policy pol,
		     struct ps_found *f)
{
	struct ps_stats mid_st;
	u64 lo, hi;
	int err;

	err = ps_bracket(sim, pol, &lo, &hi);
	if (err)
		return err;
	f->runs = 1;
	err = ps_run(sim, pol, hi, 0, &f->fit);
	if (err)
		return err;
	if (!ps_meets(&f->fit)) {
		/* Movement may still have been short of room: try more. */
		hi = ps_pool_unlimited(sim, pol);
		f->runs++;
		err = ps_run(sim, pol, hi, 0, &f->fit);
		if (err)
			return err;
	}
	f->fit_pool = hi;
	f->pool = hi;
	f->st = f->fit;
	if (!ps_meets(&f->fit))
		return -ERANGE;
	while (hi - lo > PS_RESOLUTION) {
		u64 mid = lo + (hi - lo) / 2 / PS_GRANULE * PS_GRANULE;

		f->runs++;
		err = ps_run(sim, pol, mid, 0, &mid_st);
		if (err)
			return err;
		if (ps_meets(&mid_st)) {
			hi = mid;
			f->st = mid_st;
		} else {
			lo = mid;
		}
	}
	f->pool = hi;
	return 0;
}

static double ps_gib(u64 bytes)
{
	return (double)bytes / GIB;
}

static double ps_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void ps_trace_summary(const struct ps_sim *sim)
{
	const struct ps_config *cfg = &sim->cfg;
	u64 sum_peak = 0, peak_sum = 0;
	double mean = 0;
	u32 i, t;

	for (i = 0; i < cfg->vms; i++)
		sum_peak += sim->peak[i];
	for (t = 0; t < cfg->seconds; t++) {
		u64 s = 0;

		for (i = 0; i < cfg->vms; i++)
			s += sim->demand[(size_t)t * cfg->vms + i];
		mean += (double)s / cfg->seconds;
		peak_sum = max(peak_sum, s);
	}
	printf("trace: mean total demand %.2f GiB, peak of the total %.2f GiB, sum of the VMs' peaks %.2f GiB\n",
	       mean / GIB, ps_gib(peak_sum), ps_gib(sum_peak));
	printf("trace: %llu bursts, %.1f %% of VM-seconds idle\n",
	       (unsigned long long)sim->bursts,
	       100.0 * sim->idle_secs / ((double)cfg->seconds * cfg->vms));
}

static int ps_bench(struct ps_sim *sim)
{
	struct ps_found f[PS_NR_POLICIES] = { 0 };
	bool reached[PS_NR_POLICIES];
	double start = ps_now();
	u64 sum_peak = 0;
	int err, pol;
	u32 i;

	printf("policy-sim: %u VMs, %u s simulated in 100 ms ticks, seed %llu\n",
	       sim->cfg.vms, sim->cfg.seconds,
	       (unsigned long long)sim->cfg.seed);
	printf("model: grow %llu MiB/s, shrink %llu MiB/s, commit factor %.2f, commit tau %.0f s, buffer %u %%\n",
	       (unsigned long long)(sim->cfg.grow_rate / MIB),
	       (unsigned long long)(sim->cfg.shrink_rate / MIB),
	       sim->cfg.commit_factor, sim->cfg.commit_tau, PS_BUFFER);
	printf("criterion: at most %u %% of all VM-ticks (100 ms) with demand above the memory held\n",
	       PS_OVER_PCT);
	ps_trace_summary(sim);

	for (i = 0; i < sim->cfg.vms; i++)
		sum_peak += sim->peak[i];
	for (pol = 0; pol < PS_NR_POLICIES; pol++) {
		err = 0;
		f[pol].pool = sum_peak;
		if (pol != PS_STATIC)
			err = ps_needed(sim, pol, &f[pol]);
		reached[pol] = err != -ERANGE;
		/* Once more at the pool found, for the detailed figures. */
		if (!err || err == -ERANGE) {
			f[pol].runs++;
			err = ps_run(sim, pol, f[pol].pool, PS_DETAIL,
				     &f[pol].st);
		}
		if (err) {
			fprintf(stderr, "policy-sim: %s: %s\n",
				ps_policy_name[pol], strerror(-err));
			return 1;
		}
		printf("# %s: %u runs\n", ps_policy_name[pol], f[pol].runs);
	}

	printf("\n%-12s %11s %10s %9s %10s %9s %9s\n", "policy",
	       "memory_GiB", "vs_dynmem", "over_%", "worst_vm_%",
	       "mean_pr_%", "passes");
	for (pol = 0; pol < PS_NR_POLICIES; pol++) {
		const struct ps_stats *s = &f[pol].st;

		printf("%-12s %11.2f %10.3f %9.3f %10.3f %9.1f %9llu%s\n",
		       ps_policy_name[pol], ps_gib(f[pol].pool),
		       (double)f[pol].pool / f[PS_DYNMEM].pool,
		       100.0 * s->over / s->ticks,
		       100.0 * s->worst_over / (s->ticks / sim->cfg.vms),
		       s->pressure_sum / s->ticks,
		       (unsigned long long)s->passes,
		       reached[pol] ? "" : "  (no pool meets the criterion)");
	}
	printf("\nVM-ticks over with a pool at which every pass fits (delay of reaction alone):\n");
	for (pol = 0; pol < PS_STATIC; pol++)
		printf("  %-12s %.3f %% at %.2f GiB\n", ps_policy_name[pol],
		       100.0 * f[pol].fit.over / f[pol].fit.ticks,
		       ps_gib(f[pol].fit_pool));
	printf("# pool resolution %llu MiB; %.1f s\n",
	       (unsigned long long)(PS_RESOLUTION / MIB), ps_now() - start);
	return 0;
}

/* Self-checks, as KTAP. */
static u32 ps_test_nr;
static bool ps_test_failed;

static void ps_ok(bool ok, const char *what)
{
	printf("%sok %u - %s\n", ok ? "" : "not ", ++ps_test_nr, what);
	ps_test_failed |= !ok;
}

static int ps_check(struct ps_sim *sim)
{
	struct ps_config other = sim->cfg;
	struct ps_stats st, st2;
	struct ps_found f;
	struct ps_sim sim2;
	u32 i, big = 0;
	u64 pool;
	int err, pol;

	printf("KTAP version 1\n1..14\n");
	printf("# %u VMs, %u s, seed %llu\n", sim->cfg.vms, sim->cfg.seconds,
	       (unsigned long long)sim->cfg.seed);

	if (ps_sim_init(&sim2, &sim->cfg))
		return -ENOMEM;
	ps_ok(!memcmp(sim->demand, sim2.demand, (size_t)sim->cfg.seconds *
		      sim->cfg.vms * sizeof(*sim->demand)),
	      "the same seed generates the same trace");
	ps_sim_free(&sim2);
	other.seed++;
	if (ps_sim_init(&sim2, &other))
		return -ENOMEM;
	ps_ok(memcmp(sim->demand, sim2.demand, (size_t)sim->cfg.seconds *
		     sim->cfg.vms * sizeof(*sim->demand)),
	      "another seed generates another trace");
	ps_sim_free(&sim2);

	err = ps_run(sim, PS_STATIC, 0, PS_VERIFY | PS_DETAIL, &st);
	if (err)
		return err;
	ps_ok(st.over == 0, "static at each VM's peak: no VM-tick over 100 %");
	for (i = 1; i < sim->cfg.vms; i++)
		if (sim->peak[i] > sim->peak[big])
			big = i;
	sim->peak[big] -= PAGE;
	err = ps_run(sim, PS_STATIC, 0, PS_VERIFY | PS_DETAIL, &st);
	sim->peak[big] += PAGE;
	if (err)
		return err;
	ps_ok(st.over > 0 && st.over == sim->over[big],
	      "static one page below a VM's peak: that VM goes over 100 %");

	for (pol = 0; pol < PS_STATIC; pol++) {
		char what[128];

		err = ps_needed(sim, pol, &f);
		snprintf(what, sizeof(what),
			 "%s: a pool meets the criterion and the next smaller one does not",
			 ps_policy_name[pol]);
		if (!err) {
			err = ps_run(sim, pol, f.pool - PS_RESOLUTION, 0,
				     &st2);
			if (err)
				return err;
			ps_ok(ps_meets(&f.st) && !ps_meets(&st2), what);
		} else if (err == -ERANGE) {
			ps_ok(false, what);
		} else {
			return err;
		}
		pool = f.pool;
		err = ps_run(sim, pol, pool, PS_VERIFY | PS_DETAIL, &st);
		if (err)
			return err;
		snprintf(what, sizeof(what),
			 "%s: the VMs never hold more than the pool",
			 ps_policy_name[pol]);
		ps_ok(st.breaches == 0, what);
		snprintf(what, sizeof(what),
			 "%s: a pass repeated on the same demand keeps its targets",
			 ps_policy_name[pol]);
		ps_ok(st.unstable == 0 && st.passes > sim->cfg.seconds, what);
		err = ps_run(sim, pol, pool, PS_DETAIL, &st2);
		if (err)
			return err;
		snprintf(what, sizeof(what),
			 "%s: a second run gives the same figures",
			 ps_policy_name[pol]);
		ps_ok(st.over == st2.over && st.held == st2.held &&
		      st.pressure_sum == st2.pressure_sum, what);
		err = ps_run(sim, pol, (u64)sim->cfg.vms * PS_MINIMUM, 0,
			     &st2);
		if (err)
			return err;
		snprintf(what, sizeof(what),
			 "%s: with only the minimums, more VM-ticks go over",
			 ps_policy_name[pol]);
		ps_ok(st2.over > st.over, what);
	}
	return 0;
}

static void ps_usage(FILE *f)
{
	fprintf(f,
		"usage: policy-sim [-c] [-s SEED] [-n VMS] [-t SECONDS] [-g MIB_PER_S] [-r MIB_PER_S] [-k PERCENT] [-T SECONDS]\n"
		"  -c, --check        run the self-checks (KTAP) on a small trace\n"
		"  -s, --seed N       seed of the trace generator (%llu)\n"
		"  -n, --vms N        number of VMs (64)\n"
		"  -t, --seconds N    simulated seconds (86400)\n"
		"  -g, --grow N       growth rate of a VM, MiB/s (1024)\n"
		"  -r, --shrink N     shrink rate of a VM, MiB/s (1024)\n"
		"  -k, --commit-factor PERCENT\n"
		"                     committed memory over demand, Hyper-V-like (110)\n"
		"  -T, --commit-tau N seconds committed memory takes to fall by 1/e (600)\n",
		(unsigned long long)PS_SEED);
}

static int ps_parse(const char *s, unsigned long long lo,
		    unsigned long long hi, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	if (errno || end == s || *end || *out < lo || *out > hi)
		return -EINVAL;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "seed", required_argument, NULL, 's' },
		{ "vms", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 't' },
		{ "grow", required_argument, NULL, 'g' },
		{ "shrink", required_argument, NULL, 'r' },
		{ "commit-factor", required_argument, NULL, 'k' },
		{ "commit-tau", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ps_config cfg = {
		.seed = PS_SEED,
		.vms = 64,
		.seconds = PS_DAY,
		.grow_rate = GIB,
		.shrink_rate = GIB,
		.commit_factor = 1.10,
		.commit_tau = 600,
	};
	bool check = false, vms_set = false, secs_set = false;
	unsigned long long v;
	struct ps_sim sim;
	int c, err = 0;

	while ((c = getopt_long(argc, argv, "cs:n:t:g:r:k:T:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			check = true;
			break;
		case 's':
			err = ps_parse(optarg, 0, ~0ULL, &v);
			cfg.seed = v;
			break;
		case 'n':
			err = ps_parse(optarg, 1, 65536, &v);
			cfg.vms = v;
			vms_set = true;
			break;
		case 't':
			err = ps_parse(optarg, 1, 7 * PS_DAY, &v);
			cfg.seconds = v;
			secs_set = true;
			break;
		case 'g':
			err = ps_parse(optarg, 1, 1 << 20, &v);
			cfg.grow_rate = v * MIB;
			break;
		case 'r':
			err = ps_parse(optarg, 1, 1 << 20, &v);
			cfg.shrink_rate = v * MIB;
			break;
		case 'k':
			err = ps_parse(optarg, 100, 1000, &v);
			cfg.commit_factor = v / 100.0;
			break;
		case 'T':
			err = ps_parse(optarg, 1, PS_DAY, &v);
			cfg.commit_tau = v;
			break;
		case 'h':
			ps_usage(stdout);
			return 0;
		default:
			ps_usage(stderr);
			return 1;
		}
		if (err) {
			fprintf(stderr, "policy-sim: bad value for -%c: %s\n",
				c, optarg);
			return 1;
		}
	}
	if (optind != argc) {
		ps_usage(stderr);
		return 1;
	}
	/* The self-checks run on a small trace unless told otherwise. */
	if (check && !vms_set)
		cfg.vms = 16;
	if (check && !secs_set)
		cfg.seconds = 4 * 3600;

	if (ps_sim_init(&sim, &cfg)) {
		fprintf(stderr, "policy-sim: out of memory\n");
		return 1;
	}
	if (check) {
		err = ps_check(&sim);
		if (err)
			printf("# aborted: %s\n", strerror(-err));
		err = err || ps_test_failed;
	} else {
		err = ps_bench(&sim);
	}
	ps_sim_free(&sim);
	return err ? 1 : 0;
}
