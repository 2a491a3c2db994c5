/* SPDX-License-Identifier: GPL-2.0 */
#include "../dmp_compat.h"
