// SPDX-License-Identifier: GPL-2.0
/*
 * The "dynmem" generic netlink family: VM records and host settings.
 *
 * The protocol is documented in uapi/linux/dynmem.h. Every command takes
 * the host's mutex for its whole length: a change, the message that
 * announces it and the position of that message in the multicast stream
 * all agree, and a dump sees each part of the registry at one instant
 * (parts are stitched together with the generation counter).
 *
 * The family lives in the initial network namespace only: VM records are
 * host-wide, not per namespace.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/limits.h>
#include <linux/dynmem.h>
#include <linux/netlink.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "kvm.h"
#include "netlink.h"
#include "policy.h"
#include "session.h"
#include "settings.h"
#include "vm.h"

/* The messages below spell this limit out. */
static_assert(DYNMEM_MAX_VMS == 65536);

static struct genl_family dmh_genl_family;

/* The host the family serves; set before the family is registered. */
static struct dmh_host *dmh_nl_host;

#define DMH_READ_ONLY(_name)						\
	{ .type = NLA_REJECT, .reject_message = _name ": read-only" }

/*
 * Names have no length limit here: settings.c checks them, with a better
 * message than the policy could give.
 */
static const struct nla_policy dmh_nl_vm_policy[DYNMEM_VM_A_MAX + 1] = {
	[DYNMEM_VM_A_NAME]	= { .type = NLA_NUL_STRING },
	[DYNMEM_VM_A_STARTUP]	= { .type = NLA_U64 },
	[DYNMEM_VM_A_MINIMUM]	= { .type = NLA_U64 },
	[DYNMEM_VM_A_MAXIMUM]	= { .type = NLA_U64 },
	[DYNMEM_VM_A_BUFFER]	= { .type = NLA_U32 },
	[DYNMEM_VM_A_WEIGHT]	= { .type = NLA_U32 },
	[DYNMEM_VM_A_STATE]	= DMH_READ_ONLY("state"),
	[DYNMEM_VM_A_TARGET]	= DMH_READ_ONLY("target"),
	[DYNMEM_VM_A_PID]	= { .type = NLA_U32 },
	[DYNMEM_VM_A_CID]	= { .type = NLA_U32 },
	[DYNMEM_VM_A_STATS]	= DMH_READ_ONLY("stats"),
};

/* VM_DEL and VM_GET take a name and nothing else. */
static const struct nla_policy dmh_nl_vm_name_policy[DYNMEM_VM_A_NAME + 1] = {
	[DYNMEM_VM_A_NAME]	= { .type = NLA_NUL_STRING },
};

static const struct nla_policy dmh_nl_host_policy[DYNMEM_HOST_A_MAX + 1] = {
	[DYNMEM_HOST_A_RESERVED]	= { .type = NLA_U64 },
	[DYNMEM_HOST_A_PERIOD_MS]	= { .type = NLA_U32 },
	[DYNMEM_HOST_A_TOTAL]		= DMH_READ_ONLY("total"),
	[DYNMEM_HOST_A_POOL]		= DMH_READ_ONLY("pool"),
	[DYNMEM_HOST_A_NR_VMS]		= DMH_READ_ONLY("nr_vms"),
	[DYNMEM_HOST_A_OVERCOMMIT]	= DMH_READ_ONLY("overcommit"),
	[DYNMEM_HOST_A_AVAILABLE]	= DMH_READ_ONLY("available"),
	[DYNMEM_HOST_A_PRESSURE]	= DMH_READ_ONLY("pressure"),
	[DYNMEM_HOST_A_NR_RUNNING]	= DMH_READ_ONLY("nr_running"),
};

/*
 * Report a rule broken in settings.c. NL_SET_ERR_MSG_ATTR() only takes
 * string literals; the message is a literal too, just from another file,
 * so set it the way the core sets an NLA_REJECT policy's message.
 */
static int dmh_nl_settings_error(struct genl_info *info,
				 const struct dmh_settings_error *err)
{
	struct netlink_ext_ack *extack = info->extack;

	do_trace_netlink_extack(err->msg);
	if (!extack)
		return -EINVAL;

	extack->_msg = err->msg;
	if (err->attr)
		NL_SET_BAD_ATTR(extack, info->attrs[err->attr]);
	return -EINVAL;
}

static size_t dmh_nl_vm_size(void)
{
	return nla_total_size(DYNMEM_NAME_MAX) +	/* NAME */
	       nla_total_size_64bit(sizeof(u64)) +	/* STARTUP */
	       nla_total_size_64bit(sizeof(u64)) +	/* MINIMUM */
	       nla_total_size_64bit(sizeof(u64)) +	/* MAXIMUM */
	       nla_total_size(sizeof(u32)) +		/* BUFFER */
	       nla_total_size(sizeof(u32)) +		/* WEIGHT */
	       nla_total_size(sizeof(u32)) +		/* STATE */
	       nla_total_size_64bit(sizeof(u64)) +	/* TARGET */
	       nla_total_size(sizeof(u32)) +		/* PID */
	       nla_total_size(sizeof(u32)) +		/* CID */
	       nla_total_size(0) +			/* STATS */
	       nla_total_size_64bit(sizeof(u64)) * 8 +	/* STAT_ u64s */
	       nla_total_size(sizeof(u32)) * 5;		/* STAT_ u32s, s32 */
}

/*
 * Figures of an attached VM: host-resident memory always, the rest while
 * its guest is connected.
 */
static int dmh_nl_put_stats(struct sk_buff *skb, const struct dmh_vm *vm)
{
	struct dmh_vm_stats st;
	struct nlattr *stats;

	stats = nla_nest_start(skb, DYNMEM_VM_A_STATS);
	if (!stats)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, DYNMEM_VM_STAT_PHYSICAL,
			      dmh_kvm_resident(vm->kvm), DYNMEM_VM_STAT_PAD))
		goto err_cancel;
	if (!dmh_session_stats(vm, &st))
		goto out_end;
	if (nla_put_u64_64bit(skb, DYNMEM_VM_STAT_VISIBLE, st.visible,
			      DYNMEM_VM_STAT_PAD) ||
	    nla_put_u64_64bit(skb, DYNMEM_VM_STAT_ADDED, st.added,
			      DYNMEM_VM_STAT_PAD) ||
	    nla_put_u64_64bit(skb, DYNMEM_VM_STAT_REMOVED, st.removed,
			      DYNMEM_VM_STAT_PAD) ||
	    nla_put_u64_64bit(skb, DYNMEM_VM_STAT_DEMAND, st.demand,
			      DYNMEM_VM_STAT_PAD) ||
	    nla_put_u32(skb, DYNMEM_VM_STAT_PRESSURE_CUR, st.pressure_cur) ||
	    nla_put_u32(skb, DYNMEM_VM_STAT_PRESSURE_AVG, st.pressure_avg) ||
	    nla_put_u32(skb, DYNMEM_VM_STAT_PRESSURE_MIN, st.pressure_min) ||
	    nla_put_u32(skb, DYNMEM_VM_STAT_PRESSURE_MAX, st.pressure_max) ||
	    nla_put_u64_64bit(skb, DYNMEM_VM_STAT_HOTADD_OPS, st.hotadd_ops,
			      DYNMEM_VM_STAT_PAD) ||
	    nla_put_u64_64bit(skb, DYNMEM_VM_STAT_BALLOON_OPS, st.balloon_ops,
			      DYNMEM_VM_STAT_PAD) ||
	    nla_put_u64_64bit(skb, DYNMEM_VM_STAT_FAILURES, st.failures,
			      DYNMEM_VM_STAT_PAD) ||
	    nla_put_s32(skb, DYNMEM_VM_STAT_LAST_ERROR, st.last_error))
		goto err_cancel;
out_end:
	nla_nest_end(skb, stats);
	return 0;

err_cancel:
	nla_nest_cancel(skb, stats);
	return -EMSGSIZE;
}

static int dmh_nl_put_vm(struct sk_buff *skb, const struct dmh_vm *vm)
{
	const struct dmh_vm_policy *p = &vm->policy;
	u32 pid;

	lockdep_assert_held(&vm->host->lock);

	if (nla_put_string(skb, DYNMEM_VM_A_NAME, vm->name) ||
	    nla_put_u64_64bit(skb, DYNMEM_VM_A_STARTUP, p->startup,
			      DYNMEM_VM_A_PAD) ||
	    nla_put_u64_64bit(skb, DYNMEM_VM_A_MINIMUM, p->minimum,
			      DYNMEM_VM_A_PAD) ||
	    nla_put_u64_64bit(skb, DYNMEM_VM_A_MAXIMUM, p->maximum,
			      DYNMEM_VM_A_PAD) ||
	    nla_put_u32(skb, DYNMEM_VM_A_BUFFER, p->buffer) ||
	    nla_put_u32(skb, DYNMEM_VM_A_WEIGHT, p->weight) ||
	    nla_put_u32(skb, DYNMEM_VM_A_STATE, vm->state) ||
	    nla_put_u64_64bit(skb, DYNMEM_VM_A_TARGET, vm->target,
			      DYNMEM_VM_A_PAD))
		return -EMSGSIZE;
	if (vm->cid && nla_put_u32(skb, DYNMEM_VM_A_CID, vm->cid))
		return -EMSGSIZE;
	if (!vm->kvm)
		return 0;
	/* A VMM outside the reader's PID namespace has no PID to show. */
	pid = dmh_kvm_pid(vm->kvm);
	if (pid && nla_put_u32(skb, DYNMEM_VM_A_PID, pid))
		return -EMSGSIZE;
	return dmh_nl_put_stats(skb, vm);
}

/* One message describing @vm, for a GET reply or a notification. */
static struct sk_buff *dmh_nl_vm_msg_to(const struct dmh_vm *vm, u32 portid,
					u32 seq, u8 cmd)
{
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(dmh_nl_vm_size(), GFP_KERNEL);
	if (!skb)
		return ERR_PTR(-ENOMEM);

	hdr = genlmsg_put(skb, portid, seq, &dmh_genl_family, 0, cmd);
	if (!hdr)
		goto err_free_skb;
	if (dmh_nl_put_vm(skb, vm))
		goto err_free_skb;
	genlmsg_end(skb, hdr);
	return skb;

err_free_skb:
	nlmsg_free(skb);
	return ERR_PTR(-EMSGSIZE);
}

static struct sk_buff *dmh_nl_vm_msg(const struct dmh_vm *vm,
				     struct genl_info *info, u8 cmd)
{
	return dmh_nl_vm_msg_to(vm, info->snd_portid, info->snd_seq, cmd);
}

/**
 * dmh_netlink_vm_event() - announce a change the host made by itself
 * @vm: the VM record that changed
 *
 * The message is that of a VM_SET: a VM record changed, here not at
 * anyone's request (its VM went away).
 *
 * Context: @vm->host->lock held, process context; the family is
 * registered.
 */
void dmh_netlink_vm_event(const struct dmh_vm *vm)
{
	struct sk_buff *skb;

	lockdep_assert_held(&vm->host->lock);

	if (!genl_has_listeners(&dmh_genl_family, &init_net, 0))
		return;
	skb = dmh_nl_vm_msg_to(vm, 0, 0, DYNMEM_CMD_VM_SET);
	if (IS_ERR(skb))
		return;
	genlmsg_multicast(&dmh_genl_family, skb, 0, 0, GFP_KERNEL);
}

static size_t dmh_nl_host_size(void)
{
	return nla_total_size_64bit(sizeof(u64)) +	/* RESERVED */
	       nla_total_size(sizeof(u32)) +		/* PERIOD_MS */
	       nla_total_size_64bit(sizeof(u64)) +	/* TOTAL */
	       nla_total_size_64bit(sizeof(u64)) +	/* POOL */
	       nla_total_size(sizeof(u32)) +		/* NR_VMS */
	       nla_total_size(sizeof(u8)) +		/* OVERCOMMIT */
	       nla_total_size_64bit(sizeof(u64)) +	/* AVAILABLE */
	       nla_total_size(sizeof(u32)) +		/* PRESSURE */
	       nla_total_size(sizeof(u32));		/* NR_RUNNING */
}

/**
 * struct dmh_nl_host_fig - host-wide figures of the running VMs
 * @available: the pool less the targets of the running VMs, 0 at least
 * @pressure: sum of their demands * 100 / sum of their visible memory
 * @nr_running: number of VM records whose guest is connected
 */
struct dmh_nl_host_fig {
	u64 available;
	u32 pressure;
	u32 nr_running;
};

static u64 dmh_nl_add_sat(u64 a, u64 b)
{
	return a + b < a ? U64_MAX : a + b;
}

/*
 * The figures of HOST_GET that sum up the running VMs. Demand and visible
 * memory come from the guests, so the sums saturate rather than wrap; a
 * running VM that has not reported yet adds nothing to the pressure.
 */
static void dmh_nl_host_figures(struct dmh_host *host,
				struct dmh_nl_host_fig *fig)
{
	u64 granted = 0, demand = 0, visible = 0, pool;
	struct dmh_vm_stats st;
	struct dmh_vm *vm;

	lockdep_assert_held(&host->lock);

	memset(fig, 0, sizeof(*fig));
	list_for_each_entry(vm, &host->vms, host_node) {
		if (vm->state != DYNMEM_VM_STATE_RUNNING)
			continue;
		fig->nr_running++;
		granted = dmh_nl_add_sat(granted, vm->target);
		if (dmh_session_stats(vm, &st) && st.visible) {
			demand = dmh_nl_add_sat(demand, st.demand);
			visible = dmh_nl_add_sat(visible, st.visible);
		}
	}
	pool = dmh_host_pool(host);
	fig->available = granted < pool ? pool - granted : 0;
	fig->pressure = dmh_pol_pressure(demand, visible);
}

static struct sk_buff *dmh_nl_host_msg(struct dmh_host *host,
				       struct genl_info *info, u8 cmd)
{
	struct dmh_nl_host_fig fig;
	struct sk_buff *skb;
	void *hdr;

	lockdep_assert_held(&host->lock);

	dmh_nl_host_figures(host, &fig);
	skb = genlmsg_new(dmh_nl_host_size(), GFP_KERNEL);
	if (!skb)
		return ERR_PTR(-ENOMEM);

	hdr = genlmsg_put(skb, info->snd_portid, info->snd_seq,
			  &dmh_genl_family, 0, cmd);
	if (!hdr)
		goto err_free_skb;

	if (nla_put_u64_64bit(skb, DYNMEM_HOST_A_RESERVED,
			      host->settings.reserved, DYNMEM_HOST_A_PAD) ||
	    nla_put_u32(skb, DYNMEM_HOST_A_PERIOD_MS,
			host->settings.period_ms) ||
	    nla_put_u64_64bit(skb, DYNMEM_HOST_A_TOTAL, dmh_host_total(host),
			      DYNMEM_HOST_A_PAD) ||
	    nla_put_u64_64bit(skb, DYNMEM_HOST_A_POOL, dmh_host_pool(host),
			      DYNMEM_HOST_A_PAD) ||
	    nla_put_u32(skb, DYNMEM_HOST_A_NR_VMS, host->nr_vms) ||
	    nla_put_u8(skb, DYNMEM_HOST_A_OVERCOMMIT,
		       dmh_host_overcommit(host)) ||
	    nla_put_u64_64bit(skb, DYNMEM_HOST_A_AVAILABLE, fig.available,
			      DYNMEM_HOST_A_PAD) ||
	    nla_put_u32(skb, DYNMEM_HOST_A_PRESSURE, fig.pressure) ||
	    nla_put_u32(skb, DYNMEM_HOST_A_NR_RUNNING, fig.nr_running))
		goto err_free_skb;

	genlmsg_end(skb, hdr);
	return skb;

err_free_skb:
	nlmsg_free(skb);
	return ERR_PTR(-EMSGSIZE);
}

/*
 * Announce a change to the "events" group (and to the requester if it
 * asked for NLM_F_ECHO). Called with the host's mutex held so that events
 * leave in the order of the changes. A failure to announce does not undo
 * the change: listeners learn of lost events from ENOBUFS on their socket.
 */
static void dmh_nl_notify(struct sk_buff *skb, struct genl_info *info)
{
	lockdep_assert_held(&dmh_nl_host->lock);

	if (IS_ERR(skb))
		return;
	genl_notify(&dmh_genl_family, skb, info, 0, GFP_KERNEL);
}

static bool dmh_nl_want_notify(struct genl_info *info)
{
	return nlmsg_report(info->nlhdr) ||
	       genl_has_listeners(&dmh_genl_family, genl_info_net(info), 0);
}

static const char *dmh_nl_name(struct genl_info *info)
{
	struct nlattr *nla = info->attrs[DYNMEM_VM_A_NAME];

	if (!nla) {
		NL_SET_ERR_MSG(info->extack, "name: required");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, DYNMEM_VM_A_NAME);
		return NULL;
	}
	return nla_data(nla);
}

/* Look up the VM named by the request, with an ACK message if there is none. */
static struct dmh_vm *dmh_nl_vm_lookup(struct dmh_host *host,
				       struct genl_info *info, const char *name)
{
	struct dmh_vm *vm;

	vm = dmh_vm_lookup(host, name);
	if (!vm)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DYNMEM_VM_A_NAME],
				    "no VM of that name");
	return vm;
}

static void dmh_nl_policy_req(struct genl_info *info,
			      struct dmh_vm_policy_req *req)
{
	struct nlattr **attrs = info->attrs;

	memset(req, 0, sizeof(*req));
	if (attrs[DYNMEM_VM_A_STARTUP]) {
		req->val.startup = nla_get_u64(attrs[DYNMEM_VM_A_STARTUP]);
		req->present |= BIT(DYNMEM_VM_A_STARTUP);
	}
	if (attrs[DYNMEM_VM_A_MINIMUM]) {
		req->val.minimum = nla_get_u64(attrs[DYNMEM_VM_A_MINIMUM]);
		req->present |= BIT(DYNMEM_VM_A_MINIMUM);
	}
	if (attrs[DYNMEM_VM_A_MAXIMUM]) {
		req->val.maximum = nla_get_u64(attrs[DYNMEM_VM_A_MAXIMUM]);
		req->present |= BIT(DYNMEM_VM_A_MAXIMUM);
	}
	if (attrs[DYNMEM_VM_A_BUFFER]) {
		req->val.buffer = nla_get_u32(attrs[DYNMEM_VM_A_BUFFER]);
		req->present |= BIT(DYNMEM_VM_A_BUFFER);
	}
	if (attrs[DYNMEM_VM_A_WEIGHT]) {
		req->val.weight = nla_get_u32(attrs[DYNMEM_VM_A_WEIGHT]);
		req->present |= BIT(DYNMEM_VM_A_WEIGHT);
	}
}

/*
 * Check the CID a VM_NEW or VM_SET request gives @vm (NULL for a new
 * record), if it gives one: in range, and no other record has it.
 */
static int dmh_nl_cid_check(struct dmh_host *host, const struct dmh_vm *vm,
			    struct genl_info *info)
{
	struct nlattr *nla = info->attrs[DYNMEM_VM_A_CID];
	struct dmh_vm *other;
	u32 cid;

	lockdep_assert_held(&host->lock);

	if (!nla)
		return 0;
	cid = nla_get_u32(nla);
	/* 0, 1 and 2 are the hypervisor, loopback and host; ~0 is "any". */
	if (cid < 3 || cid == U32_MAX) {
		NL_SET_ERR_MSG_ATTR(info->extack, nla,
				    "cid: out of range (3 to 4294967294)");
		return -EINVAL;
	}
	other = dmh_vm_lookup_cid(host, cid);
	if (other && other != vm) {
		NL_SET_ERR_MSG_ATTR(info->extack, nla,
				    "cid: another VM record has that CID");
		return -EEXIST;
	}
	return 0;
}

/*
 * Attach @vm as the request's PID attribute says, if it has one. Errors
 * point at the attribute.
 */
static int dmh_nl_attach(struct dmh_vm *vm, struct genl_info *info)
{
	struct nlattr *nla = info->attrs[DYNMEM_VM_A_PID];
	int ret;

	if (!nla)
		return 0;
	ret = dmh_vm_attach(vm, nla_get_u32(nla), info->extack);
	if (ret)
		NL_SET_BAD_ATTR(info->extack, nla);
	return ret;
}

static int dmh_nl_vm_new(struct sk_buff *skb, struct genl_info *info)
{
	struct dmh_host *host = dmh_nl_host;
	struct dmh_settings_error err;
	struct dmh_vm_policy_req req;
	struct dmh_vm_policy policy;
	struct dmh_vm *vm;
	const char *name;
	int ret;

	name = dmh_nl_name(info);
	if (!name)
		return -EINVAL;
	if (dmh_vm_name_check(name, &err))
		return dmh_nl_settings_error(info, &err);

	if (!info->attrs[DYNMEM_VM_A_STARTUP]) {
		NL_SET_ERR_MSG(info->extack, "startup: required");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, DYNMEM_VM_A_STARTUP);
		return -EINVAL;
	}
	dmh_nl_policy_req(info, &req);
	if (dmh_vm_policy_new(&req, &policy, &err))
		return dmh_nl_settings_error(info, &err);

	mutex_lock(&host->lock);
	ret = dmh_nl_cid_check(host, NULL, info);
	if (ret)
		goto out_unlock;
	ret = dmh_vm_add(host, name, &policy, &vm);
	if (ret == -EEXIST)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DYNMEM_VM_A_NAME],
				    "a VM of that name exists");
	else if (ret == -ENOSPC)
		NL_SET_ERR_MSG(info->extack,
			       "too many VMs (at most 65536 records)");
	if (ret)
		goto out_unlock;

	if (info->attrs[DYNMEM_VM_A_CID])
		dmh_vm_set_cid(vm, nla_get_u32(info->attrs[DYNMEM_VM_A_CID]));
	/* A record whose VM cannot be attached is not made at all. */
	ret = dmh_nl_attach(vm, info);
	if (ret) {
		dmh_vm_remove(vm);
		goto out_unlock;
	}
	if (dmh_nl_want_notify(info))
		dmh_nl_notify(dmh_nl_vm_msg(vm, info, DYNMEM_CMD_VM_NEW), info);
out_unlock:
	mutex_unlock(&host->lock);

	return ret;
}

static int dmh_nl_vm_set(struct sk_buff *skb, struct genl_info *info)
{
	struct dmh_host *host = dmh_nl_host;
	struct dmh_settings_error err;
	struct dmh_vm_policy_req req;
	struct dmh_vm_policy policy;
	struct dmh_vm *vm;
	const char *name;
	int ret = 0;

	name = dmh_nl_name(info);
	if (!name)
		return -EINVAL;
	dmh_nl_policy_req(info, &req);

	mutex_lock(&host->lock);
	vm = dmh_nl_vm_lookup(host, info, name);
	if (!vm) {
		ret = -ENOENT;
		goto out_unlock;
	}
	if (dmh_vm_policy_merge(&vm->policy, &req, &policy, &err)) {
		ret = dmh_nl_settings_error(info, &err);
		goto out_unlock;
	}
	ret = dmh_nl_cid_check(host, vm, info);
	if (ret)
		goto out_unlock;
	/* Last of the checks: attaching is the one change that can fail. */
	ret = dmh_nl_attach(vm, info);
	if (ret)
		goto out_unlock;
	if (info->attrs[DYNMEM_VM_A_CID])
		dmh_vm_set_cid(vm, nla_get_u32(info->attrs[DYNMEM_VM_A_CID]));
	dmh_vm_set_policy(vm, &policy);
	if (dmh_nl_want_notify(info))
		dmh_nl_notify(dmh_nl_vm_msg(vm, info, DYNMEM_CMD_VM_SET), info);
out_unlock:
	mutex_unlock(&host->lock);
	return ret;
}

static int dmh_nl_vm_del(struct sk_buff *skb, struct genl_info *info)
{
	struct dmh_host *host = dmh_nl_host;
	struct sk_buff *msg = NULL;
	struct dmh_vm *vm;
	const char *name;

	name = dmh_nl_name(info);
	if (!name)
		return -EINVAL;

	mutex_lock(&host->lock);
	vm = dmh_nl_vm_lookup(host, info, name);
	if (!vm) {
		mutex_unlock(&host->lock);
		return -ENOENT;
	}
	/* The event describes the record as it was. */
	if (dmh_nl_want_notify(info))
		msg = dmh_nl_vm_msg(vm, info, DYNMEM_CMD_VM_DEL);
	dmh_vm_remove(vm);
	if (msg)
		dmh_nl_notify(msg, info);
	mutex_unlock(&host->lock);

	return 0;
}

static int dmh_nl_vm_get(struct sk_buff *skb, struct genl_info *info)
{
	struct dmh_host *host = dmh_nl_host;
	struct sk_buff *msg;
	struct dmh_vm *vm;
	const char *name;

	name = dmh_nl_name(info);
	if (!name)
		return -EINVAL;

	mutex_lock(&host->lock);
	vm = dmh_nl_vm_lookup(host, info, name);
	msg = vm ? dmh_nl_vm_msg(vm, info, DYNMEM_CMD_VM_GET) : ERR_PTR(-ENOENT);
	mutex_unlock(&host->lock);

	if (IS_ERR(msg))
		return PTR_ERR(msg);
	return genlmsg_reply(msg, info);
}

/*
 * One part of a dump. Records are on the list in the order of their ids,
 * so a part resumes after the last id the previous part sent, whatever
 * was added or removed in between; the generation counter in cb->seq flags
 * such parts with NLM_F_DUMP_INTR.
 */
static int dmh_nl_vm_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct dmh_host *host = dmh_nl_host;
	/* cb->args[0]: id of the last VM record sent; 0 before the first. */
	u64 last = cb->args[0];
	struct dmh_vm *vm;
	void *hdr;

	/* In 6.1 only dumpit, not start, can report to the extended ACK. */
	if (info->attrs && info->attrs[DYNMEM_VM_A_NAME]) {
		NL_SET_ERR_MSG_ATTR(cb->extack, info->attrs[DYNMEM_VM_A_NAME],
				    "name: not allowed in a dump; leave out NLM_F_DUMP to get one VM");
		return -EINVAL;
	}

	mutex_lock(&host->lock);
	cb->seq = host->generation;
	list_for_each_entry(vm, &host->vms, host_node) {
		if (vm->id <= last)
			continue;

		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &dmh_genl_family,
				  NLM_F_MULTI, DYNMEM_CMD_VM_GET);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (dmh_nl_put_vm(skb, vm)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		last = vm->id;
	}
	mutex_unlock(&host->lock);

	cb->args[0] = last;
	return skb->len;
}

static int dmh_nl_host_get(struct sk_buff *skb, struct genl_info *info)
{
	struct dmh_host *host = dmh_nl_host;
	struct sk_buff *msg;

	mutex_lock(&host->lock);
	msg = dmh_nl_host_msg(host, info, DYNMEM_CMD_HOST_GET);
	mutex_unlock(&host->lock);

	if (IS_ERR(msg))
		return PTR_ERR(msg);
	return genlmsg_reply(msg, info);
}

static int dmh_nl_host_set(struct sk_buff *skb, struct genl_info *info)
{
	struct dmh_host_settings_req req = {};
	struct dmh_host *host = dmh_nl_host;
	struct dmh_host_settings settings;
	struct dmh_settings_error err;
	int ret = 0;

	if (info->attrs[DYNMEM_HOST_A_RESERVED]) {
		req.val.reserved =
			nla_get_u64(info->attrs[DYNMEM_HOST_A_RESERVED]);
		req.present |= BIT(DYNMEM_HOST_A_RESERVED);
	}
	if (info->attrs[DYNMEM_HOST_A_PERIOD_MS]) {
		req.val.period_ms =
			nla_get_u32(info->attrs[DYNMEM_HOST_A_PERIOD_MS]);
		req.present |= BIT(DYNMEM_HOST_A_PERIOD_MS);
	}

	mutex_lock(&host->lock);
	if (dmh_host_settings_merge(&host->settings, &req, &settings, &err)) {
		ret = dmh_nl_settings_error(info, &err);
		goto out_unlock;
	}
	dmh_host_set_settings(host, &settings);
	if (dmh_nl_want_notify(info))
		dmh_nl_notify(dmh_nl_host_msg(host, info, DYNMEM_CMD_HOST_SET),
			      info);
out_unlock:
	mutex_unlock(&host->lock);
	return ret;
}

static const struct genl_ops dmh_genl_ops[] = {
	{
		.cmd = DYNMEM_CMD_VM_NEW,
		.doit = dmh_nl_vm_new,
		.policy = dmh_nl_vm_policy,
		.maxattr = ARRAY_SIZE(dmh_nl_vm_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = DYNMEM_CMD_VM_SET,
		.doit = dmh_nl_vm_set,
		.policy = dmh_nl_vm_policy,
		.maxattr = ARRAY_SIZE(dmh_nl_vm_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = DYNMEM_CMD_VM_DEL,
		.doit = dmh_nl_vm_del,
		.policy = dmh_nl_vm_name_policy,
		.maxattr = ARRAY_SIZE(dmh_nl_vm_name_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = DYNMEM_CMD_VM_GET,
		.doit = dmh_nl_vm_get,
		.dumpit = dmh_nl_vm_dump,
		.policy = dmh_nl_vm_name_policy,
		.maxattr = ARRAY_SIZE(dmh_nl_vm_name_policy) - 1,
	},
	{
		/* No policy: the core rejects every attribute. */
		.cmd = DYNMEM_CMD_HOST_GET,
		.doit = dmh_nl_host_get,
	},
	{
		.cmd = DYNMEM_CMD_HOST_SET,
		.doit = dmh_nl_host_set,
		.policy = dmh_nl_host_policy,
		.maxattr = ARRAY_SIZE(dmh_nl_host_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group dmh_genl_mcgrps[] = {
	{ .name = DYNMEM_MCGRP_EVENTS },
};

static struct genl_family dmh_genl_family __ro_after_init = {
	.name = DYNMEM_GENL_NAME,
	.version = DYNMEM_GENL_VERSION,
	.module = THIS_MODULE,
	.netnsok = false,
	/* Commands serialise on the host's mutex, not on genl_mutex. */
	.parallel_ops = true,
	/*
	 * Every command is new: reserved header fields and unknown
	 * nlmsg_flags are rejected, and a command without a policy takes no
	 * attributes.
	 */
	.resv_start_op = DYNMEM_CMD_VM_NEW,
	.ops = dmh_genl_ops,
	.n_ops = ARRAY_SIZE(dmh_genl_ops),
	.mcgrps = dmh_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(dmh_genl_mcgrps),
};

/**
 * dmh_netlink_init() - register the "dynmem" generic netlink family
 * @host: the host the family serves; must stay until dmh_netlink_uninit()
 *
 * Context: process context, may sleep.
 * Return: 0 on success, a negative errno otherwise.
 */
int dmh_netlink_init(struct dmh_host *host)
{
	int ret;

	dmh_nl_host = host;
	ret = genl_register_family(&dmh_genl_family);
	if (ret)
		dmh_nl_host = NULL;
	return ret;
}

/**
 * dmh_netlink_uninit() - unregister the "dynmem" generic netlink family
 *
 * Returns once no command runs any more.
 *
 * Context: process context, may sleep.
 */
void dmh_netlink_uninit(void)
{
	genl_unregister_family(&dmh_genl_family);
	dmh_nl_host = NULL;
}
