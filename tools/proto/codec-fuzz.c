// SPDX-License-Identifier: GPL-2.0
/*
 * codec-fuzz: libFuzzer target for the wire decoder (host/codec.c).
 *
 * Each input is one message, decoded as if from the guest and as if from
 * the host, from a heap copy of exactly its length. A message the decoder
 * accepts must encode back to the very same bytes; a rejection must carry
 * an errno of the decoder's list and a reason.
 *
 *   make -C tools/proto fuzz          build, then run for FUZZ_TIME seconds
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../host/codec_test.h"

/*
 * libFuzzer's entry point; the Makefile gives its name, which is not
 * kernel style.
 */
int DMP_FUZZ_ENTRY(const uint8_t *data, size_t size);

static struct dmpt_scratch scratch;
static u8 out[DYNMEM_PROTO_MSG_MAX];

int DMP_FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	enum dmp_from from;
	const char *bad;
	u8 *copy;
	int err;

	if (size > DYNMEM_PROTO_MSG_MAX + 64)
		return -1;
	copy = malloc(size ? size : 1);
	if (!copy)
		return -1;
	memcpy(copy, data, size);
	for (from = DMP_FROM_GUEST; from <= DMP_FROM_HOST; from++) {
		bad = dmpt_check(copy, size, from, out, &scratch, &err);
		if (bad) {
			fprintf(stderr, "codec-fuzz: %s\n", bad);
			abort();
		}
	}
	free(copy);
	return 0;
}
