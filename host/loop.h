/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The closed loop: demand in, arbiter, targets out.
 */

#ifndef _DMH_LOOP_H
#define _DMH_LOOP_H

struct dmh_host;

int dmh_loop_init(struct dmh_host *host);
void dmh_loop_uninit(void);
void dmh_loop_pass(struct dmh_host *host);

#endif /* _DMH_LOOP_H */
