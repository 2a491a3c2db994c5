// SPDX-License-Identifier: GPL-2.0
/*
 * dynmemctl: the "vm" object, VM records and their memory policy.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynmemctl.h"
#include "vm.h"

/* A dump that keeps being interrupted by changes is given up after this. */
#define DUMP_RETRIES 10

static struct nla_policy vm_policy[DYNMEM_VM_A_MAX + 1] = {
	[DYNMEM_VM_A_NAME]	= { .type = NLA_STRING },
	[DYNMEM_VM_A_STARTUP]	= { .type = NLA_U64 },
	[DYNMEM_VM_A_MINIMUM]	= { .type = NLA_U64 },
	[DYNMEM_VM_A_MAXIMUM]	= { .type = NLA_U64 },
	[DYNMEM_VM_A_BUFFER]	= { .type = NLA_U32 },
	[DYNMEM_VM_A_WEIGHT]	= { .type = NLA_U32 },
	[DYNMEM_VM_A_STATE]	= { .type = NLA_U32 },
	[DYNMEM_VM_A_TARGET]	= { .type = NLA_U64 },
	[DYNMEM_VM_A_PID]	= { .type = NLA_U32 },
	[DYNMEM_VM_A_CID]	= { .type = NLA_U32 },
	[DYNMEM_VM_A_STATS]	= { .type = NLA_NESTED },
};

/*
 * Counters in the order they are printed; most are byte counts, the
 * pressures are percentages, the rest plain numbers.
 */
static const struct {
	const char *key;
	const char *fmt;
	enum { STAT_SIZE, STAT_U64, STAT_PERCENT, STAT_S32 } kind;
} vm_stats[DYNMEM_VM_STAT_MAX + 1] = {
	[DYNMEM_VM_STAT_VISIBLE]	= { "visible", " visible %s", STAT_SIZE },
	[DYNMEM_VM_STAT_PHYSICAL]	= { "physical", " physical %s", STAT_SIZE },
	[DYNMEM_VM_STAT_ADDED]		= { "added", " added %s", STAT_SIZE },
	[DYNMEM_VM_STAT_REMOVED]	= { "removed", " removed %s", STAT_SIZE },
	[DYNMEM_VM_STAT_DEMAND]		= { "demand", " demand %s", STAT_SIZE },
	[DYNMEM_VM_STAT_PRESSURE_CUR]	= { "pressure_cur", " pressure_cur %s%%", STAT_PERCENT },
	[DYNMEM_VM_STAT_PRESSURE_AVG]	= { "pressure_avg", " pressure_avg %s%%", STAT_PERCENT },
	[DYNMEM_VM_STAT_PRESSURE_MIN]	= { "pressure_min", " pressure_min %s%%", STAT_PERCENT },
	[DYNMEM_VM_STAT_PRESSURE_MAX]	= { "pressure_max", " pressure_max %s%%", STAT_PERCENT },
	[DYNMEM_VM_STAT_HOTADD_OPS]	= { "hotadd_ops", " hotadd_ops %s", STAT_U64 },
	[DYNMEM_VM_STAT_BALLOON_OPS]	= { "balloon_ops", " balloon_ops %s", STAT_U64 },
	[DYNMEM_VM_STAT_FAILURES]	= { "failures", " failures %s", STAT_U64 },
	[DYNMEM_VM_STAT_LAST_ERROR]	= { "last_error", " last_error %s", STAT_S32 },
};

/**
 * vm_state_name() - the word for a VM state, as show prints it
 * @state: enum dynmem_vm_state
 *
 * Return: "off", "attached", "running", or "unknown".
 */
const char *vm_state_name(uint32_t state)
{
	switch (state) {
	case DYNMEM_VM_STATE_OFF:
		return "off";
	case DYNMEM_VM_STATE_ATTACHED:
		return "attached";
	case DYNMEM_VM_STATE_RUNNING:
		return "running";
	default:
		return "unknown";
	}
}

#define HAS(vm, a) ((vm)->present & (1ULL << (a)))

static void vm_parse_stats(struct vm_info *vm, struct nlattr *nest)
{
	struct nlattr *tb[DYNMEM_VM_STAT_MAX + 1];
	int i;

	if (nla_parse_nested(tb, DYNMEM_VM_STAT_MAX, nest, NULL) < 0)
		return;
	for (i = 1; i <= DYNMEM_VM_STAT_MAX; i++) {
		if (!tb[i] || !vm_stats[i].key)
			continue;
		switch (vm_stats[i].kind) {
		case STAT_SIZE:
		case STAT_U64:
			if (nla_len(tb[i]) < 8)
				continue;
			vm->stats[i] = nla_get_u64(tb[i]);
			break;
		case STAT_S32:
			if (nla_len(tb[i]) < 4)
				continue;
			vm->stats[i] = (uint64_t)(int64_t)(int32_t)nla_get_u32(tb[i]);
			break;
		default:
			if (nla_len(tb[i]) < 4)
				continue;
			vm->stats[i] = nla_get_u32(tb[i]);
			break;
		}
		vm->stats_present |= 1ULL << i;
	}
}

/**
 * vm_parse() - read a VM message (reply or event) into a struct vm_info
 * @msg: the message
 * @vm: filled in; attributes that are absent have their bit in
 *      @vm->present clear
 *
 * Return: 0, or -EINVAL when the message is malformed or has no name.
 */
int vm_parse(struct nl_msg *msg, struct vm_info *vm)
{
	struct nlattr *tb[DYNMEM_VM_A_MAX + 1];
	int i;

	memset(vm, 0, sizeof(*vm));
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, DYNMEM_VM_A_MAX, vm_policy) < 0)
		return -EINVAL;
	if (!tb[DYNMEM_VM_A_NAME])
		return -EINVAL;
	nla_strlcpy(vm->name, tb[DYNMEM_VM_A_NAME], sizeof(vm->name));

	for (i = 1; i <= DYNMEM_VM_A_MAX; i++) {
		if (!tb[i])
			continue;
		vm->present |= 1ULL << i;
		switch (i) {
		case DYNMEM_VM_A_STARTUP:
			vm->startup = nla_get_u64(tb[i]);
			break;
		case DYNMEM_VM_A_MINIMUM:
			vm->minimum = nla_get_u64(tb[i]);
			break;
		case DYNMEM_VM_A_MAXIMUM:
			vm->maximum = nla_get_u64(tb[i]);
			break;
		case DYNMEM_VM_A_TARGET:
			vm->target = nla_get_u64(tb[i]);
			break;
		case DYNMEM_VM_A_BUFFER:
			vm->buffer = nla_get_u32(tb[i]);
			break;
		case DYNMEM_VM_A_WEIGHT:
			vm->weight = nla_get_u32(tb[i]);
			break;
		case DYNMEM_VM_A_STATE:
			vm->state = nla_get_u32(tb[i]);
			break;
		case DYNMEM_VM_A_PID:
			vm->pid = nla_get_u32(tb[i]);
			break;
		case DYNMEM_VM_A_CID:
			vm->cid = nla_get_u32(tb[i]);
			break;
		case DYNMEM_VM_A_STATS:
			vm_parse_stats(vm, tb[i]);
			break;
		}
	}
	return 0;
}

/**
 * vm_print() - print one VM record, as one line of text or one JSON object
 * @vm: the record
 * @event: for the monitor, what happened ("add", "set", "del"), or NULL
 */
void vm_print(const struct vm_info *vm, const char *event)
{
	int i;

	out_open_object(NULL);
	if (event) {
		out_string("event", "%s ", event);
		out_string("object", "%s ", "vm");
	} else {
		out_text("vm ");
	}
	out_string("name", "%s:", vm->name);
	if (HAS(vm, DYNMEM_VM_A_STATE))
		out_string("state", " state %s", vm_state_name(vm->state));
	if (HAS(vm, DYNMEM_VM_A_STARTUP))
		out_size("startup", " startup %s", vm->startup);
	if (HAS(vm, DYNMEM_VM_A_MINIMUM))
		out_size("minimum", " minimum %s", vm->minimum);
	if (HAS(vm, DYNMEM_VM_A_MAXIMUM))
		out_size("maximum", " maximum %s", vm->maximum);
	if (HAS(vm, DYNMEM_VM_A_BUFFER))
		out_u64("buffer", " buffer %s%%", vm->buffer);
	if (HAS(vm, DYNMEM_VM_A_WEIGHT))
		out_u64("weight", " weight %s", vm->weight);
	if (HAS(vm, DYNMEM_VM_A_PID))
		out_u64("pid", " pid %s", vm->pid);
	if (HAS(vm, DYNMEM_VM_A_CID))
		out_u64("cid", " cid %s", vm->cid);

	if (show_stats && HAS(vm, DYNMEM_VM_A_TARGET))
		out_size("target", " target %s", vm->target);
	if (show_stats && vm->stats_present) {
		out_text("\n   ");
		out_open_object("stats");
		for (i = 1; i <= DYNMEM_VM_STAT_MAX; i++) {
			if (!(vm->stats_present & (1ULL << i)))
				continue;
			switch (vm_stats[i].kind) {
			case STAT_SIZE:
				out_size(vm_stats[i].key, vm_stats[i].fmt,
					 vm->stats[i]);
				break;
			case STAT_S32:
				out_s64(vm_stats[i].key, vm_stats[i].fmt,
					(int64_t)vm->stats[i]);
				break;
			default:
				out_u64(vm_stats[i].key, vm_stats[i].fmt,
					vm->stats[i]);
				break;
			}
		}
		out_close_object();
	}
	out_text("\n");
	out_close_object();
}

/* The records of a dump, kept until it completes uninterrupted. */
struct vm_list {
	struct vm_info *vms;
	size_t nr;
	size_t alloc;
	bool nomem;
};

static int vm_list_add(struct nl_msg *msg, void *arg)
{
	struct vm_list *list = arg;
	struct vm_info *vms;
	size_t alloc;

	if (list->nr == list->alloc) {
		alloc = list->alloc ? 2 * list->alloc : 64;
		vms = realloc(list->vms, alloc * sizeof(*vms));
		if (!vms) {
			list->nomem = true;
			return -ENOMEM;
		}
		list->vms = vms;
		list->alloc = alloc;
	}
	if (vm_parse(msg, &list->vms[list->nr]) < 0)
		return -EINVAL;
	list->nr++;
	return 0;
}

#define VM_OPTS_INIT {								\
	{ .name = "startup", .kind = OPT_SIZE, .attr = DYNMEM_VM_A_STARTUP },	\
	{ .name = "minimum", .kind = OPT_SIZE, .attr = DYNMEM_VM_A_MINIMUM },	\
	{ .name = "maximum", .kind = OPT_SIZE, .attr = DYNMEM_VM_A_MAXIMUM },	\
	{ .name = "buffer", .kind = OPT_PERCENT, .attr = DYNMEM_VM_A_BUFFER },	\
	{ .name = "weight", .kind = OPT_U32, .attr = DYNMEM_VM_A_WEIGHT },	\
	{ .name = "pid", .kind = OPT_U32, .attr = DYNMEM_VM_A_PID },		\
	{ .name = "cid", .kind = OPT_U32, .attr = DYNMEM_VM_A_CID },		\
}

static int vm_show(int argc, char **argv)
{
	struct vm_list list = {};
	struct nl_msg *msg;
	struct dm_nl nl;
	int tries = 0;
	size_t i;
	int err;

	if (argc > 1) {
		error("vm show takes at most one NAME; try \"dynmemctl vm help\"");
		return 1;
	}
	if (dm_nl_open(&nl))
		return 1;
	do {
		list.nr = 0;
		msg = dm_nl_msg(&nl, DYNMEM_CMD_VM_GET, argc ? 0 : NLM_F_DUMP);
		if (!msg) {
			err = -ENOMEM;
			break;
		}
		if (argc && nla_put_string(msg, DYNMEM_VM_A_NAME, argv[0]) < 0) {
			nlmsg_free(msg);
			error("request too large");
			err = -EMSGSIZE;
			break;
		}
		err = dm_nl_talk(&nl, msg, vm_list_add, &list);
	} while (err == -EINTR && ++tries < DUMP_RETRIES);
	dm_nl_close(&nl);

	if (err == -EINTR)
		error("the VM list kept changing while it was read; try again");
	if (!err && list.nomem) {
		error("out of memory");
		err = -ENOMEM;
	}
	if (!err) {
		out_start();
		out_open_array(NULL);
		for (i = 0; i < list.nr; i++)
			vm_print(&list.vms[i], NULL);
		out_close_array();
		out_end();
	}
	free(list.vms);
	return err ? 1 : 0;
}

/* Sends a command that names a VM and carries the given options. */
static int vm_change(uint8_t cmd, const char *name, struct opt *opts,
		     size_t nr_opts)
{
	struct nl_msg *msg;
	struct dm_nl nl;
	int err;

	if (dm_nl_open(&nl))
		return 1;
	msg = dm_nl_msg(&nl, cmd, 0);
	if (!msg)
		goto err_close;
	if (nla_put_string(msg, DYNMEM_VM_A_NAME, name) < 0) {
		error("request too large");
		goto err_free_msg;
	}
	if (put_opts(msg, opts, nr_opts))
		goto err_free_msg;
	err = dm_nl_talk(&nl, msg, NULL, NULL);
	dm_nl_close(&nl);
	return err ? 1 : 0;

err_free_msg:
	nlmsg_free(msg);
err_close:
	dm_nl_close(&nl);
	return 1;
}

static int vm_add_set(uint8_t cmd, const char *verb, int argc, char **argv)
{
	struct opt opts[] = VM_OPTS_INIT;

	if (argc < 1) {
		error("vm %s needs a NAME; try \"dynmemctl vm help\"", verb);
		return 1;
	}
	if (parse_opts("vm", opts, ARRAY_SIZE(opts), argc - 1, argv + 1))
		return 1;
	return vm_change(cmd, argv[0], opts, ARRAY_SIZE(opts));
}

static int vm_add(int argc, char **argv)
{
	return vm_add_set(DYNMEM_CMD_VM_NEW, "add", argc, argv);
}

static int vm_set(int argc, char **argv)
{
	return vm_add_set(DYNMEM_CMD_VM_SET, "set", argc, argv);
}

static int vm_del(int argc, char **argv)
{
	if (argc != 1) {
		error("vm del takes exactly one NAME; try \"dynmemctl vm help\"");
		return 1;
	}
	return vm_change(DYNMEM_CMD_VM_DEL, argv[0], NULL, 0);
}

static const struct cmd vm_cmds[] = {
	{ "show", vm_show, "show [ NAME ]" },
	{ "add", vm_add,
	  "add NAME startup SIZE [ minimum SIZE ] [ maximum SIZE ] [ buffer PCT ] [ weight N ]\n"
	  "                                    [ pid PID ] [ cid CID ]" },
	{ "set", vm_set,
	  "set NAME [ startup SIZE ] [ minimum SIZE ] [ maximum SIZE ]\n"
	  "                                    [ buffer PCT ] [ weight N ]\n"
	  "                                    [ pid PID ] [ cid CID ]" },
	{ "del", vm_del, "del NAME" },
};

/**
 * do_vm() - run "dynmemctl vm ..."
 * @argc: number of words after "vm"
 * @argv: the words
 *
 * Return: the exit status.
 */
int do_vm(int argc, char **argv)
{
	return do_cmd("vm", vm_cmds, ARRAY_SIZE(vm_cmds), argc, argv);
}
