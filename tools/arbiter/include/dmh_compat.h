/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough of the kernel's types, bits, build_bug, limits, math64,
 * minmax and sort for the arbiter (host/arbiter.c) to build unchanged as a
 * userspace program.
 * The files under linux/ next to this one pull it in where the kernel
 * headers would be.
 */
#ifndef _DMH_COMPAT_H
#define _DMH_COMPAT_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

typedef uint64_t u64;
typedef uint32_t u32;
typedef uint16_t u16;
typedef uint8_t u8;
typedef int64_t s64;
typedef int32_t s32;

#define BIT(nr)		(1UL << (nr))
#define BIT_ULL(nr)	(1ULL << (nr))

#define __always_unused __attribute__((__unused__))

#ifndef U64_MAX
#define U64_MAX ((u64)~0ULL)
#endif

static inline u64 div64_u64(u64 dividend, u64 divisor)
{
	return dividend / divisor;
}

static inline u64 div_u64(u64 dividend, u32 divisor)
{
	return dividend / divisor;
}

#define DIV64_U64_ROUND_UP(ll, d) \
	({ u64 _tmp = (d); div64_u64((ll) + _tmp - 1, _tmp); })

/* Type checking is the kernel build's job; these only evaluate once. */
#define min(x, y) ({ __typeof__(x) _x = (x); __typeof__(y) _y = (y); \
		     _x < _y ? _x : _y; })
#define max(x, y) ({ __typeof__(x) _x = (x); __typeof__(y) _y = (y); \
		     _x > _y ? _x : _y; })
#define min_t(type, x, y) ({ type _x = (x); type _y = (y); \
			     _x < _y ? _x : _y; })
#define max_t(type, x, y) ({ type _x = (x); type _y = (y); \
			     _x > _y ? _x : _y; })
#define swap(a, b)				\
	do {					\
		__typeof__(a) *_pa = &(a);	\
		__typeof__(b) *_pb = &(b);	\
		__typeof__(a) _t = *_pa;	\
		*_pa = *_pb;			\
		*_pb = _t;			\
	} while (0)

typedef int (*cmp_func_t)(const void *a, const void *b);
typedef void (*swap_func_t)(void *a, void *b, int size);

/*
 * The kernel's sort() is a heapsort; qsort() orders the same way for the
 * total orders the arbiter uses, so results are identical.
 */
static inline void sort(void *base, size_t num, size_t size,
			cmp_func_t cmp_func, swap_func_t swap_func)
{
	(void)swap_func;
	if (num > 1)
		qsort(base, num, size, cmp_func);
}

#endif /* _DMH_COMPAT_H */
