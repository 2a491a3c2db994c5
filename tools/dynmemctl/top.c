// SPDX-License-Identifier: GPL-2.0
/*
 * dynmemctl: the "top" object, a table of the VMs that refreshes itself.
 *
 * Each frame is a fresh snapshot (stats.c) of the host and every VM. A
 * frame is drawn at start, whenever an event of the DYNMEM_MCGRP_EVENTS
 * group arrives, and otherwise every DELAY seconds, since the counters
 * change without events. The events come on a socket of their own, joined
 * before the first snapshot so that no change falls between the two; they
 * only wake the loop up, their content is read back with the next dump.
 *
 * The screen is redrawn with two plain ANSI sequences (cursor home, clear
 * screen) when standard output is a terminal and no frame count was given,
 * which any serial console understands; otherwise frames follow each other,
 * each ended by an empty line (JSON: one object per line).
 *
 * Status, as Hyper-V Manager's memory status, from the current pressure P
 * (demand in percent of visible memory) and the VM's buffer B (percent):
 * the VM has its whole buffer when visible >= demand * (100 + B) / 100,
 * that is P <= 10000 / (100 + B).
 *
 *   OK       P <= 10000 / (100 + B), rounded up
 *   Low      above that, up to 100%: the buffer is partly used
 *   Warning  P > 100%: the demand exceeds the memory the guest has
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>

#include "dynmemctl.h"
#include "stats.h"
#include "vm.h"

#define TOP_DELAY_DEFAULT_MS	1000
#define TOP_DELAY_MAX_S		86400.0

/* Events are only a wake-up: a small buffer, drained whole. */
#define TOP_RCVBUF		(256 << 10)

#define VM_HAS(vm, a) ((vm)->present & (1ULL << (a)))
#define VM_HAS_STAT(vm, s) ((vm)->stats_present & (1ULL << (s)))

/**
 * struct top - options and sockets of "dynmemctl top"
 * @delay_ms: refresh interval when no event arrives
 * @iterations: frames to print, 0 for no limit
 * @redraw: clear the screen before each frame
 * @req: socket for the snapshots
 * @ev: socket subscribed to the events
 */
struct top {
	int delay_ms;
	unsigned long iterations;
	bool redraw;
	struct dm_nl req;
	struct dm_nl ev;
};

/* Hyper-V's memory status, or NULL when the pressure is not known. */
static const char *top_status(const struct vm_info *vm)
{
	uint64_t pressure;
	uint64_t ok_max;

	if (!VM_HAS_STAT(vm, DYNMEM_VM_STAT_PRESSURE_CUR) ||
	    !VM_HAS(vm, DYNMEM_VM_A_BUFFER))
		return NULL;
	pressure = vm->stats[DYNMEM_VM_STAT_PRESSURE_CUR];
	if (pressure > 100)
		return "Warning";
	ok_max = (10000 + 100 + vm->buffer - 1) / (100 + vm->buffer);
	return pressure <= ok_max ? "OK" : "Low";
}

/*
 * A size for a table cell: at most three digits before the point and one
 * after, in the largest binary unit that keeps at least 1 ("1.5GiB").
 */
static void top_size_str(char *buf, size_t len, uint64_t val)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	unsigned int i = 0;
	double v = val;

	while (v >= 1024 && i < ARRAY_SIZE(units) - 1) {
		v /= 1024;
		i++;
	}
	if (!i || v == (double)(uint64_t)v)
		snprintf(buf, len, "%.0f%s", v, units[i]);
	else
		snprintf(buf, len, "%.1f%s", v, units[i]);
}

/* A size column: rounded in text, exact bytes in JSON, "-" if unknown. */
static void top_size(const char *key, bool present, uint64_t val, int width)
{
	char buf[SIZE_STR_LEN];

	if (json) {
		if (present)
			out_u64(key, NULL, val);
		return;
	}
	if (present)
		top_size_str(buf, sizeof(buf), val);
	else
		strcpy(buf, "-");
	printf(" %*s", width, buf);
}

static void top_vm(const struct vm_info *vm, int name_width)
{
	bool has_pressure = VM_HAS_STAT(vm, DYNMEM_VM_STAT_PRESSURE_CUR);
	const char *status = top_status(vm);
	char buf[16];

	out_open_object(NULL);
	if (json)
		out_string("name", NULL, vm->name);
	else
		printf("%-*s", name_width, vm->name);
	out_string("state", " %-8s",
		   VM_HAS(vm, DYNMEM_VM_A_STATE) ? vm_state_name(vm->state) : "-");

	/* Assigned: what the guest sees, else what the host grants it. */
	if (VM_HAS_STAT(vm, DYNMEM_VM_STAT_VISIBLE))
		top_size("assigned", true, vm->stats[DYNMEM_VM_STAT_VISIBLE], 9);
	else
		top_size("assigned", VM_HAS(vm, DYNMEM_VM_A_TARGET), vm->target, 9);
	top_size("demand", VM_HAS_STAT(vm, DYNMEM_VM_STAT_DEMAND),
		 vm->stats[DYNMEM_VM_STAT_DEMAND], 9);

	if (json) {
		if (has_pressure)
			out_u64("pressure", NULL,
				vm->stats[DYNMEM_VM_STAT_PRESSURE_CUR]);
		if (status)
			out_string("status", NULL, status);
	} else {
		if (has_pressure)
			snprintf(buf, sizeof(buf), "%" PRIu64 "%%",
				 vm->stats[DYNMEM_VM_STAT_PRESSURE_CUR]);
		else
			strcpy(buf, "-");
		printf(" %8s  %s\n", buf, status ? status : "-");
	}
	out_close_object();
}

/* " KEY SIZE" on the host line, when the host reported the attribute. */
static void top_host_size(const struct host_info *host, int attr,
			  const char *key, uint64_t val)
{
	if (!(host->present & (1ULL << attr)))
		return;
	if (!json)
		printf(" %s", key);
	top_size(key, true, val, 0);
}

static void top_host(const struct host_info *host, time_t now)
{
	char clock[16];

	if (json) {
		out_u64("time", NULL, (uint64_t)now);
	} else {
		strftime(clock, sizeof(clock), "%H:%M:%S", localtime(&now));
		printf("%s ", clock);
	}
	out_open_object("host");
	out_text("host:");
	top_host_size(host, DYNMEM_HOST_A_POOL, "pool", host->pool);
	top_host_size(host, DYNMEM_HOST_A_RESERVED, "reserved", host->reserved);
	if (host->present & (1ULL << DYNMEM_HOST_A_NR_VMS))
		out_u64("vms", " vms %s", host->nr_vms);
	if (host->present & (1ULL << DYNMEM_HOST_A_OVERCOMMIT))
		out_bool("overcommit", " overcommit %s", host->overcommit);
	/* The host-wide figures, in the order of "host show". */
	top_host_size(host, DYNMEM_HOST_A_AVAILABLE, "available", host->available);
	if (host->present & (1ULL << DYNMEM_HOST_A_PRESSURE))
		out_u64("pressure", " pressure %s%%", host->pressure);
	if (host->present & (1ULL << DYNMEM_HOST_A_NR_RUNNING))
		out_u64("running", " running %s", host->nr_running);
	out_text("\n");
	out_close_object();
}

static void top_frame(const struct top *top, const struct snapshot *snap)
{
	int name_width = 4;
	size_t i;
	int len;

	for (i = 0; i < snap->nr; i++) {
		len = strlen(snap->vms[i].name);
		if (len > name_width)
			name_width = len;
	}

	/* Cursor home, clear screen: plain ANSI, no terminal database. */
	if (top->redraw)
		fputs("\033[H\033[2J", stdout);
	out_start();
	out_open_object(NULL);
	top_host(&snap->host, time(NULL));
	if (!json)
		printf("%-*s %-8s %9s %9s %8s  %s\n", name_width, "NAME",
		       "STATE", "ASSIGNED", "DEMAND", "PRESSURE", "STATUS");
	out_open_array("vms");
	for (i = 0; i < snap->nr; i++)
		top_vm(&snap->vms[i], name_width);
	out_close_array();
	out_close_object();
	/* Frames that follow each other are told apart by an empty line. */
	if (!top->redraw)
		putchar('\n');
	fflush(stdout);
}

/*
 * Read every event waiting on the socket; their content does not matter.
 * ENOBUFS means some were dropped, which the next dump makes up for.
 *
 * Return: 0, or a negative errno when the socket failed.
 */
static int top_drain_events(const struct top *top)
{
	int fd = nl_socket_get_fd(top->ev.sk);
	char buf[8192];
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n >= 0)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno != EINTR && errno != ENOBUFS)
			return -errno;
	}
}

static int top_subscribe(struct top *top)
{
	int grp;
	int err;

	grp = genl_ctrl_resolve_grp(top->ev.sk, DYNMEM_GENL_NAME,
				    DYNMEM_MCGRP_EVENTS);
	if (grp < 0) {
		error("cannot find the multicast group \"%s\": %s",
		      DYNMEM_MCGRP_EVENTS, nl_geterror(grp));
		return -ENOENT;
	}
	err = nl_socket_set_buffer_size(top->ev.sk, TOP_RCVBUF, 0);
	if (err < 0)
		fprintf(stderr, "Warning: cannot set the receive buffer: %s\n",
			nl_geterror(err));
	err = nl_socket_add_membership(top->ev.sk, grp);
	if (err < 0) {
		error("cannot join the multicast group \"%s\": %s",
		      DYNMEM_MCGRP_EVENTS, nl_geterror(err));
		return -EIO;
	}
	return 0;
}

static int top_loop(struct top *top)
{
	struct pollfd pfd = { .events = POLLIN };
	struct snapshot snap;
	unsigned long frame;
	int err;

	pfd.fd = nl_socket_get_fd(top->ev.sk);
	for (frame = 1; ; frame++) {
		err = snapshot_take(&top->req, &snap);
		if (!err)
			top_frame(top, &snap);
		snapshot_free(&snap);
		if (err)
			return err;
		if (top->iterations && frame >= top->iterations)
			return 0;

		err = poll(&pfd, 1, top->delay_ms);
		if (err < 0 && errno != EINTR) {
			error("poll: %s", strerror(errno));
			return -errno;
		}
		if (err > 0) {
			err = top_drain_events(top);
			if (err) {
				error("netlink events: %s", strerror(-err));
				return err;
			}
		}
	}
}

static int top_parse(struct top *top, int argc, char **argv)
{
	const char *opt, *val;
	char *end;
	double d;

	for (; argc > 0; argc--, argv++) {
		opt = argv[0];
		if (strcmp(opt, "-d") && strcmp(opt, "-n")) {
			error("unknown argument \"%s\"; try \"dynmemctl top help\"",
			      opt);
			return -EINVAL;
		}
		if (argc < 2) {
			error("%s needs a value; try \"dynmemctl top help\"", opt);
			return -EINVAL;
		}
		val = *++argv;
		argc--;
		errno = 0;
		if (opt[1] == 'd') {
			d = strtod(val, &end);
			if (errno || end == val || *end || !(d > 0) ||
			    d > TOP_DELAY_MAX_S) {
				error("invalid delay \"%s\": expected seconds, more than 0 and at most %.0f",
				      val, TOP_DELAY_MAX_S);
				return -EINVAL;
			}
			/* Rounded up to whole milliseconds, at least 1. */
			top->delay_ms = (int)(d * 1000);
			if (top->delay_ms < d * 1000)
				top->delay_ms++;
		} else {
			top->iterations = strtoul(val, &end, 10);
			if (errno || end == val || *end || val[0] == '-' ||
			    !top->iterations) {
				error("invalid number of frames \"%s\": expected a positive integer",
				      val);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int top_run(int argc, char **argv)
{
	struct top top = { .delay_ms = TOP_DELAY_DEFAULT_MS };
	int err;

	if (top_parse(&top, argc, argv))
		return 1;
	/* One frame, one JSON line. */
	pretty = false;
	top.redraw = !json && !top.iterations && isatty(STDOUT_FILENO);

	if (dm_nl_open(&top.req))
		return 1;
	if (dm_nl_open(&top.ev))
		goto err_close_req;
	nl_socket_disable_seq_check(top.ev.sk);
	if (top_subscribe(&top))
		goto err_close_ev;
	err = top_loop(&top);
	dm_nl_close(&top.ev);
	dm_nl_close(&top.req);
	return err ? 1 : 0;

err_close_ev:
	dm_nl_close(&top.ev);
err_close_req:
	dm_nl_close(&top.req);
	return 1;
}

static const struct cmd top_cmds[] = {
	{ "", top_run, "[ -d SECONDS ] [ -n FRAMES ]" },
};

/**
 * do_top() - run "dynmemctl top ...", until killed or -n frames are out
 * @argc: number of words after "top"
 * @argv: the words
 *
 * Return: the exit status.
 */
int do_top(int argc, char **argv)
{
	return do_cmd("top", top_cmds, ARRAY_SIZE(top_cmds), argc, argv);
}
