// SPDX-License-Identifier: GPL-2.0
/*
 * The device a user sees: /dev/dynmem, a misc device, and its sysfs
 * directory /sys/devices/virtual/misc/dynmem/ (also reached as
 * /sys/class/misc/dynmem/). It exists exactly while the driver works; its
 * attributes, all read-only, show the driver's figures:
 *
 *   description          "Virtual Dynamic Memory"
 *   state                connecting, handshake, connected, backoff,
 *                        refused or stopping
 *   host_connected       1 when connected to the host, else 0
 *   protocol             version the host speaks, "MAJOR.MINOR", or
 *                        "none" before a WELCOME
 *   capabilities         capabilities negotiated, hexadecimal
 *   report_period_ms     report period the host set
 *   report_threshold_bytes  available memory whose crossing is reported
 *                        at once, 0 for none
 *   reports              STATUS messages sent since load
 *   connects             connections the host accepted since load
 *   driver_locked_bytes  memory the balloon holds for the host
 *   unacked_bytes        of that, memory in balloon replies the host has
 *                        not acknowledged yet (protocol 1.1)
 *   deflated_bytes       balloon memory taken back under memory pressure
 *                        since load
 *   hot_added_bytes      memory hot-added since load
 *
 * The device node itself offers no operations.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sysfs.h>

#include "dmg.h"

static struct dmg *dmg_from_dev(struct device *dev)
{
	struct miscdevice *misc = dev_get_drvdata(dev);

	return container_of(misc, struct dmg, misc);
}

static ssize_t description_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "Virtual Dynamic Memory\n");
}
static DEVICE_ATTR_RO(description);

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct dmg *dmg = dmg_from_dev(dev);
	enum dmg_state state;

	mutex_lock(&dmg->lock);
	state = dmg->state;
	mutex_unlock(&dmg->lock);
	return sysfs_emit(buf, "%s\n", dmg_state_name(state));
}
static DEVICE_ATTR_RO(state);

static ssize_t host_connected_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct dmg *dmg = dmg_from_dev(dev);
	bool connected;

	mutex_lock(&dmg->lock);
	connected = dmg->state == DMG_STATE_CONNECTED;
	mutex_unlock(&dmg->lock);
	return sysfs_emit(buf, "%d\n", connected);
}
static DEVICE_ATTR_RO(host_connected);

static ssize_t protocol_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct dmg *dmg = dmg_from_dev(dev);
	u8 major, minor;

	mutex_lock(&dmg->lock);
	major = dmg->host_major;
	minor = dmg->host_minor;
	mutex_unlock(&dmg->lock);
	if (!major)
		return sysfs_emit(buf, "none\n");
	return sysfs_emit(buf, "%u.%u\n", major, minor);
}
static DEVICE_ATTR_RO(protocol);

static ssize_t capabilities_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct dmg *dmg = dmg_from_dev(dev);
	u64 caps;

	mutex_lock(&dmg->lock);
	caps = dmg->caps;
	mutex_unlock(&dmg->lock);
	return sysfs_emit(buf, "%#llx\n", caps);
}
static DEVICE_ATTR_RO(capabilities);

static ssize_t report_period_ms_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	struct dmg *dmg = dmg_from_dev(dev);
	u32 ms;

	mutex_lock(&dmg->lock);
	ms = dmg->period_ms;
	mutex_unlock(&dmg->lock);
	return sysfs_emit(buf, "%u\n", ms);
}
static DEVICE_ATTR_RO(report_period_ms);

static ssize_t report_threshold_bytes_show(struct device *dev,
					   struct device_attribute *attr,
					   char *buf)
{
	struct dmg *dmg = dmg_from_dev(dev);
	u64 threshold;

	mutex_lock(&dmg->lock);
	threshold = dmg->threshold;
	mutex_unlock(&dmg->lock);
	return sysfs_emit(buf, "%llu\n", threshold);
}
static DEVICE_ATTR_RO(report_threshold_bytes);

static ssize_t reports_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&dmg_from_dev(dev)->reports));
}
static DEVICE_ATTR_RO(reports);

static ssize_t connects_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&dmg_from_dev(dev)->connects));
}
static DEVICE_ATTR_RO(connects);

static ssize_t driver_locked_bytes_show(struct device *dev,
					struct device_attribute *attr,
					char *buf)
{
	return sysfs_emit(buf, "%llu\n", dmg_balloon_bytes(dmg_from_dev(dev)));
}
static DEVICE_ATTR_RO(driver_locked_bytes);

static ssize_t unacked_bytes_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  dmg_balloon_unacked_bytes(dmg_from_dev(dev)));
}
static DEVICE_ATTR_RO(unacked_bytes);

static ssize_t deflated_bytes_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct dmg_balloon *b = &dmg_from_dev(dev)->balloon;
	u64 bytes;

	spin_lock(&b->lock);
	bytes = b->deflated_total;
	spin_unlock(&b->lock);
	return sysfs_emit(buf, "%llu\n", bytes);
}
static DEVICE_ATTR_RO(deflated_bytes);

static ssize_t hot_added_bytes_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&dmg_from_dev(dev)->hot_added));
}
static DEVICE_ATTR_RO(hot_added_bytes);

static struct attribute *dmg_attrs[] = {
	&dev_attr_description.attr,
	&dev_attr_state.attr,
	&dev_attr_host_connected.attr,
	&dev_attr_protocol.attr,
	&dev_attr_capabilities.attr,
	&dev_attr_report_period_ms.attr,
	&dev_attr_report_threshold_bytes.attr,
	&dev_attr_reports.attr,
	&dev_attr_connects.attr,
	&dev_attr_driver_locked_bytes.attr,
	&dev_attr_unacked_bytes.attr,
	&dev_attr_deflated_bytes.attr,
	&dev_attr_hot_added_bytes.attr,
	NULL
};
ATTRIBUTE_GROUPS(dmg);

static const struct file_operations dmg_fops = {
	.owner = THIS_MODULE,
	.llseek = noop_llseek,
};

/**
 * dmg_device_init() - create /dev/dynmem and its sysfs directory
 * @dmg: the driver, with its lock and balloon set up
 *
 * Context: process, may sleep.
 * Return: 0 or -errno.
 */
int dmg_device_init(struct dmg *dmg)
{
	dmg->misc.minor = MISC_DYNAMIC_MINOR;
	dmg->misc.name = "dynmem";
	dmg->misc.fops = &dmg_fops;
	dmg->misc.groups = dmg_groups;
	return misc_register(&dmg->misc);
}

/**
 * dmg_device_uninit() - remove /dev/dynmem
 * @dmg: the driver
 *
 * Context: process, may sleep.
 */
void dmg_device_uninit(struct dmg *dmg)
{
	misc_deregister(&dmg->misc);
}
