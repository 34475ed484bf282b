/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(fn) __attribute__((cleanup(fn)))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _unused_ __attribute__((unused))
#define _must_check_ __attribute__((warn_unused_result))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
#define _cleanup_close_ _cleanup_(closep)

/* Generate fnp() for _cleanup_(fnp) around a destructor taking a pointer. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, fn) \
	static inline void fn##p(type *p)     \
	{                                     \
		if (*p)                       \
			fn(*p);               \
	}

/* Move ownership out of a cleanup-scoped variable. */
#define TAKE_PTR(p)                         \
	({                                  \
		__typeof__(p) _tp_ = (p);   \
		(p) = NULL;                 \
		_tp_;                       \
	})

#define streq(a, b) (strcmp((a), (b)) == 0)
#define strempty(s) (!(s) || !*(s))
