/* SPDX-License-Identifier: GPL-2.0 */
#include "../dmh_compat.h"
