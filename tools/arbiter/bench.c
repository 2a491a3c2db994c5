// SPDX-License-Identifier: GPL-2.0
/*
 * arbiter-bench: time one arbiter pass (host/arbiter.c) for 1k, 10k and
 * 100k VMs.
 *
 * Inputs are pseudo-random but seeded, so every run measures the same
 * work. The pool holds the minimums and 60 % of what the VMs wish on top,
 * which takes the expensive path (weighted sharing); a tenth of the VMs
 * have weight 0 and the current grants lie near the targets, so
 * hysteresis sorts its candidates too. Each size is timed many times and
 * the median is reported. The N log N check is a figure, not a verdict.
 *
 * Exit status: 0 if every size was measured, 1 otherwise.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../host/arbiter.h"

#define GIB (1ULL << 30)
#define MIB (1ULL << 20)
#define PAGE 4096ULL

static u64 rng_state;

static u64 xorshift64(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static u64 rnd(u64 lo, u64 hi)
{
	return lo + xorshift64() % (hi - lo + 1);
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static int now_ns(u64 *ns)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		return -errno;
	*ns = (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	return 0;
}

static void make_vms(struct dmh_arb_vm *vms, u32 nr, u64 seed,
		     struct dmh_arb_params *params)
{
	u64 sum_min = 0, sum_extra = 0;
	u32 i;

	rng_state = seed;
	for (i = 0; i < nr; i++) {
		struct dmh_arb_vm *vm = &vms[i];

		vm->key = i;
		vm->minimum = rnd(128, 2048) * MIB;
		vm->maximum = vm->minimum + rnd(0, 8) * GIB;
		vm->demand = rnd(0, vm->maximum / PAGE) * PAGE;
		vm->buffer = rnd(5, 100);
		vm->weight = rnd(0, 9) ? rnd(1, 10000) : 0;
		vm->current_grant = 0;
		sum_min += vm->minimum;
		sum_extra += dmh_arb_wish(vm, PAGE) - vm->minimum;
	}
	/* Shuffle keys so that the array is not in key order. */
	for (i = nr - 1; i > 0; i--) {
		u32 j = rnd(0, i);
		u64 k = vms[i].key;

		vms[i].key = vms[j].key;
		vms[j].key = k;
	}
	params->pool = sum_min + sum_extra / 10 * 6;
	params->granule = PAGE;
	params->hyst_bytes = 0;
	params->hyst_pct = 0;
}

struct measurement {
	u32 nr;
	u32 reps;
	u64 median_ns;
	u64 min_ns;
	u32 held;
	enum dmh_arb_status status;
};

static int measure(struct measurement *m)
{
	struct dmh_arb_params params;
	struct dmh_arb_result res;
	struct dmh_arb_slot *scratch;
	struct dmh_arb_vm *vms;
	u64 *samples;
	u32 i, r;
	int err = -ENOMEM;

	vms = calloc(m->nr, sizeof(*vms));
	scratch = calloc(m->nr, sizeof(*scratch));
	samples = calloc(m->reps, sizeof(*samples));
	if (!vms || !scratch || !samples)
		goto out;

	make_vms(vms, m->nr, 0x9e3779b97f4a7c15ULL ^ m->nr, &params);

	/* First pass without hysteresis; grants drift around its targets. */
	err = dmh_arb_compute(&params, vms, m->nr, scratch, &res);
	if (err)
		goto out;
	for (i = 0; i < m->nr; i++) {
		struct dmh_arb_vm *vm = &vms[i];
		u64 cur = vm->target + rnd(0, 32) * MIB;

		vm->current_grant = cur > vm->maximum ? vm->maximum :
				    cur - rnd(0, 32) * MIB;
		if (vm->current_grant < vm->minimum)
			vm->current_grant = vm->minimum;
	}
	params.hyst_bytes = 16 * MIB;
	params.hyst_pct = 1;

	for (r = 0; r < m->reps; r++) {
		u64 t0 = 0, t1 = 0;

		err = now_ns(&t0);
		if (!err)
			err = dmh_arb_compute(&params, vms, m->nr, scratch,
					      &res);
		if (!err)
			err = now_ns(&t1);
		if (err)
			goto out;
		samples[r] = t1 - t0;
	}
	qsort(samples, m->reps, sizeof(*samples), cmp_u64);
	m->median_ns = samples[m->reps / 2];
	m->min_ns = samples[0];
	m->held = res.held;
	m->status = res.status;
out:
	free(samples);
	free(scratch);
	free(vms);
	return err;
}

static const char *const status_name[] = {
	[DMH_ARB_FIT] = "fit",
	[DMH_ARB_SHARED] = "shared",
	[DMH_ARB_OVERCOMMIT] = "overcommit",
};

int main(void)
{
	struct measurement m[] = {
		{ .nr = 1000, .reps = 2001 },
		{ .nr = 10000, .reps = 401 },
		{ .nr = 100000, .reps = 41 },
	};
	size_t i, n = sizeof(m) / sizeof(m[0]);

	printf("%8s %6s %12s %12s %9s %7s %6s\n", "VMs", "reps",
	       "median_ns", "min_ns", "ns/VM", "status", "held");
	for (i = 0; i < n; i++) {
		int err = measure(&m[i]);

		if (err) {
			fprintf(stderr, "arbiter-bench: %u VMs: %s\n", m[i].nr,
				strerror(-err));
			return 1;
		}
		printf("%8u %6u %12llu %12llu %9.1f %7s %6u\n", m[i].nr,
		       m[i].reps, (unsigned long long)m[i].median_ns,
		       (unsigned long long)m[i].min_ns,
		       (double)m[i].median_ns / m[i].nr,
		       status_name[m[i].status], m[i].held);
	}
	printf("\ngrowth of the median against N log N:\n");
	for (i = 1; i < n; i++) {
		double measured = (double)m[i].median_ns / m[i - 1].median_ns;
		double nlogn = (m[i].nr * log2(m[i].nr)) /
			       (m[i - 1].nr * log2(m[i - 1].nr));

		printf("  %6u -> %6u VMs: time x%.2f, N log N predicts x%.2f (ratio %.2f)\n",
		       m[i - 1].nr, m[i].nr, measured, nlogn, measured / nlogn);
	}
	return 0;
}
