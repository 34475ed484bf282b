/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdarg.h>
#include <stddef.h>

#include "macro.h"

/*
 * A growable string. Invariants: after strbuf_init() `buf` is never NULL and
 * always NUL-terminated; `len` excludes the NUL. Allocation failure aborts:
 * a tool that cannot allocate a path has nothing sensible left to do.
 */
struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};

#define STRBUF_INIT { .buf = strbuf_slopbuf, .len = 0, .alloc = 0 }
extern char strbuf_slopbuf[1];

void strbuf_init(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) _printf_(2, 3);
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
void strbuf_setlen(struct strbuf *sb, size_t len);
void strbuf_rtrim_newlines(struct strbuf *sb);
/* Hand the buffer to the caller (always heap memory) and reset sb. */
char *strbuf_detach(struct strbuf *sb);

static inline void strbuf_releasep(struct strbuf *sb)
{
	strbuf_release(sb);
}
#define _cleanup_strbuf_ _cleanup_(strbuf_releasep)

/* Allocation helpers that abort on OOM. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) _printf_(1, 2);
