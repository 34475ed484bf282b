/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

/* A NULL-terminated vector of owned strings; `v` is NULL only when empty. */
struct strv {
	char **v;
	size_t n;
	size_t alloc;
};

#define STRV_INIT { NULL, 0, 0 }

void strv_push(struct strv *sv, const char *s);
void strv_push_take(struct strv *sv, char *s);
void strv_pushf(struct strv *sv, const char *fmt, ...) _printf_(2, 3);
void strv_release(struct strv *sv);
bool strv_contains(const struct strv *sv, const char *s);
void strv_sort(struct strv *sv);
/* Split on any of `seps`, skipping empty fields (like bash word splitting). */
void strv_split(struct strv *sv, const char *s, const char *seps);
char *strv_join(const struct strv *sv, const char *sep);

static inline const char *strv_get(const struct strv *sv, size_t i)
{
	return i < sv->n ? sv->v[i] : NULL;
}

static inline void strv_releasep(struct strv *sv)
{
	strv_release(sv);
}
#define _cleanup_strv_ _cleanup_(strv_releasep)
