// SPDX-License-Identifier: GPL-2.0
/*
 * dynmemctl: the "host" object, host-wide settings and state.
 */
#include <errno.h>
#include <stdio.h>

#include "dynmemctl.h"
#include "host.h"

static struct nla_policy host_policy[DYNMEM_HOST_A_MAX + 1] = {
	[DYNMEM_HOST_A_RESERVED]	= { .type = NLA_U64 },
	[DYNMEM_HOST_A_PERIOD_MS]	= { .type = NLA_U32 },
	[DYNMEM_HOST_A_TOTAL]		= { .type = NLA_U64 },
	[DYNMEM_HOST_A_POOL]		= { .type = NLA_U64 },
	[DYNMEM_HOST_A_NR_VMS]		= { .type = NLA_U32 },
	[DYNMEM_HOST_A_OVERCOMMIT]	= { .type = NLA_U8 },
	[DYNMEM_HOST_A_AVAILABLE]	= { .type = NLA_U64 },
	[DYNMEM_HOST_A_PRESSURE]	= { .type = NLA_U32 },
	[DYNMEM_HOST_A_NR_RUNNING]	= { .type = NLA_U32 },
};

/**
 * host_print_msg() - print a host message (reply or event)
 * @msg: the message
 * @event: for the monitor, what happened ("set"), or NULL
 *
 * Return: 0, or -EINVAL when the message is malformed.
 */
int host_print_msg(struct nl_msg *msg, const char *event)
{
	struct nlattr *tb[DYNMEM_HOST_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, DYNMEM_HOST_A_MAX,
			  host_policy) < 0)
		return -EINVAL;

	out_open_object(NULL);
	if (event) {
		out_string("event", "%s ", event);
		out_string("object", "%s:", "host");
	} else {
		out_text("host:");
	}
	if (tb[DYNMEM_HOST_A_RESERVED])
		out_size("reserved", " reserved %s",
			 nla_get_u64(tb[DYNMEM_HOST_A_RESERVED]));
	if (tb[DYNMEM_HOST_A_PERIOD_MS])
		out_u64("period", " period %sms",
			nla_get_u32(tb[DYNMEM_HOST_A_PERIOD_MS]));
	if (tb[DYNMEM_HOST_A_TOTAL])
		out_size("total", " total %s",
			 nla_get_u64(tb[DYNMEM_HOST_A_TOTAL]));
	if (tb[DYNMEM_HOST_A_POOL])
		out_size("pool", " pool %s",
			 nla_get_u64(tb[DYNMEM_HOST_A_POOL]));
	if (tb[DYNMEM_HOST_A_NR_VMS])
		out_u64("vms", " vms %s",
			nla_get_u32(tb[DYNMEM_HOST_A_NR_VMS]));
	if (tb[DYNMEM_HOST_A_OVERCOMMIT])
		out_bool("overcommit", " overcommit %s",
			 nla_get_u8(tb[DYNMEM_HOST_A_OVERCOMMIT]));
	if (tb[DYNMEM_HOST_A_AVAILABLE])
		out_size("available", " available %s",
			 nla_get_u64(tb[DYNMEM_HOST_A_AVAILABLE]));
	if (tb[DYNMEM_HOST_A_PRESSURE])
		out_u64("pressure", " pressure %s%%",
			nla_get_u32(tb[DYNMEM_HOST_A_PRESSURE]));
	if (tb[DYNMEM_HOST_A_NR_RUNNING])
		out_u64("running", " running %s",
			nla_get_u32(tb[DYNMEM_HOST_A_NR_RUNNING]));
	out_text("\n");
	out_close_object();
	return 0;
}

static int host_show_cb(struct nl_msg *msg, void *arg)
{
	bool *printed = arg;

	if (host_print_msg(msg, NULL) < 0)
		return -EINVAL;
	*printed = true;
	return 0;
}

static int host_show(int argc, char **argv)
{
	bool printed = false;
	struct nl_msg *msg;
	struct dm_nl nl;
	int err;

	(void)argv;
	if (argc) {
		error("host show takes no arguments; try \"dynmemctl host help\"");
		return 1;
	}
	if (dm_nl_open(&nl))
		return 1;
	msg = dm_nl_msg(&nl, DYNMEM_CMD_HOST_GET, 0);
	if (!msg) {
		dm_nl_close(&nl);
		return 1;
	}
	out_start();
	err = dm_nl_talk(&nl, msg, host_show_cb, &printed);
	dm_nl_close(&nl);
	if (!err && !printed) {
		error("the kernel sent no host settings");
		err = -EIO;
	}
	if (printed)
		out_end();
	return err ? 1 : 0;
}

static int host_set(int argc, char **argv)
{
	struct opt opts[] = {
		{ .name = "reserved", .kind = OPT_SIZE, .attr = DYNMEM_HOST_A_RESERVED },
		{ .name = "period", .kind = OPT_U32, .attr = DYNMEM_HOST_A_PERIOD_MS },
		/*
		 * Read-only figures: sent as given, so that the kernel says
		 * why it refuses them rather than a guess of this tool.
		 */
		{ .name = "available", .kind = OPT_SIZE, .attr = DYNMEM_HOST_A_AVAILABLE },
		{ .name = "pressure", .kind = OPT_PERCENT, .attr = DYNMEM_HOST_A_PRESSURE },
		{ .name = "running", .kind = OPT_U32, .attr = DYNMEM_HOST_A_NR_RUNNING },
	};
	struct nl_msg *msg;
	struct dm_nl nl;
	int err;

	if (parse_opts("host", opts, ARRAY_SIZE(opts), argc, argv))
		return 1;
	if (dm_nl_open(&nl))
		return 1;
	msg = dm_nl_msg(&nl, DYNMEM_CMD_HOST_SET, 0);
	if (!msg)
		goto err_close;
	if (put_opts(msg, opts, ARRAY_SIZE(opts))) {
		nlmsg_free(msg);
		goto err_close;
	}
	err = dm_nl_talk(&nl, msg, NULL, NULL);
	dm_nl_close(&nl);
	return err ? 1 : 0;

err_close:
	dm_nl_close(&nl);
	return 1;
}

static const struct cmd host_cmds[] = {
	{ "show", host_show, "show" },
	{ "set", host_set, "set [ reserved SIZE ] [ period MS ]" },
};

/**
 * do_host() - run "dynmemctl host ..."
 * @argc: number of words after "host"
 * @argv: the words
 *
 * Return: the exit status.
 */
int do_host(int argc, char **argv)
{
	return do_cmd("host", host_cmds, ARRAY_SIZE(host_cmds), argc, argv);
}
