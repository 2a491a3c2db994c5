// SPDX-License-Identifier: GPL-2.0
/*
 * arbiter-sim: run one arbiter pass (host/arbiter.c) over VMs read from
 * standard input and print the targets.
 *
 * Input, one item per line, '#' starts a comment; sizes take an optional
 * K, M, G, T or P suffix (powers of 1024):
 *
 *   pool SIZE
 *   granule SIZE
 *   hysteresis SIZE [PERCENT]
 *   vm KEY DEMAND MINIMUM MAXIMUM BUFFER WEIGHT [CURRENT]
 *
 * Output: one line per VM in input order, "KEY WISH TARGET" in bytes,
 * then a line "status STATUS wanted BYTES granted BYTES overcommit BYTES
 * held N".
 *
 * Exit status: 0 on success, 1 on bad input or a rejected pass.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../host/arbiter.h"

static int parse_size(const char *s, u64 *out)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	if (!s)
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'P':
		shift += 10;
		/* fall through */
	case 'T':
		shift += 10;
		/* fall through */
	case 'G':
		shift += 10;
		/* fall through */
	case 'M':
		shift += 10;
		/* fall through */
	case 'K':
		shift += 10;
		end++;
		break;
	default:
		break;
	}
	if (*end || (shift && v > (~0ULL >> shift)))
		return -EINVAL;
	*out = (u64)v << shift;
	return 0;
}

static int parse_u32(const char *s, u32 *out)
{
	u64 v;

	if (parse_size(s, &v) || v > 0xffffffffULL)
		return -EINVAL;
	*out = v;
	return 0;
}

static const char *const status_name[] = {
	[DMH_ARB_FIT] = "fit",
	[DMH_ARB_SHARED] = "shared",
	[DMH_ARB_OVERCOMMIT] = "overcommit",
};

int main(void)
{
	struct dmh_arb_params params = { 0 };
	struct dmh_arb_result res;
	struct dmh_arb_slot *scratch;
	struct dmh_arb_vm *vms = NULL;
	u32 nr = 0, cap = 0, i, lineno = 0;
	char line[512];
	int err;

	while (fgets(line, sizeof(line), stdin)) {
		char *tok[9], *save = NULL, *hash = strchr(line, '#');
		int n = 0;

		lineno++;
		if (hash)
			*hash = '\0';
		for (char *t = strtok_r(line, " \t\n", &save); t && n < 9;
		     t = strtok_r(NULL, " \t\n", &save))
			tok[n++] = t;
		if (!n)
			continue;
		err = -EINVAL;
		if (!strcmp(tok[0], "pool") && n == 2) {
			err = parse_size(tok[1], &params.pool);
		} else if (!strcmp(tok[0], "granule") && n == 2) {
			err = parse_size(tok[1], &params.granule);
		} else if (!strcmp(tok[0], "hysteresis") && (n == 2 || n == 3)) {
			err = parse_size(tok[1], &params.hyst_bytes);
			if (!err && n == 3)
				err = parse_u32(tok[2], &params.hyst_pct);
		} else if (!strcmp(tok[0], "vm") && (n == 7 || n == 8)) {
			struct dmh_arb_vm *vm;

			if (nr == cap) {
				cap = cap ? 2 * cap : 64;
				vms = realloc(vms, cap * sizeof(*vms));
				if (!vms) {
					perror("arbiter-sim");
					return 1;
				}
			}
			vm = &vms[nr];
			memset(vm, 0, sizeof(*vm));
			err = parse_size(tok[1], &vm->key) ?:
			      parse_size(tok[2], &vm->demand) ?:
			      parse_size(tok[3], &vm->minimum) ?:
			      parse_size(tok[4], &vm->maximum) ?:
			      parse_u32(tok[5], &vm->buffer) ?:
			      parse_u32(tok[6], &vm->weight);
			if (!err && n == 8)
				err = parse_size(tok[7], &vm->current_grant);
			if (!err)
				nr++;
		}
		if (err) {
			fprintf(stderr, "arbiter-sim: line %u: not understood\n",
				lineno);
			return 1;
		}
	}

	scratch = calloc(nr ? nr : 1, sizeof(*scratch));
	if (!scratch) {
		perror("arbiter-sim");
		return 1;
	}
	err = dmh_arb_compute(&params, vms, nr, scratch, &res);
	if (err) {
		fprintf(stderr, "arbiter-sim: pass rejected: %s\n",
			strerror(-err));
		return 1;
	}
	for (i = 0; i < nr; i++)
		printf("%llu %llu %llu\n", (unsigned long long)vms[i].key,
		       (unsigned long long)dmh_arb_wish(&vms[i],
							params.granule),
		       (unsigned long long)vms[i].target);
	printf("status %s wanted %llu granted %llu overcommit %llu held %u\n",
	       status_name[res.status], (unsigned long long)res.wanted,
	       (unsigned long long)res.granted,
	       (unsigned long long)res.overcommit, res.held);
	free(scratch);
	free(vms);
	return 0;
}
