/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough of the kernel's headers for the wire codec (host/codec.c) to
 * build unchanged as a userspace program. The files under linux/ and asm/
 * next to this one pull it in where the kernel headers would be.
 */
#ifndef _DMP_COMPAT_H
#define _DMP_COMPAT_H

#include <assert.h>
#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint64_t u64;
typedef uint32_t u32;
typedef uint16_t u16;
typedef uint8_t u8;
typedef int64_t s64;
typedef int32_t s32;

#define BIT(nr)		(1UL << (nr))
#define BIT_ULL(nr)	(1ULL << (nr))

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* __le16 and friends are plain integers outside sparse. */
#define cpu_to_le16(x)	((__le16)htole16(x))
#define cpu_to_le32(x)	((__le32)htole32(x))
#define cpu_to_le64(x)	((__le64)htole64(x))
#define le16_to_cpu(x)	((u16)le16toh(x))
#define le32_to_cpu(x)	((u32)le32toh(x))
#define le64_to_cpu(x)	((u64)le64toh(x))

#endif /* _DMP_COMPAT_H */
