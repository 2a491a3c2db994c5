/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DYNMEMCTL_HOST_H
#define DYNMEMCTL_HOST_H

#include "dynmemctl.h"

int host_print_msg(struct nl_msg *msg, const char *event);

#endif /* DYNMEMCTL_HOST_H */
