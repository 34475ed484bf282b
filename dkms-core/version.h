/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

/*
 * dkms's VER(): split a version into digit and non-digit runs, pad numbers
 * to three digits, drop separators, compare as strings. Returns <0, 0, >0.
 */
int ver_compare(const char *a, const char *b);
/* The padded key itself (allocated), as VER() prints it. */
char *ver_key(const char *v);

/* bash `[[ s =~ re ]]`: POSIX extended regex, unanchored. Bad regex: false. */
bool regex_match(const char *re, const char *s);
