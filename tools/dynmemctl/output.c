// SPDX-License-Identifier: GPL-2.0
/*
 * dynmemctl: the one print path for text and JSON.
 *
 * Every value is printed by one call that carries both its JSON key and its
 * text format, as iproute2's print_*() helpers do, so that the two outputs
 * cannot drift apart. In text mode the format is printed with the value
 * rendered for people (sizes as "512MiB"); in JSON mode the key is printed
 * with the exact value (sizes in bytes). Text formats take one "%s".
 */
#include <inttypes.h>
#include <stdio.h>

#include "dynmemctl.h"

#define JSON_MAX_DEPTH 16

static int depth;
static bool first[JSON_MAX_DEPTH];

static void json_indent(void)
{
	int i;

	if (!pretty)
		return;
	putchar('\n');
	for (i = 0; i < depth; i++)
		fputs("    ", stdout);
}

static void json_string(const char *s)
{
	const unsigned char *p;

	putchar('"');
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		}
	}
	putchar('"');
}

/* Separator, indentation and key of the next JSON value. */
static void json_key(const char *key)
{
	if (depth > 0) {
		if (!first[depth])
			putchar(',');
		first[depth] = false;
		json_indent();
	}
	if (key) {
		json_string(key);
		fputs(pretty ? ": " : ":", stdout);
	}
}

static void json_open(const char *key, char c)
{
	json_key(key);
	putchar(c);
	if (depth < JSON_MAX_DEPTH - 1)
		depth++;
	first[depth] = true;
}

static void json_close(char c)
{
	bool empty = first[depth];

	if (depth > 0)
		depth--;
	if (!empty)
		json_indent();
	putchar(c);
}

/** out_start() - begin the output of one command */
void out_start(void)
{
	depth = 0;
}

/** out_end() - end the output of one command and flush it */
void out_end(void)
{
	if (json)
		putchar('\n');
	fflush(stdout);
}

/** out_flush_line() - end one line of a stream (monitor) and flush it */
void out_flush_line(void)
{
	if (json)
		putchar('\n');
	fflush(stdout);
}

/**
 * out_open_object() - open a JSON object; nothing in text mode
 * @key: key of the object in its parent, or NULL in an array or at the top
 */
void out_open_object(const char *key)
{
	if (json)
		json_open(key, '{');
}

/** out_close_object() - close the innermost JSON object */
void out_close_object(void)
{
	if (json)
		json_close('}');
}

/**
 * out_open_array() - open a JSON array; nothing in text mode
 * @key: key of the array in its parent, or NULL
 */
void out_open_array(const char *key)
{
	if (json)
		json_open(key, '[');
}

/** out_close_array() - close the innermost JSON array */
void out_close_array(void)
{
	if (json)
		json_close(']');
}

/**
 * out_string() - print a string value
 * @key: JSON key
 * @fmt: text format with one "%s"
 * @val: the value
 */
void out_string(const char *key, const char *fmt, const char *val)
{
	if (json) {
		json_key(key);
		json_string(val);
	} else {
		printf(fmt, val);
	}
}

/**
 * out_u64() - print an unsigned number, the same in text and JSON
 * @key: JSON key
 * @fmt: text format with one "%s"
 * @val: the value
 */
void out_u64(const char *key, const char *fmt, uint64_t val)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, val);
	if (json) {
		json_key(key);
		fputs(buf, stdout);
	} else {
		printf(fmt, buf);
	}
}

/**
 * out_s64() - print a signed number, the same in text and JSON
 * @key: JSON key
 * @fmt: text format with one "%s"
 * @val: the value
 */
void out_s64(const char *key, const char *fmt, int64_t val)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, val);
	if (json) {
		json_key(key);
		fputs(buf, stdout);
	} else {
		printf(fmt, buf);
	}
}

/**
 * out_size() - print a size: "1GiB" in text, bytes in JSON
 * @key: JSON key
 * @fmt: text format with one "%s"
 * @val: the size in bytes
 */
void out_size(const char *key, const char *fmt, uint64_t val)
{
	char buf[SIZE_STR_LEN];

	if (json) {
		out_u64(key, fmt, val);
		return;
	}
	format_size(buf, sizeof(buf), val);
	printf(fmt, buf);
}

/**
 * out_bool() - print a flag: "yes"/"no" in text, true/false in JSON
 * @key: JSON key
 * @fmt: text format with one "%s"
 * @val: the flag
 */
void out_bool(const char *key, const char *fmt, bool val)
{
	if (json) {
		json_key(key);
		fputs(val ? "true" : "false", stdout);
	} else {
		printf(fmt, val ? "yes" : "no");
	}
}

/**
 * out_text() - print text that only the text output has (labels, newlines)
 * @text: the text
 */
void out_text(const char *text)
{
	if (!json)
		fputs(text, stdout);
}
