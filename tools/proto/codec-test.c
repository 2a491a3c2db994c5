// SPDX-License-Identifier: GPL-2.0
/*
 * codec-test: the wire codec (host/codec.c) against the cases of
 * host/codec_test.h, in userspace, built with ASan and UBSan: a message of
 * every type round trip, every rejection rule, then random valid messages
 * mutated many times. Every decode gets a heap copy of exactly the
 * message's length, so a read past the end stops the run.
 *
 *   codec-test [-n ITERATIONS] [-s SEED]
 *   codec-test -c DIR      write valid messages into DIR, a fuzzing corpus
 *
 * Prints KTAP; exits non-zero if a test failed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../host/codec_test.h"

static unsigned int test_nr;
static int failed;

static void result(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %u - ", ok ? "ok" : "not ok", ++test_nr);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!ok)
		failed = 1;
}

static struct dmpt_scratch scratch;
static u8 work[DYNMEM_PROTO_MSG_MAX + 64];
static u8 out[DYNMEM_PROTO_MSG_MAX];

/* Decode an exact-size heap copy of @len bytes of @buf. */
static const char *check_copy(const u8 *buf, size_t len, enum dmp_from from,
			      int *err)
{
	u8 *copy = malloc(len ? len : 1);
	const char *bad;

	if (!copy) {
		perror("malloc");
		exit(2);
	}
	memcpy(copy, buf, len);
	bad = dmpt_check(copy, len, from, out, &scratch, err);
	free(copy);
	return bad;
}

static void test_roundtrip(u64 seed, unsigned int per_type)
{
	struct dmpt_rng rng = { seed };
	u16 type;

	for (type = 1; type <= DYNMEM_PROTO_TYPE_MAX; type++) {
		const char *bad = NULL;
		unsigned int i;
		int len, err;

		len = dmpt_base(type, work);
		if (len < 0)
			bad = "base message does not encode";
		else
			bad = check_copy(work, len, dmpt_from(type), &err);
		if (!bad && err)
			bad = "base message rejected";
		for (i = 0; i < per_type && !bad; i++) {
			len = dmpt_random_msg(&rng, type, work, &scratch);
			if (len < 0) {
				bad = "random message does not encode";
				break;
			}
			bad = check_copy(work, len, dmpt_from(type), &err);
			if (!bad && err)
				bad = "random valid message rejected";
		}
		if (bad)
			printf("# %s: %s\n", dmp_type_name(type), bad);
		result(!bad, "roundtrip %s", dmp_type_name(type));
	}
}

static void test_rejects(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dmpt_rejects); i++) {
		const struct dmpt_reject *c = &dmpt_rejects[i];
		const char *why = NULL;
		struct dmp_msg m;
		int len, err;
		u8 *copy;

		len = dmpt_apply(c, work);
		if (len < 0) {
			result(0, "reject %s: base does not encode", c->name);
			continue;
		}
		copy = malloc(len ? len : 1);
		memcpy(copy, work, len);
		err = dmp_decode(copy, len, dmpt_from(c->type), &m, &why);
		free(copy);
		if (err != c->err || !why)
			printf("# %s: got %d (%s), expected %d\n", c->name,
			       err, why ? why : "no reason", c->err);
		else
			printf("# %s: %s\n", c->name, why);
		result(err == c->err && why, "reject %s", c->name);
	}
}

/* A HELLO of major 2 still shows its contents; other types do not. */
static void test_foreign(void)
{
	const char *why;
	struct dmp_msg m;
	int len, err, ok;

	len = dmpt_base(DYNMEM_PROTO_HELLO, work);
	work[offsetof(struct dynmem_proto_hdr, major)] = 2;
	work[offsetof(struct dynmem_proto_hdr, minor)] = 7;
	err = dmp_decode(work, len, DMP_FROM_GUEST, &m, &why);
	ok = err == -EPROTONOSUPPORT && m.hdr.major == 2 &&
	     m.hdr.minor == 7 && m.hdr.type == DYNMEM_PROTO_HELLO &&
	     m.hello.block_size == DMPT_BLOCK &&
	     m.hello.caps == DYNMEM_PROTO_CAPS_KNOWN;
	result(ok, "foreign major HELLO decoded for the answer");

	len = dmpt_base(DYNMEM_PROTO_WELCOME, work);
	work[offsetof(struct dynmem_proto_hdr, major)] = 3;
	err = dmp_decode(work, len, DMP_FROM_HOST, &m, &why);
	ok = err == -EPROTONOSUPPORT && m.hdr.major == 3 &&
	     m.hdr.type == DYNMEM_PROTO_WELCOME &&
	     m.welcome.caps == DYNMEM_PROTO_CAP_BALLOON;
	result(ok, "foreign major WELCOME decoded for the log");

	len = dmpt_base(DYNMEM_PROTO_STATUS, work);
	work[offsetof(struct dynmem_proto_hdr, major)] = 2;
	err = dmp_decode(work, len, DMP_FROM_GUEST, &m, &why);
	result(err == -EPROTONOSUPPORT && m.hdr.type == 0,
	       "foreign major STATUS not decoded");
}

static void test_golden(void)
{
	struct dmp_hotadd_result r1;
	struct dmp_msg m;
	int len, ok;

	len = dmpt_base(DYNMEM_PROTO_HELLO, work);
	ok = len == sizeof(dmpt_golden_hello) &&
	     !memcmp(work, dmpt_golden_hello, len);
	len = dmpt_base(DYNMEM_PROTO_HOTADD_REPLY, work);
	ok &= len == sizeof(dmpt_golden_hotadd_reply) &&
	      !memcmp(work, dmpt_golden_hotadd_reply, len);
	result(ok, "encoders write the documented bytes");

	ok = !dmp_decode(dmpt_golden_hotadd_reply,
			 sizeof(dmpt_golden_hotadd_reply), DMP_FROM_GUEST, &m,
			 NULL);
	r1 = dmp_hotadd_result_at(&m.hotadd_reply, 1);
	ok = ok && m.hdr.seq == 6 && m.hotadd_reply.req_seq == 2 &&
	     m.hotadd_reply.nr == 2 && r1.start == 0x80000000ULL &&
	     r1.len == 3 * DMPT_BLOCK && r1.added == DMPT_BLOCK &&
	     r1.status == DYNMEM_PROTO_HOTADD_FAILED;
	result(ok, "decoder reads the documented bytes");
}

static void test_encoders(void)
{
	struct dmp_range_list l = { .req_seq = 1 };
	struct dmp_range r = { 0, DMPT_PAGE };
	struct dmp_hello h = { 0, DMPT_BLOCK };
	int ok;

	ok = dmp_encode_hello(work, 31, 0, &h) == -ENOSPC &&
	     dmp_encode_hello(work, 32, 0, &h) == 32;
	result(ok, "encoder needs room for the whole message");

	l.nr = DYNMEM_PROTO_RANGES_MAX + 1;
	ok = dmp_encode_ranges(work, sizeof(work), DYNMEM_PROTO_BALLOON_REPLY,
			       1, &l, scratch.range) == -EMSGSIZE;
	result(ok, "encoder refuses more ranges than fit");

	l.nr = 0;
	l.flags = DYNMEM_PROTO_RANGES_MORE;
	ok = dmp_encode_ranges(work, sizeof(work), DYNMEM_PROTO_BALLOON_REPLY,
			       1, &l, &r) == -EINVAL;
	l.flags = 0;
	ok &= dmp_encode_ranges(work, sizeof(work), DYNMEM_PROTO_BALLOON_REPLY,
				1, &l, &r) == 32;
	ok &= dmp_encode_ranges(work, sizeof(work), DYNMEM_PROTO_DEFLATE, 1,
				&(struct dmp_range_list){ 0 }, &r) == -EINVAL;
	result(ok, "empty range lists only as the last reply");

	ok = dmp_encode_goodbye(work, sizeof(work), 1, 0) == -EINVAL &&
	     dmp_encode_balloon_ack(work, sizeof(work), 1, 0) == -EINVAL &&
	     dmp_encode_bytes(work, sizeof(work), DYNMEM_PROTO_STATUS, 1,
			      DMPT_PAGE) == -EINVAL;
	result(ok, "encoders refuse invalid contents");
}

static void test_fuzz(u64 seed, unsigned long iterations)
{
	unsigned long i, accepted = 0, rejected = 0;
	static const int errnos[] = {
		-EMSGSIZE, -EBADMSG, -EPROTONOSUPPORT, -EOPNOTSUPP, -EPROTO,
	};
	unsigned long errs[6] = { 0 };	/* errnos[], then -EINVAL */
	struct dmpt_rng rng = { seed };
	const char *bad = NULL;

	for (i = 0; i < iterations && !bad; i++) {
		enum dmp_from from;
		size_t len;
		int n, k, err;

		n = dmpt_random_msg(&rng, 0, work, &scratch);
		if (n < 0) {
			bad = "random message does not encode";
			break;
		}
		len = n;
		for (k = 1 + dmpt_below(&rng, 3); k; k--)
			len = dmpt_mutate(&rng, work, len);
		for (from = DMP_FROM_GUEST; from <= DMP_FROM_HOST && !bad;
		     from++) {
			bad = check_copy(work, len, from, &err);
			if (!err) {
				accepted++;
				continue;
			}
			rejected++;
			for (k = 0; k < 5 && err != errnos[k]; k++)
				;
			errs[k]++;
		}
	}
	if (bad)
		printf("# iteration %lu (seed %#llx): %s\n", i - 1,
		       (unsigned long long)seed, bad);
	printf("# %lu decodes: %lu accepted, %lu rejected\n", 2 * i,
	       accepted, rejected);
	printf("# EMSGSIZE %lu EBADMSG %lu EPROTONOSUPPORT %lu EOPNOTSUPP %lu\n",
	       errs[0], errs[1], errs[2], errs[3]);
	printf("# EPROTO %lu EINVAL %lu\n", errs[4], errs[5]);
	/* A fuzz run that never reaches both outcomes tests nothing. */
	if (!bad && (!accepted || !errs[5] || !errs[0]))
		bad = "mutations never reached every outcome";
	result(!bad, "fuzz %lu mutated messages, seed %#llx", i,
	       (unsigned long long)seed);
}

static int write_corpus(const char *dir, u64 seed)
{
	struct dmpt_rng rng = { seed };
	char path[4096];
	unsigned int i;
	u16 type;

	for (type = 1; type <= DYNMEM_PROTO_TYPE_MAX; type++) {
		for (i = 0; i < 9; i++) {
			int len = i ? dmpt_random_msg(&rng, type, work, &scratch) :
				      dmpt_base(type, work);
			FILE *f;

			if (len < 0)
				return 1;
			snprintf(path, sizeof(path), "%s/%s-%u", dir,
				 dmp_type_name(type), i);
			f = fopen(path, "wb");
			if (!f || fwrite(work, 1, len, f) != (size_t)len) {
				perror(path);
				return 1;
			}
			fclose(f);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *corpus = NULL;
	unsigned long iterations = 200000;
	u64 seed = 0x646d656d;	/* fixed: a run is reproducible */
	int opt;

	while ((opt = getopt(argc, argv, "c:n:s:")) != -1) {
		switch (opt) {
		case 'c':
			corpus = optarg;
			break;
		case 'n':
			iterations = strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-n ITERATIONS] [-s SEED] | -c DIR\n",
				argv[0]);
			return 2;
		}
	}

	if (corpus)
		return write_corpus(corpus, seed);

	printf("TAP version 13\n");
	printf("1..%u\n", (unsigned int)(DYNMEM_PROTO_TYPE_MAX +
		ARRAY_SIZE(dmpt_rejects) + 3 + 2 + 4 + 1));
	test_roundtrip(seed, 200);
	test_rejects();
	test_foreign();
	test_golden();
	test_encoders();
	test_fuzz(seed, iterations);
	return failed;
}
