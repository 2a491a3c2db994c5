/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "dynmem" generic netlink family.
 */

#ifndef _DMH_NETLINK_H
#define _DMH_NETLINK_H

struct dmh_host;
struct dmh_vm;

int dmh_netlink_init(struct dmh_host *host);
void dmh_netlink_uninit(void);
void dmh_netlink_vm_event(const struct dmh_vm *vm);

#endif /* _DMH_NETLINK_H */
