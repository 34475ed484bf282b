/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdio.h>

/*
 * JSON string literal of s on f: quoted, with '"', '\\' and control
 * characters escaped and bytes that are not UTF-8 written as U+FFFD, so the
 * output stays valid JSON whatever a module or directory is called. NULL
 * writes null.
 */
void json_put_string(FILE *f, const char *s);
