/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "formats/format.h"

/* What tells the two legacy Red Hat layouts apart (formats/redhat-legacy.c). */
struct legacy_layout {
	const char *format; /* -d name */
	const char *marker; /* rhdd-6.1 or rhdd */
	bool arch_dirs;     /* modules.cgz members <kernel>/<arch>/<module>.ko, else <kernel>/<module>.ko */
};

extern const struct legacy_layout legacy_version0; /* redhat1: rhdd-6.1 */
extern const struct legacy_layout legacy_version1; /* redhat2: rhdd */

/*
 * The checks of the RHEL 4 and RHEL 5 loaders together (and kudzu's, whose
 * tables they read) on an unpacked legacy disk (formats/redhat-legacy-check.c).
 */
int legacy_check(const struct legacy_layout *l, const char *root, const struct dud_check_opts *o,
		 struct dud_report *rep);

bool legacy_has_suffix(const char *s, const char *suffix);
