// SPDX-License-Identifier: GPL-2.0
/*
 * Validation of VM policies and host settings.
 *
 * Every check returns -EINVAL with a static message of the form
 * "attribute: rule" and the attribute to blame, so that the netlink layer
 * can point the extended ACK at the offending attribute. When a rule ties
 * two values together (minimum <= startup <= maximum), the blame goes to
 * the value the request carries: a VM_SET that only lowers the maximum is
 * told "maximum: below startup", one that only raises the startup is told
 * "startup: above maximum".
 *
 * No netlink, KVM or mm calls here: this file builds into KUnit and into
 * userspace tools unchanged.
 */

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/errno.h>

#include "settings.h"

/* The messages below spell these limits out. */
static_assert(DYNMEM_NAME_MAX == 64);
static_assert(DYNMEM_SIZE_ALIGN == 4096);
static_assert(DYNMEM_SIZE_MAX == 1ULL << 50);
static_assert(DYNMEM_BUFFER_MIN == 5 && DYNMEM_BUFFER_MAX == 2000);
static_assert(DYNMEM_WEIGHT_MAX == 10000);
static_assert(DYNMEM_PERIOD_MIN_MS == 10 && DYNMEM_PERIOD_MAX_MS == 60000);

static int dmh_fail(struct dmh_settings_error *err, unsigned int attr,
		    const char *msg)
{
	err->msg = msg;
	err->attr = attr;
	return -EINVAL;
}

/**
 * dmh_vm_name_check() - check a VM name against the naming rules
 * @name: NUL-terminated name
 * @err: filled in on failure
 *
 * A name has 1 to DYNMEM_NAME_MAX - 1 characters, each printable ASCII
 * other than space (isgraph() in the C locale): names appear in command
 * lines, logs and file names, where spaces, control characters and
 * encodings only cause trouble.
 *
 * Context: any.
 * Return: 0 if @name is acceptable, -EINVAL otherwise.
 */
int dmh_vm_name_check(const char *name, struct dmh_settings_error *err)
{
	unsigned int i;

	if (!name[0])
		return dmh_fail(err, DYNMEM_VM_A_NAME, "name: empty");

	for (i = 0; name[i]; i++) {
		unsigned char c = name[i];

		if (i == DYNMEM_NAME_MAX - 1)
			return dmh_fail(err, DYNMEM_VM_A_NAME,
					"name: too long (at most 63 characters)");
		if (c <= ' ' || c >= 0x7f)
			return dmh_fail(err, DYNMEM_VM_A_NAME,
					"name: only printable ASCII characters without spaces allowed");
	}

	return 0;
}

struct dmh_size_rule {
	unsigned int attr;
	const char *zero;
	const char *unaligned;
	const char *too_big;
};

static const struct dmh_size_rule dmh_startup_rule = {
	.attr = DYNMEM_VM_A_STARTUP,
	.zero = "startup: must not be 0",
	.unaligned = "startup: not a multiple of 4 KiB",
	.too_big = "startup: above the largest size, 1 PiB",
};

static const struct dmh_size_rule dmh_minimum_rule = {
	.attr = DYNMEM_VM_A_MINIMUM,
	.zero = "minimum: must not be 0",
	.unaligned = "minimum: not a multiple of 4 KiB",
	.too_big = "minimum: above the largest size, 1 PiB",
};

static const struct dmh_size_rule dmh_maximum_rule = {
	.attr = DYNMEM_VM_A_MAXIMUM,
	.zero = "maximum: must not be 0",
	.unaligned = "maximum: not a multiple of 4 KiB",
	.too_big = "maximum: above the largest size, 1 PiB",
};

static int dmh_size_check(u64 size, const struct dmh_size_rule *rule,
			  struct dmh_settings_error *err)
{
	if (!size)
		return dmh_fail(err, rule->attr, rule->zero);
	if (size % DYNMEM_SIZE_ALIGN)
		return dmh_fail(err, rule->attr, rule->unaligned);
	if (size > DYNMEM_SIZE_MAX)
		return dmh_fail(err, rule->attr, rule->too_big);
	return 0;
}

/*
 * Check a complete policy. @present says which values the request gave,
 * to blame the right attribute when two values disagree.
 */
static int dmh_vm_policy_check(const struct dmh_vm_policy *p, u32 present,
			       struct dmh_settings_error *err)
{
	int ret;

	ret = dmh_size_check(p->startup, &dmh_startup_rule, err);
	if (ret)
		return ret;
	ret = dmh_size_check(p->minimum, &dmh_minimum_rule, err);
	if (ret)
		return ret;
	ret = dmh_size_check(p->maximum, &dmh_maximum_rule, err);
	if (ret)
		return ret;

	if (p->buffer < DYNMEM_BUFFER_MIN || p->buffer > DYNMEM_BUFFER_MAX)
		return dmh_fail(err, DYNMEM_VM_A_BUFFER,
				"buffer: must be 5 to 2000 percent");
	if (p->weight > DYNMEM_WEIGHT_MAX)
		return dmh_fail(err, DYNMEM_VM_A_WEIGHT,
				"weight: must be 0 to 10000");

	if (p->minimum > p->startup) {
		if (present & BIT(DYNMEM_VM_A_MINIMUM))
			return dmh_fail(err, DYNMEM_VM_A_MINIMUM,
					"minimum: above startup");
		return dmh_fail(err, DYNMEM_VM_A_STARTUP,
				"startup: below minimum");
	}
	if (p->startup > p->maximum) {
		if (present & BIT(DYNMEM_VM_A_MAXIMUM))
			return dmh_fail(err, DYNMEM_VM_A_MAXIMUM,
					"maximum: below startup");
		return dmh_fail(err, DYNMEM_VM_A_STARTUP,
				"startup: above maximum");
	}

	return 0;
}

static void dmh_vm_policy_apply(struct dmh_vm_policy *p,
				const struct dmh_vm_policy_req *req)
{
	if (req->present & BIT(DYNMEM_VM_A_STARTUP))
		p->startup = req->val.startup;
	if (req->present & BIT(DYNMEM_VM_A_MINIMUM))
		p->minimum = req->val.minimum;
	if (req->present & BIT(DYNMEM_VM_A_MAXIMUM))
		p->maximum = req->val.maximum;
	if (req->present & BIT(DYNMEM_VM_A_BUFFER))
		p->buffer = req->val.buffer;
	if (req->present & BIT(DYNMEM_VM_A_WEIGHT))
		p->weight = req->val.weight;
}

/**
 * dmh_vm_policy_new() - build the policy of a new VM record
 * @req: the attributes of the VM_NEW request
 * @out: the policy, written only on success
 * @err: filled in on failure
 *
 * STARTUP is required; MINIMUM and MAXIMUM default to STARTUP, BUFFER to
 * DYNMEM_BUFFER_DEFAULT and WEIGHT to DYNMEM_WEIGHT_DEFAULT.
 *
 * Context: any.
 * Return: 0 on success, -EINVAL if a rule is broken.
 */
int dmh_vm_policy_new(const struct dmh_vm_policy_req *req,
		      struct dmh_vm_policy *out,
		      struct dmh_settings_error *err)
{
	struct dmh_vm_policy p = {
		.buffer = DYNMEM_BUFFER_DEFAULT,
		.weight = DYNMEM_WEIGHT_DEFAULT,
	};
	int ret;

	if (!(req->present & BIT(DYNMEM_VM_A_STARTUP)))
		return dmh_fail(err, DYNMEM_VM_A_STARTUP, "startup: required");

	p.startup = req->val.startup;
	p.minimum = p.startup;
	p.maximum = p.startup;
	dmh_vm_policy_apply(&p, req);

	ret = dmh_vm_policy_check(&p, req->present, err);
	if (ret)
		return ret;

	*out = p;
	return 0;
}

/**
 * dmh_vm_policy_merge() - apply a VM_SET request to a policy
 * @cur: the current policy of the VM record
 * @req: the attributes of the VM_SET request
 * @out: the new policy, written only on success (may be @cur)
 * @err: filled in on failure
 *
 * Values the request does not carry keep their current value; the result
 * must satisfy every rule of a new record, or nothing changes.
 *
 * Context: any.
 * Return: 0 on success, -EINVAL if a rule is broken.
 */
int dmh_vm_policy_merge(const struct dmh_vm_policy *cur,
			const struct dmh_vm_policy_req *req,
			struct dmh_vm_policy *out,
			struct dmh_settings_error *err)
{
	struct dmh_vm_policy p = *cur;
	int ret;

	dmh_vm_policy_apply(&p, req);

	ret = dmh_vm_policy_check(&p, req->present, err);
	if (ret)
		return ret;

	*out = p;
	return 0;
}

/**
 * dmh_host_settings_default() - the host settings at module load
 * @out: written
 *
 * Context: any.
 */
void dmh_host_settings_default(struct dmh_host_settings *out)
{
	out->reserved = 0;
	out->period_ms = DYNMEM_PERIOD_DEFAULT_MS;
}

/**
 * dmh_host_settings_merge() - apply a HOST_SET request to the host settings
 * @cur: the current settings
 * @req: the attributes of the HOST_SET request
 * @out: the new settings, written only on success (may be @cur)
 * @err: filled in on failure; @err->attr is an enum dynmem_host_attr
 *
 * RESERVED is a multiple of DYNMEM_SIZE_ALIGN up to DYNMEM_SIZE_MAX (0 is
 * allowed); PERIOD_MS lies in DYNMEM_PERIOD_MIN_MS..DYNMEM_PERIOD_MAX_MS.
 *
 * Context: any.
 * Return: 0 on success, -EINVAL if a rule is broken.
 */
int dmh_host_settings_merge(const struct dmh_host_settings *cur,
			    const struct dmh_host_settings_req *req,
			    struct dmh_host_settings *out,
			    struct dmh_settings_error *err)
{
	struct dmh_host_settings s = *cur;

	if (req->present & BIT(DYNMEM_HOST_A_RESERVED))
		s.reserved = req->val.reserved;
	if (req->present & BIT(DYNMEM_HOST_A_PERIOD_MS))
		s.period_ms = req->val.period_ms;

	if (s.reserved % DYNMEM_SIZE_ALIGN)
		return dmh_fail(err, DYNMEM_HOST_A_RESERVED,
				"reserved: not a multiple of 4 KiB");
	if (s.reserved > DYNMEM_SIZE_MAX)
		return dmh_fail(err, DYNMEM_HOST_A_RESERVED,
				"reserved: above the largest size, 1 PiB");
	if (s.period_ms < DYNMEM_PERIOD_MIN_MS ||
	    s.period_ms > DYNMEM_PERIOD_MAX_MS)
		return dmh_fail(err, DYNMEM_HOST_A_PERIOD_MS,
				"period_ms: must be 10 to 60000");

	*out = s;
	return 0;
}
