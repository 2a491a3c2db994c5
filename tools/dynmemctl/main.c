// SPDX-License-Identifier: GPL-2.0
/*
 * dynmemctl: configure Dynamic Memory for KVM guests.
 *
 *   dynmemctl [ OPTIONS ] OBJECT { COMMAND | help }
 *
 * Talks to dynmem_host.ko over the "dynmem" generic netlink family
 * (include/uapi/linux/dynmem.h). Each object has a table of commands that
 * drives both dispatch and usage text.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynmemctl.h"
#include "stats.h"

#define DYNMEMCTL_VERSION "1.0"

bool json;
bool pretty;
bool show_stats;

static const char options_usage[] =
	"       OPTIONS := { -j[son] | -p[retty] | -s[tatistics] |\n"
	"                    -b[atch] FILE | -V[ersion] | -h[elp] }\n";

static const char size_usage[] =
	"       SIZE := NUMBER[ K | M | G | T | KiB | MiB | GiB | TiB ]  (1K = 1024 bytes)\n";

/**
 * print_cmd_usage() - print the usage text of an object from its table
 * @f: where to print
 * @object: the object's name
 * @cmds: the object's commands
 * @nr_cmds: number of entries in @cmds
 */
void print_cmd_usage(FILE *f, const char *object, const struct cmd *cmds,
		     size_t nr_cmds)
{
	const char *lead = "Usage:";
	size_t i;

	for (i = 0; i < nr_cmds; i++) {
		if (!cmds[i].help)
			continue;
		fprintf(f, "%-6s dynmemctl [ OPTIONS ] %s%s%s\n", lead, object,
			cmds[i].help[0] ? " " : "", cmds[i].help);
		lead = "";
	}
	fprintf(f, "%-6s dynmemctl %s help\n", "", object);
	fputs(options_usage, f);
	if (!strcmp(object, "vm") || !strcmp(object, "host"))
		fputs(size_usage, f);
}

/**
 * do_cmd() - dispatch the command of an object
 * @object: the object's name
 * @cmds: the object's commands; the first one is the default
 * @nr_cmds: number of entries in @cmds
 * @argc: number of words after the object
 * @argv: the words
 *
 * Return: the exit status.
 */
int do_cmd(const char *object, const struct cmd *cmds, size_t nr_cmds,
	   int argc, char **argv)
{
	size_t i;

	if (argc < 1)
		return cmds[0].func(0, argv);
	if (!strcmp(argv[0], "help")) {
		print_cmd_usage(stdout, object, cmds, nr_cmds);
		return 0;
	}
	for (i = 0; i < nr_cmds; i++)
		if (cmds[i].name[0] && !strcmp(argv[0], cmds[i].name))
			return cmds[i].func(argc - 1, argv + 1);
	/* A command-less object (monitor) takes its words itself. */
	if (!cmds[0].name[0])
		return cmds[0].func(argc, argv);

	error("unknown command \"%s\" for object \"%s\"; try \"dynmemctl %s help\"",
	      argv[0], object, object);
	return 1;
}

static int do_help(int argc, char **argv);

static const struct cmd objects[] = {
	{ "vm", do_vm, "memory policy of virtual machines" },
	{ "host", do_host, "host-wide settings and state" },
	{ "monitor", do_monitor, "print changes as they happen" },
	{ "top", do_top, "a table of the VMs that refreshes itself" },
	{ "stats", do_stats, "every figure at once, also for Prometheus" },
	{ "help", do_help, "this text" },
};

static void usage(FILE *f)
{
	size_t i;

	fputs("Usage: dynmemctl [ OPTIONS ] OBJECT { COMMAND | help }\n"
	      "       dynmemctl [ OPTIONS ] -b FILE\n"
	      "       dynmemctl -V\n"
	      "where  OBJECT := { vm | host | monitor | top | stats | help }\n", f);
	fputs(options_usage, f);
	fputs("\nObjects:\n", f);
	for (i = 0; i < ARRAY_SIZE(objects); i++)
		fprintf(f, "  %-10s %s\n", objects[i].name, objects[i].help);
	fputs("\nSee \"dynmemctl OBJECT help\" and dynmemctl(8).\n", f);
}

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

static int do_object(int argc, char **argv)
{
	size_t i;

	if (argc < 1) {
		usage(stderr);
		return 1;
	}
	for (i = 0; i < ARRAY_SIZE(objects); i++)
		if (!strcmp(argv[0], objects[i].name))
			return objects[i].func(argc - 1, argv + 1);

	error("unknown object \"%s\"; try \"dynmemctl help\"", argv[0]);
	return 1;
}

#define BATCH_MAX_WORDS 64

/*
 * Run one command per line of @path ("-" for stdin), as ip -batch does:
 * words are separated by blanks, empty lines and lines starting with "#"
 * are skipped. Stops at the first command that fails.
 */
static int do_batch(const char *path)
{
	char *words[BATCH_MAX_WORDS];
	unsigned int lineno = 0;
	size_t len = 0;
	char *line = NULL;
	int ret = 0;
	FILE *f;
	char *p;
	int n;

	f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f) {
		error("cannot open \"%s\": %s", path, strerror(errno));
		return 1;
	}
	while (getline(&line, &len, f) > 0) {
		lineno++;
		n = 0;
		for (p = line; *p; ) {
			while (isspace((unsigned char)*p))
				*p++ = '\0';
			if (!*p || (n == 0 && *p == '#'))
				break;
			if (n == BATCH_MAX_WORDS) {
				error("%s:%u: too many words", path, lineno);
				ret = 1;
				goto out;
			}
			words[n++] = p;
			while (*p && !isspace((unsigned char)*p))
				p++;
		}
		if (!n)
			continue;
		ret = do_object(n, words);
		if (ret) {
			fprintf(stderr, "Command failed %s:%u\n", path, lineno);
			goto out;
		}
	}
	if (ferror(f)) {
		error("cannot read \"%s\"", path);
		ret = 1;
	}
out:
	free(line);
	if (f != stdin)
		fclose(f);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "json",	no_argument, NULL, 'j' },
		{ "pretty",	no_argument, NULL, 'p' },
		{ "statistics",	no_argument, NULL, 's' },
		{ "stats",	no_argument, NULL, 's' },
		{ "batch",	required_argument, NULL, 'b' },
		{ "version",	no_argument, NULL, 'V' },
		{ "help",	no_argument, NULL, 'h' },
		{ }
	};
	const char *batch = NULL;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:jpsb:Vh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'p':
			/* Pretty printing is for JSON: it implies -j. */
			json = true;
			pretty = true;
			break;
		case 's':
			show_stats = true;
			break;
		case 'b':
			batch = optarg;
			break;
		case 'V':
			printf("dynmemctl %s (netlink family \"%s\" version %d)\n",
			       DYNMEMCTL_VERSION, DYNMEM_GENL_NAME,
			       DYNMEM_GENL_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			error("option \"%s\" needs an argument",
			      argv[optind - 1]);
			return 1;
		default:
			error("unknown option \"%s\"; try \"dynmemctl help\"",
			      argv[optind - 1]);
			return 1;
		}
	}
	argc -= optind;
	argv += optind;

	if (batch) {
		if (argc) {
			error("-b takes no OBJECT; try \"dynmemctl help\"");
			return 1;
		}
		return do_batch(batch);
	}
	return do_object(argc, argv);
}
