/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Debug knobs in debugfs.
 */

#ifndef _DMH_DEBUGFS_H
#define _DMH_DEBUGFS_H

struct dmh_host;

void dmh_debugfs_init(struct dmh_host *host);
void dmh_debugfs_uninit(void);

#endif /* _DMH_DEBUGFS_H */
