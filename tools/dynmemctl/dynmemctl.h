/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dynmemctl: shared declarations.
 *
 * The tool is split the way iproute2 splits ip(8): main.c parses the global
 * options and dispatches on the object, one file per object (vm.c, host.c,
 * monitor.c) builds requests and prints replies, nl.c owns the generic
 * netlink socket and error reporting, output.c is the single print path for
 * text and JSON, and utils.c parses and formats sizes and numbers.
 */
#ifndef DYNMEMCTL_H
#define DYNMEMCTL_H

#include <stdbool.h>
#include <stdint.h>

#include <netlink/netlink.h>
#include <netlink/genl/genl.h>

#include <linux/dynmem.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Global options: -j, -p, -s. */
extern bool json;
extern bool pretty;
extern bool show_stats;

/**
 * struct cmd - one entry of a dispatch table
 * @name: keyword on the command line
 * @func: handler; gets the words after @name, returns the exit status
 * @help: one line of usage text, or NULL to hide the entry from usage
 */
struct cmd {
	const char *name;
	int (*func)(int argc, char **argv);
	const char *help;
};

int do_cmd(const char *object, const struct cmd *cmds, size_t nr_cmds,
	   int argc, char **argv);
void print_cmd_usage(FILE *f, const char *object, const struct cmd *cmds,
		     size_t nr_cmds);

int do_vm(int argc, char **argv);
int do_host(int argc, char **argv);
int do_monitor(int argc, char **argv);

/* utils.c */
int parse_size(const char *str, uint64_t *val);
int parse_u32(const char *str, uint32_t *val, bool percent);
void format_size(char *buf, size_t len, uint64_t val);
#define SIZE_STR_LEN 32
void __attribute__((format(printf, 1, 2))) error(const char *fmt, ...);

/**
 * struct opt - a "keyword value" pair of a command line
 * @name: keyword
 * @kind: how the value is parsed
 * @attr: netlink attribute the value goes to
 * @seen: set once the keyword was given
 * @u64: parsed value for OPT_SIZE
 * @u32: parsed value for OPT_U32 and OPT_PERCENT
 */
struct opt {
	const char *name;
	enum { OPT_SIZE, OPT_U32, OPT_PERCENT } kind;
	int attr;
	bool seen;
	uint64_t u64;
	uint32_t u32;
};

int parse_opts(const char *object, struct opt *opts, size_t nr_opts,
	       int argc, char **argv);
int put_opts(struct nl_msg *msg, const struct opt *opts, size_t nr_opts);

/* nl.c */
/**
 * struct dm_nl - a generic netlink socket bound to the dynmem family
 * @sk: the libnl socket
 * @family: numeric id of the "dynmem" family
 */
struct dm_nl {
	struct nl_sock *sk;
	int family;
};

int dm_nl_open(struct dm_nl *nl);
void dm_nl_close(struct dm_nl *nl);
struct nl_msg *dm_nl_msg(struct dm_nl *nl, uint8_t cmd, int flags);
int dm_nl_talk(struct dm_nl *nl, struct nl_msg *msg,
	       int (*parse)(struct nl_msg *msg, void *arg), void *arg);

/* output.c */
void out_start(void);
void out_end(void);
void out_flush_line(void);
void out_open_object(const char *key);
void out_close_object(void);
void out_open_array(const char *key);
void out_close_array(void);
void out_string(const char *key, const char *fmt, const char *val);
void out_u64(const char *key, const char *fmt, uint64_t val);
void out_s64(const char *key, const char *fmt, int64_t val);
void out_size(const char *key, const char *fmt, uint64_t val);
void out_bool(const char *key, const char *fmt, bool val);
void out_text(const char *text);

#endif /* DYNMEMCTL_H */
