/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "formats/format.h"

/*
 * What the SUSE format's writer (suse.c) and checker (suse-check.c) share:
 * the names linuxrc and Agama look for. A driver update is a directory
 * [NN/]linux/suse/<arch>-<dist>/ holding dud.config, modules/ (for the
 * installer's kernel) and install/ (for the installed system).
 */

/* The <arch> of linux/suse/<arch>-<dist> for a uname -m (i?86 → i386), or NULL. */
const char *suse_arch_of(const char *machine);
/* sles<N>[.<M>], sled<N>[.<M>], leap<X.Y>, micro<X.Y>, caasp<X.Y>, tw, slowroll. */
bool suse_dist_valid(const char *dist);
/* The length of the module extension linuxrc knows (.ko, .ko.xz, .ko.gz, .ko.zst) at the end of name, or 0. */
size_t suse_module_ext_len(const char *name);

/* linuxrc reads dud.config with a 1024-byte fgets: longer lines are split. */
#define SUSE_CONFIG_LINE_MAX 1023

int suse_check(const char *root, const struct dud_check_opts *o, struct dud_report *rep);
bool suse_detect(const char *root);
