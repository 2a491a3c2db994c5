// SPDX-License-Identifier: GPL-2.0
/*
 * Unit checks of dynmemctl's size and number parsing; KTAP output.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dynmemctl.h"

bool json;
bool pretty;
bool show_stats;

static const struct {
	const char *str;
	int err;
	uint64_t val;
} size_cases[] = {
	{ "0", 0, 0 },
	{ "4096", 0, 4096 },
	{ "4096B", 0, 4096 },
	{ "1K", 0, 1024 },
	{ "1k", 0, 1024 },
	{ "1KiB", 0, 1024 },
	{ "512M", 0, 512ULL << 20 },
	{ "512MiB", 0, 512ULL << 20 },
	{ "1G", 0, 1ULL << 30 },
	{ "1gib", 0, 1ULL << 30 },
	{ "4GiB", 0, 4ULL << 30 },
	{ "2T", 0, 2ULL << 40 },
	{ "2TiB", 0, 2ULL << 40 },
	{ "007M", 0, 7ULL << 20 },
	{ "18446744073709551615", 0, UINT64_MAX },
	{ "16777215T", 0, 16777215ULL << 40 },
	{ "16777216T", -ERANGE, 0 },
	{ "18446744073709551616", -ERANGE, 0 },
	{ "17179869184G", -ERANGE, 0 },
	{ "", -EINVAL, 0 },
	{ "G", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "-1G", -EINVAL, 0 },
	{ "+1G", -EINVAL, 0 },
	{ " 1G", -EINVAL, 0 },
	{ "1G ", -EINVAL, 0 },
	{ "1X", -EINVAL, 0 },
	{ "1KB", -EINVAL, 0 },
	{ "1GB", -EINVAL, 0 },
	{ "1Gi", -EINVAL, 0 },
	{ "1.5G", -EINVAL, 0 },
	{ "0x1000", -EINVAL, 0 },
	{ "1e9", -EINVAL, 0 },
	{ "abc", -EINVAL, 0 },
	{ "1P", -EINVAL, 0 },
};

static const struct {
	const char *str;
	bool percent;
	int err;
	uint32_t val;
} u32_cases[] = {
	{ "0", false, 0, 0 },
	{ "5000", false, 0, 5000 },
	{ "4294967295", false, 0, UINT32_MAX },
	{ "4294967296", false, -ERANGE, 0 },
	{ "99999999999999999999999", false, -ERANGE, 0 },
	{ "20%", true, 0, 20 },
	{ "20", true, 0, 20 },
	{ "20%", false, -EINVAL, 0 },
	{ "20%%", true, -EINVAL, 0 },
	{ "-1", false, -EINVAL, 0 },
	{ "", false, -EINVAL, 0 },
	{ "1k", false, -EINVAL, 0 },
	{ "0x10", false, -EINVAL, 0 },
};

static const struct {
	uint64_t val;
	const char *str;
} format_cases[] = {
	{ 0, "0B" },
	{ 1000, "1000B" },
	{ 4096, "4KiB" },
	{ 4097, "4097B" },
	{ 512ULL << 20, "512MiB" },
	{ 1536ULL << 20, "1536MiB" },
	{ 1ULL << 30, "1GiB" },
	{ 1ULL << 40, "1TiB" },
	{ 1ULL << 50, "1024TiB" },
	{ UINT64_MAX, "18446744073709551615B" },
};

int main(void)
{
	char buf[SIZE_STR_LEN];
	int n = 0, failed = 0;
	uint64_t v64;
	uint32_t v32;
	size_t i;
	int err;

	printf("TAP version 13\n1..%zu\n", ARRAY_SIZE(size_cases) +
	       ARRAY_SIZE(u32_cases) + ARRAY_SIZE(format_cases));
	/* Expected rejections print their reason: keep it out of the TAP. */
	if (!freopen("/dev/null", "w", stderr))
		return 1;

	for (i = 0; i < ARRAY_SIZE(size_cases); i++) {
		v64 = 0;
		err = parse_size(size_cases[i].str, &v64);
		if (err == size_cases[i].err && (err || v64 == size_cases[i].val)) {
			printf("ok %d - parse_size \"%s\"\n", ++n, size_cases[i].str);
		} else {
			printf("not ok %d - parse_size \"%s\": err %d value %" PRIu64 "\n",
			       ++n, size_cases[i].str, err, v64);
			failed++;
		}
	}
	for (i = 0; i < ARRAY_SIZE(u32_cases); i++) {
		v32 = 0;
		err = parse_u32(u32_cases[i].str, &v32, u32_cases[i].percent);
		if (err == u32_cases[i].err && (err || v32 == u32_cases[i].val)) {
			printf("ok %d - parse_u32 \"%s\"\n", ++n, u32_cases[i].str);
		} else {
			printf("not ok %d - parse_u32 \"%s\": err %d value %" PRIu32 "\n",
			       ++n, u32_cases[i].str, err, v32);
			failed++;
		}
	}
	for (i = 0; i < ARRAY_SIZE(format_cases); i++) {
		format_size(buf, sizeof(buf), format_cases[i].val);
		if (!strcmp(buf, format_cases[i].str)) {
			printf("ok %d - format_size %s\n", ++n, buf);
		} else {
			printf("not ok %d - format_size %" PRIu64 ": \"%s\", expected \"%s\"\n",
			       ++n, format_cases[i].val, buf, format_cases[i].str);
			failed++;
		}
	}
	printf("# %d of %d failed\n", failed, n);
	return failed ? 1 : 0;
}
