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
/*
 * A <dist> of a directory SUSE's installers read: sles<N>/sled<N> up to
 * SLE 15 (no service pack), sles<N>.<M> from SLE 16, leap<X.Y>, micro<X.Y>,
 * caasp<X.Y>, tw, slowroll, and mkdud's opensuse-leap<X.Y>, sl-micro<X.Y>,
 * suse-microos<X.Y>, opensuse-tumbleweed, opensuse-slowroll.
 */
bool suse_dist_valid(const char *dist);
/*
 * The <dist> directory for a -r value (allocated), or NULL when it is none:
 * sles15.6 gives sles15, sles16 gives sles16.0; *ret_note (allocated, or
 * NULL) says so when the name changed.
 */
char *suse_dist_dir(const char *given, char **ret_note);
/* The length of the module extension linuxrc knows (.ko, .ko.xz, .ko.gz, .ko.zst) at the end of name, or 0. */
size_t suse_module_ext_len(const char *name);

/* linuxrc reads dud.config with a 1024-byte fgets: longer lines are split. */
#define SUSE_CONFIG_LINE_MAX 1023

int suse_check(const char *root, const struct dud_check_opts *o, struct dud_report *rep);
bool suse_detect(const char *root);
