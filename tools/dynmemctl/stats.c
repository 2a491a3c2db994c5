// SPDX-License-Identifier: GPL-2.0
/*
 * dynmemctl: the "stats" object, every figure of the host and its VMs at
 * once, as text, JSON, or the Prometheus text exposition format (version
 * 0.0.4) that node_exporter's textfile collector reads.
 *
 * Also the snapshot that "stats" and "top" share: the host object, then a
 * dump of every VM record, retried while the dump is interrupted by
 * changes. The two requests are not atomic; each is consistent by itself.
 *
 * Only what the kernel reports is printed: a counter the host does not
 * measure (or a VM that is not attached, which has none) has no sample,
 * never a made-up zero.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynmemctl.h"
#include "stats.h"
#include "vm.h"

/* A dump that keeps being interrupted by changes is given up after this. */
#define DUMP_RETRIES 10

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

#define HOST_HAS(h, a) ((h)->present & (1ULL << (a)))
#define VM_HAS(vm, a) ((vm)->present & (1ULL << (a)))
#define VM_HAS_STAT(vm, s) ((vm)->stats_present & (1ULL << (s)))

static int host_parse_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[DYNMEM_HOST_A_MAX + 1];
	struct host_info *host = arg;
	int i;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, DYNMEM_HOST_A_MAX,
			  host_policy) < 0)
		return -EINVAL;
	memset(host, 0, sizeof(*host));
	for (i = 1; i <= DYNMEM_HOST_A_MAX; i++) {
		if (!tb[i])
			continue;
		host->present |= 1ULL << i;
		switch (i) {
		case DYNMEM_HOST_A_RESERVED:
			host->reserved = nla_get_u64(tb[i]);
			break;
		case DYNMEM_HOST_A_TOTAL:
			host->total = nla_get_u64(tb[i]);
			break;
		case DYNMEM_HOST_A_POOL:
			host->pool = nla_get_u64(tb[i]);
			break;
		case DYNMEM_HOST_A_PERIOD_MS:
			host->period_ms = nla_get_u32(tb[i]);
			break;
		case DYNMEM_HOST_A_NR_VMS:
			host->nr_vms = nla_get_u32(tb[i]);
			break;
		case DYNMEM_HOST_A_OVERCOMMIT:
			host->overcommit = nla_get_u8(tb[i]);
			break;
		case DYNMEM_HOST_A_AVAILABLE:
			host->available = nla_get_u64(tb[i]);
			break;
		case DYNMEM_HOST_A_PRESSURE:
			host->pressure = nla_get_u32(tb[i]);
			break;
		case DYNMEM_HOST_A_NR_RUNNING:
			host->nr_running = nla_get_u32(tb[i]);
			break;
		}
	}
	return 0;
}

/* Collects the records of a dump; @alloc grows by doubling. */
struct vm_array {
	struct vm_info *vms;
	size_t nr;
	size_t alloc;
	bool nomem;
};

static int vm_array_add(struct nl_msg *msg, void *arg)
{
	struct vm_array *a = arg;
	struct vm_info *vms;
	size_t alloc;

	if (a->nr == a->alloc) {
		alloc = a->alloc ? 2 * a->alloc : 16;
		vms = realloc(a->vms, alloc * sizeof(*vms));
		if (!vms) {
			a->nomem = true;
			return -ENOMEM;
		}
		a->vms = vms;
		a->alloc = alloc;
	}
	if (vm_parse(msg, &a->vms[a->nr]) < 0)
		return -EINVAL;
	a->nr++;
	return 0;
}

/**
 * snapshot_take() - read the host object and every VM record
 * @nl: an open socket
 * @snap: filled in; release with snapshot_free() whatever the result
 *
 * Prints the reason on failure.
 *
 * Return: 0 or a negative errno.
 */
int snapshot_take(struct dm_nl *nl, struct snapshot *snap)
{
	struct vm_array a = {};
	struct nl_msg *msg;
	int tries = 0;
	int err;

	memset(snap, 0, sizeof(*snap));
	msg = dm_nl_msg(nl, DYNMEM_CMD_HOST_GET, 0);
	if (!msg)
		return -ENOMEM;
	err = dm_nl_talk(nl, msg, host_parse_cb, &snap->host);
	if (err)
		return err;

	do {
		a.nr = 0;
		msg = dm_nl_msg(nl, DYNMEM_CMD_VM_GET, NLM_F_DUMP);
		if (!msg) {
			err = -ENOMEM;
			break;
		}
		err = dm_nl_talk(nl, msg, vm_array_add, &a);
	} while (err == -EINTR && ++tries < DUMP_RETRIES);

	if (err == -EINTR)
		error("the VM list kept changing while it was read; try again");
	if (!err && a.nomem) {
		error("out of memory");
		err = -ENOMEM;
	}
	snap->vms = a.vms;
	snap->nr = err ? 0 : a.nr;
	return err;
}

/**
 * snapshot_free() - release what snapshot_take() allocated
 * @snap: the snapshot
 */
void snapshot_free(struct snapshot *snap)
{
	free(snap->vms);
	snap->vms = NULL;
	snap->nr = 0;
}

/**
 * host_info_print() - print the host object as "host show" does
 * @host: the host object
 */
void host_info_print(const struct host_info *host)
{
	out_open_object("host");
	out_text("host:");
	if (HOST_HAS(host, DYNMEM_HOST_A_RESERVED))
		out_size("reserved", " reserved %s", host->reserved);
	if (HOST_HAS(host, DYNMEM_HOST_A_PERIOD_MS))
		out_u64("period", " period %sms", host->period_ms);
	if (HOST_HAS(host, DYNMEM_HOST_A_TOTAL))
		out_size("total", " total %s", host->total);
	if (HOST_HAS(host, DYNMEM_HOST_A_POOL))
		out_size("pool", " pool %s", host->pool);
	if (HOST_HAS(host, DYNMEM_HOST_A_NR_VMS))
		out_u64("vms", " vms %s", host->nr_vms);
	if (HOST_HAS(host, DYNMEM_HOST_A_OVERCOMMIT))
		out_bool("overcommit", " overcommit %s", host->overcommit);
	if (HOST_HAS(host, DYNMEM_HOST_A_AVAILABLE))
		out_size("available", " available %s", host->available);
	if (HOST_HAS(host, DYNMEM_HOST_A_PRESSURE))
		out_u64("pressure", " pressure %s%%", host->pressure);
	if (HOST_HAS(host, DYNMEM_HOST_A_NR_RUNNING))
		out_u64("running", " running %s", host->nr_running);
	out_text("\n");
	out_close_object();
}

/*
 * Prometheus output. Metric families are printed in the order of these
 * tables, each with its HELP and TYPE once and then one sample per VM that
 * has the figure; a family without a sample is left out. Names follow the
 * Prometheus conventions: base units (bytes, seconds), "_total" for
 * counters, "_percent" where the kernel reports percentages.
 */

enum prom_src {
	PROM_END,		/* ends a family's list of series */
	PROM_ATTR,		/* a top-level attribute, enum dynmem_vm_attr */
	PROM_STAT,		/* a counter, enum dynmem_vm_stat */
};

/**
 * struct prom_series - one figure of a VM within a metric family
 * @src: where the figure comes from
 * @id: the attribute or counter
 * @kind: value of the "kind" label, or NULL for none
 */
struct prom_series {
	enum prom_src src;
	int id;
	const char *kind;
};

/**
 * struct prom_family - one metric of a VM
 * @name: metric name
 * @type: "gauge" or "counter"
 * @help: HELP text (no backslash, no newline)
 * @is_signed: the values are signed (stored sign-extended)
 * @series: the figures, ended by PROM_END
 */
struct prom_family {
	const char *name;
	const char *type;
	const char *help;
	bool is_signed;
	struct prom_series series[5];
};

#define ATTR(a)	{ { PROM_ATTR, DYNMEM_VM_A_##a, NULL } }
#define STAT(s)	{ { PROM_STAT, DYNMEM_VM_STAT_##s, NULL } }

static const struct prom_family vm_families[] = {
	{ "dynmem_vm_startup_bytes", "gauge",
	  "Memory the VM starts with.", false, ATTR(STARTUP) },
	{ "dynmem_vm_minimum_bytes", "gauge",
	  "Memory the VM never goes below.", false, ATTR(MINIMUM) },
	{ "dynmem_vm_maximum_bytes", "gauge",
	  "Memory the VM never goes above.", false, ATTR(MAXIMUM) },
	{ "dynmem_vm_buffer_percent", "gauge",
	  "Spare memory the VM should have, in percent of its demand.",
	  false, ATTR(BUFFER) },
	{ "dynmem_vm_weight", "gauge",
	  "Share of memory when VMs compete for it (0 to 10000).",
	  false, ATTR(WEIGHT) },
	{ "dynmem_vm_target_bytes", "gauge",
	  "Memory the host grants the VM now.", false, ATTR(TARGET) },
	{ "dynmem_vm_visible_bytes", "gauge",
	  "Memory the guest sees.", false, STAT(VISIBLE) },
	{ "dynmem_vm_physical_bytes", "gauge",
	  "Host memory the guest holds (resident shared memory of the VMM).",
	  false, STAT(PHYSICAL) },
	{ "dynmem_vm_added_bytes", "gauge",
	  "Memory hot-added to the guest.", false, STAT(ADDED) },
	{ "dynmem_vm_removed_bytes", "gauge",
	  "Memory taken from the guest by its balloon (driver locked).",
	  false, STAT(REMOVED) },
	{ "dynmem_vm_demand_bytes", "gauge",
	  "Memory the guest needs.", false, STAT(DEMAND) },
	{ "dynmem_vm_pressure_percent", "gauge",
	  "Demand in percent of visible memory.", false, {
		{ PROM_STAT, DYNMEM_VM_STAT_PRESSURE_CUR, "current" },
		{ PROM_STAT, DYNMEM_VM_STAT_PRESSURE_AVG, "average" },
		{ PROM_STAT, DYNMEM_VM_STAT_PRESSURE_MIN, "minimum" },
		{ PROM_STAT, DYNMEM_VM_STAT_PRESSURE_MAX, "maximum" },
	  } },
	{ "dynmem_vm_hotadd_operations_total", "counter",
	  "Hot-add operations.", false, STAT(HOTADD_OPS) },
	{ "dynmem_vm_balloon_operations_total", "counter",
	  "Balloon operations.", false, STAT(BALLOON_OPS) },
	{ "dynmem_vm_failures_total", "counter",
	  "Operations that failed.", false, STAT(FAILURES) },
	{ "dynmem_vm_last_error", "gauge",
	  "Negative errno of the last failed operation.", true,
	  STAT(LAST_ERROR) },
};

#undef ATTR
#undef STAT

/* The value of one figure of @vm, if the kernel reported it. */
static bool vm_value(const struct vm_info *vm, const struct prom_series *s,
		     uint64_t *val)
{
	if (s->src == PROM_STAT) {
		if (!VM_HAS_STAT(vm, s->id))
			return false;
		*val = vm->stats[s->id];
		return true;
	}
	if (!VM_HAS(vm, s->id))
		return false;
	switch (s->id) {
	case DYNMEM_VM_A_STARTUP:
		*val = vm->startup;
		break;
	case DYNMEM_VM_A_MINIMUM:
		*val = vm->minimum;
		break;
	case DYNMEM_VM_A_MAXIMUM:
		*val = vm->maximum;
		break;
	case DYNMEM_VM_A_BUFFER:
		*val = vm->buffer;
		break;
	case DYNMEM_VM_A_WEIGHT:
		*val = vm->weight;
		break;
	case DYNMEM_VM_A_TARGET:
		*val = vm->target;
		break;
	default:
		return false;
	}
	return true;
}

/* A label value, escaped as the format wants: backslash, quote, newline. */
static void prom_label_value(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		switch (*s) {
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		default:
			putchar(*s);
		}
	}
	putchar('"');
}

static void prom_header(const char *name, const char *type, const char *help)
{
	printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_vm_sample(const char *name, const struct vm_info *vm,
			   const char *label, const char *label_val)
{
	fputs(name, stdout);
	fputs("{vm=", stdout);
	prom_label_value(vm->name);
	if (label) {
		printf(",%s=", label);
		prom_label_value(label_val);
	}
	putchar('}');
}

static void prom_vm_family(const struct prom_family *f,
			   const struct snapshot *snap)
{
	const struct prom_series *s;
	bool header = false;
	uint64_t val;
	size_t i;

	for (i = 0; i < snap->nr; i++) {
		for (s = f->series; s->src != PROM_END; s++) {
			if (!vm_value(&snap->vms[i], s, &val))
				continue;
			if (!header) {
				prom_header(f->name, f->type, f->help);
				header = true;
			}
			prom_vm_sample(f->name, &snap->vms[i],
				       s->kind ? "kind" : NULL, s->kind);
			if (f->is_signed)
				printf(" %" PRId64 "\n", (int64_t)val);
			else
				printf(" %" PRIu64 "\n", val);
		}
	}
}

/*
 * The state as a set of 0/1 samples, one per state, as node_exporter's
 * node_systemd_unit_state does, so that a query needs no numeric codes:
 * dynmem_vm_state{state="running"} == 1. A state this tool does not know
 * is reported as "unknown".
 */
static void prom_vm_state(const struct snapshot *snap)
{
	static const uint32_t states[] = {
		DYNMEM_VM_STATE_OFF,
		DYNMEM_VM_STATE_ATTACHED,
		DYNMEM_VM_STATE_RUNNING,
	};
	const struct vm_info *vm;
	bool header = false;
	bool known;
	size_t i, j;

	for (i = 0; i < snap->nr; i++) {
		vm = &snap->vms[i];
		if (!VM_HAS(vm, DYNMEM_VM_A_STATE))
			continue;
		if (!header) {
			prom_header("dynmem_vm_state", "gauge",
				    "1 for the state the VM is in, 0 for the others.");
			header = true;
		}
		known = false;
		for (j = 0; j < ARRAY_SIZE(states); j++) {
			prom_vm_sample("dynmem_vm_state", vm, "state",
				       vm_state_name(states[j]));
			printf(" %d\n", vm->state == states[j]);
			known |= vm->state == states[j];
		}
		if (!known) {
			prom_vm_sample("dynmem_vm_state", vm, "state",
				       vm_state_name(vm->state));
			puts(" 1");
		}
	}
}

static void prom_host_u64(const struct host_info *host, int attr,
			  const char *name, const char *help, uint64_t val)
{
	if (!HOST_HAS(host, attr))
		return;
	prom_header(name, "gauge", help);
	printf("%s %" PRIu64 "\n", name, val);
}

static void prom_host(const struct host_info *host)
{
	prom_host_u64(host, DYNMEM_HOST_A_TOTAL, "dynmem_host_total_bytes",
		      "Host RAM.", host->total);
	prom_host_u64(host, DYNMEM_HOST_A_POOL, "dynmem_host_pool_bytes",
		      "Memory the guests may have: total less reserved.",
		      host->pool);
	prom_host_u64(host, DYNMEM_HOST_A_RESERVED,
		      "dynmem_host_reserved_bytes",
		      "Host memory that guests never get.", host->reserved);
	prom_host_u64(host, DYNMEM_HOST_A_NR_VMS, "dynmem_host_vms",
		      "Number of VM records.", host->nr_vms);
	prom_host_u64(host, DYNMEM_HOST_A_OVERCOMMIT, "dynmem_host_overcommit",
		      "1 when the minimums of the running VMs do not fit in the pool.",
		      host->overcommit);
	prom_host_u64(host, DYNMEM_HOST_A_AVAILABLE,
		      "dynmem_host_available_bytes",
		      "Memory the host can still give to guests: the pool less the targets of the running VMs.",
		      host->available);
	prom_host_u64(host, DYNMEM_HOST_A_PRESSURE,
		      "dynmem_host_pressure_percent",
		      "Demand of the running VMs in percent of their visible memory, all together.",
		      host->pressure);
	prom_host_u64(host, DYNMEM_HOST_A_NR_RUNNING, "dynmem_host_running_vms",
		      "Number of VMs whose guest is connected.",
		      host->nr_running);
	if (HOST_HAS(host, DYNMEM_HOST_A_PERIOD_MS)) {
		prom_header("dynmem_host_period_seconds", "gauge",
			    "Rebalancing period.");
		printf("dynmem_host_period_seconds %u.%03u\n",
		       host->period_ms / 1000, host->period_ms % 1000);
	}
}

static void stats_prometheus(const struct snapshot *snap)
{
	size_t i;

	prom_host(&snap->host);
	prom_vm_state(snap);
	for (i = 0; i < ARRAY_SIZE(vm_families); i++)
		prom_vm_family(&vm_families[i], snap);
}

/* Text and JSON: the host as "host show", the VMs as "vm show -s". */
static void stats_show(const struct snapshot *snap)
{
	size_t i;

	show_stats = true;
	out_start();
	out_open_object(NULL);
	host_info_print(&snap->host);
	out_open_array("vms");
	for (i = 0; i < snap->nr; i++)
		vm_print(&snap->vms[i], NULL);
	out_close_array();
	out_close_object();
	out_end();
}

enum stats_format { FORMAT_TEXT, FORMAT_JSON, FORMAT_PROMETHEUS };

static int parse_format(const char *str, enum stats_format *format)
{
	if (!strcmp(str, "text"))
		*format = FORMAT_TEXT;
	else if (!strcmp(str, "json"))
		*format = FORMAT_JSON;
	else if (!strcmp(str, "prometheus"))
		*format = FORMAT_PROMETHEUS;
	else
		return -EINVAL;
	return 0;
}

static int stats_run(int argc, char **argv)
{
	enum stats_format format = json ? FORMAT_JSON : FORMAT_TEXT;
	struct snapshot snap;
	const char *val;
	struct dm_nl nl;
	int err;

	for (; argc > 0; argc--, argv++) {
		if (!strncmp(argv[0], "--format=", 9)) {
			val = argv[0] + 9;
		} else if (!strcmp(argv[0], "--format")) {
			if (argc < 2) {
				error("--format needs prometheus, text or json");
				return 1;
			}
			val = *++argv;
			argc--;
		} else {
			error("unknown argument \"%s\"; try \"dynmemctl stats help\"",
			      argv[0]);
			return 1;
		}
		if (parse_format(val, &format)) {
			error("unknown format \"%s\" (use prometheus, text or json)",
			      val);
			return 1;
		}
	}
	json = format == FORMAT_JSON;

	if (dm_nl_open(&nl))
		return 1;
	err = snapshot_take(&nl, &snap);
	dm_nl_close(&nl);
	if (!err) {
		if (format == FORMAT_PROMETHEUS)
			stats_prometheus(&snap);
		else
			stats_show(&snap);
		if (fflush(stdout) || ferror(stdout)) {
			error("cannot write the output: %s", strerror(errno));
			err = -EIO;
		}
	}
	snapshot_free(&snap);
	return err ? 1 : 0;
}

static const struct cmd stats_cmds[] = {
	{ "", stats_run, "[ --format { prometheus | text | json } ]" },
};

/**
 * do_stats() - run "dynmemctl stats ..."
 * @argc: number of words after "stats"
 * @argv: the words
 *
 * Return: the exit status.
 */
int do_stats(int argc, char **argv)
{
	return do_cmd("stats", stats_cmds, ARRAY_SIZE(stats_cmds), argc, argv);
}
