// SPDX-License-Identifier: GPL-2.0
/*
 * dynmemctl: parsing and formatting of sizes and numbers, and of the
 * "keyword value" pairs of a command line.
 *
 * Only syntax and overflow are checked here. Ranges, alignment and the
 * relations between values are the kernel's to check: the tool sends what
 * it was given and prints the kernel's reason when it refuses.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dynmemctl.h"

#define SIZE_SUFFIXES "K, M, G, T or KiB, MiB, GiB, TiB"

/**
 * error() - print "Error: " and a message to stderr
 * @fmt: printf format of the message, without a trailing newline
 */
void error(const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const struct {
	const char *suffix;
	unsigned int shift;
} size_units[] = {
	{ "",    0 },
	{ "B",   0 },
	{ "K",  10 }, { "KiB", 10 },
	{ "M",  20 }, { "MiB", 20 },
	{ "G",  30 }, { "GiB", 30 },
	{ "T",  40 }, { "TiB", 40 },
};

/**
 * parse_size() - parse a size in bytes with an optional binary suffix
 * @str: decimal digits, then nothing, "B", K/M/G/T or KiB/MiB/GiB/TiB
 *       (suffixes are case-insensitive and 1024-based)
 * @val: the size in bytes
 *
 * Prints the reason on stderr when @str is not a size.
 *
 * Return: 0, or -EINVAL for bad syntax, -ERANGE when it overflows 64 bits.
 */
int parse_size(const char *str, uint64_t *val)
{
	unsigned long long n;
	char *end;
	size_t i;

	if (!isdigit((unsigned char)str[0])) {
		error("invalid size \"%s\": expected a number of bytes, optionally followed by %s",
		      str, SIZE_SUFFIXES);
		return -EINVAL;
	}
	errno = 0;
	n = strtoull(str, &end, 10);
	if (errno == ERANGE)
		goto err_range;

	for (i = 0; i < ARRAY_SIZE(size_units); i++)
		if (!strcasecmp(end, size_units[i].suffix))
			break;
	if (i == ARRAY_SIZE(size_units)) {
		error("invalid size \"%s\": unknown suffix \"%s\" (use %s)",
		      str, end, SIZE_SUFFIXES);
		return -EINVAL;
	}
	if (n > UINT64_MAX >> size_units[i].shift)
		goto err_range;
	*val = (uint64_t)n << size_units[i].shift;
	return 0;

err_range:
	error("invalid size \"%s\": too large", str);
	return -ERANGE;
}

/**
 * parse_u32() - parse an unsigned decimal 32-bit number
 * @str: decimal digits, and with @percent an optional trailing "%"
 * @val: the number
 * @percent: accept a trailing "%"
 *
 * Prints the reason on stderr when @str is not such a number.
 *
 * Return: 0, or -EINVAL for bad syntax, -ERANGE when it overflows 32 bits.
 */
int parse_u32(const char *str, uint32_t *val, bool percent)
{
	unsigned long long n;
	char *end;

	if (!isdigit((unsigned char)str[0]))
		goto err_inval;
	errno = 0;
	n = strtoull(str, &end, 10);
	if (percent && *end == '%')
		end++;
	if (*end)
		goto err_inval;
	if (errno == ERANGE || n > UINT32_MAX) {
		error("invalid number \"%s\": too large", str);
		return -ERANGE;
	}
	*val = n;
	return 0;

err_inval:
	error("invalid number \"%s\"", str);
	return -EINVAL;
}

/**
 * format_size() - render a size for people, exactly
 * @buf: output buffer, at least SIZE_STR_LEN bytes
 * @len: size of @buf
 * @val: the size in bytes
 *
 * Uses the largest binary unit that divides @val, so that the text is
 * exact and can be fed back to parse_size(): 1536 MiB is "1536MiB", not
 * "1.5GiB".
 */
void format_size(char *buf, size_t len, uint64_t val)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned int i = 0;

	while (val && !(val & 1023) && i < ARRAY_SIZE(units) - 1) {
		val >>= 10;
		i++;
	}
	snprintf(buf, len, "%" PRIu64 "%s", val, units[i]);
}

/**
 * parse_opts() - parse "keyword value" pairs into a table
 * @object: what the pairs describe, for messages
 * @opts: the keywords that may appear, each at most once
 * @nr_opts: number of entries in @opts
 * @argc: number of words
 * @argv: the words
 *
 * Return: 0, or -EINVAL after printing the reason.
 */
int parse_opts(const char *object, struct opt *opts, size_t nr_opts,
	       int argc, char **argv)
{
	struct opt *o;
	size_t i;
	int err;

	for (; argc > 0; argc -= 2, argv += 2) {
		for (i = 0; i < nr_opts; i++)
			if (!strcmp(argv[0], opts[i].name))
				break;
		if (i == nr_opts) {
			error("unknown keyword \"%s\"; try \"dynmemctl %s help\"",
			      argv[0], object);
			return -EINVAL;
		}
		o = &opts[i];
		if (o->seen) {
			error("\"%s\" is given more than once", o->name);
			return -EINVAL;
		}
		if (argc < 2) {
			error("\"%s\" needs a value", o->name);
			return -EINVAL;
		}
		switch (o->kind) {
		case OPT_SIZE:
			err = parse_size(argv[1], &o->u64);
			break;
		case OPT_PERCENT:
			err = parse_u32(argv[1], &o->u32, true);
			break;
		default:
			err = parse_u32(argv[1], &o->u32, false);
			break;
		}
		if (err)
			return -EINVAL;
		o->seen = true;
	}
	return 0;
}
