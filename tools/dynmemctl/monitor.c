// SPDX-License-Identifier: GPL-2.0
/*
 * dynmemctl: the "monitor" object, which prints the events of the
 * DYNMEM_MCGRP_EVENTS multicast group as they arrive, one line (text or
 * JSON object) per event, flushed at once so that a pipe sees it.
 */
#include <errno.h>
#include <stdio.h>

#include <netlink/genl/ctrl.h>

#include "dynmemctl.h"
#include "host.h"
#include "vm.h"

/* Room for bursts of events before the kernel has to drop some. */
#define MONITOR_RCVBUF (4 << 20)

static int monitor_cb(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gnlh = nlmsg_data(nlmsg_hdr(msg));
	struct vm_info vm;
	const char *event;
	int err = 0;

	(void)arg;
	switch (gnlh->cmd) {
	case DYNMEM_CMD_VM_NEW:
		event = "add";
		break;
	case DYNMEM_CMD_VM_SET:
	case DYNMEM_CMD_HOST_SET:
		event = "set";
		break;
	case DYNMEM_CMD_VM_DEL:
		event = "del";
		break;
	default:
		return NL_SKIP;
	}

	out_start();
	if (gnlh->cmd == DYNMEM_CMD_HOST_SET) {
		err = host_print_msg(msg, event);
	} else {
		err = vm_parse(msg, &vm);
		if (!err)
			vm_print(&vm, event);
	}
	if (err)
		fprintf(stderr, "Warning: malformed event (command %u) ignored\n",
			gnlh->cmd);
	else
		out_flush_line();
	return NL_OK;
}

static int monitor_run(void)
{
	struct dm_nl nl;
	int grp;
	int err;

	/* One event, one line: a pretty-printed object would span several. */
	pretty = false;
	if (dm_nl_open(&nl))
		return 1;
	grp = genl_ctrl_resolve_grp(nl.sk, DYNMEM_GENL_NAME, DYNMEM_MCGRP_EVENTS);
	if (grp < 0) {
		error("cannot find the multicast group \"%s\": %s",
		      DYNMEM_MCGRP_EVENTS, nl_geterror(grp));
		goto err_close;
	}
	nl_socket_disable_seq_check(nl.sk);
	err = nl_socket_set_buffer_size(nl.sk, MONITOR_RCVBUF, 0);
	if (err < 0)
		fprintf(stderr, "Warning: cannot enlarge the receive buffer: %s\n",
			nl_geterror(err));
	err = nl_socket_add_membership(nl.sk, grp);
	if (err < 0) {
		error("cannot join the multicast group \"%s\": %s",
		      DYNMEM_MCGRP_EVENTS, nl_geterror(err));
		goto err_close;
	}
	err = nl_socket_modify_cb(nl.sk, NL_CB_VALID, NL_CB_CUSTOM, monitor_cb,
				  NULL);
	if (err < 0)
		goto err_close;

	for (;;) {
		err = nl_recvmsgs_default(nl.sk);
		if (err == -NLE_NOMEM) {
			/* ENOBUFS: the kernel dropped events; say so, go on. */
			fprintf(stderr, "Warning: events were lost (receive buffer overrun)\n");
			continue;
		}
		if (err < 0 && err != -NLE_INTR && err != -NLE_AGAIN) {
			error("netlink: %s", nl_geterror(err));
			goto err_close;
		}
	}

err_close:
	dm_nl_close(&nl);
	return 1;
}

static int monitor_show(int argc, char **argv)
{
	(void)argv;
	if (argc) {
		error("monitor takes no arguments; try \"dynmemctl monitor help\"");
		return 1;
	}
	return monitor_run();
}

static const struct cmd monitor_cmds[] = {
	{ "", monitor_show, "" },
};

/**
 * do_monitor() - run "dynmemctl monitor", until killed
 * @argc: number of words after "monitor"
 * @argv: the words
 *
 * Return: the exit status (only on errors: the monitor runs until killed).
 */
int do_monitor(int argc, char **argv)
{
	return do_cmd("monitor", monitor_cmds, ARRAY_SIZE(monitor_cmds),
		      argc, argv);
}
