/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdio.h>

#include "context.h"

enum status_state {
	STATUS_BROKEN,
	STATUS_ADDED,
	STATUS_BUILT,
	STATUS_INSTALLED,
};

enum status_flags {
	STATUS_ORIGINALS_EXIST = 1 << 0, /* (Original modules exist) */
	STATUS_BUILT_MISSING = 1 << 1,   /* (Built modules are missing in the kernel modules folder) */
	STATUS_DIFFERENT = 1 << 2,       /* (Differences between built and installed modules) */
	STATUS_HEAD = 1 << 3,            /* only the line's start; a second call brings the suffixes */
};

enum status_walk_flags {
	STATUS_WALK_SUFFIXES = 1 << 0, /* compute the suffix flags (reads dkms.conf) */
	/*
	 * Call back once more before reading a line's dkms.conf, with STATUS_HEAD:
	 * dkms prints "m/v, k, a: state" before any message that read gives.
	 */
	STATUS_WALK_HEADS = 1 << 1,
};

struct status_entry {
	const char *module;
	const char *version;
	const char *kernel; /* NULL for added/broken */
	const char *arch;
	enum status_state state;
	unsigned flags;
};

/* Called for each entry in dkms's order; return <0 to stop. */
typedef int (*status_fn)(const struct status_entry *e, void *userdata);

/*
 * Walk every m/v (filtered by any non-NULL argument) as dkms's module_status
 * does. With `extra`, compute the suffix flags from each built entry's
 * dkms.conf (otherwise flags stay 0; added and broken entries never read
 * it). The confs of one m/v are evaluated together, in at most one bash
 * child, and each kernel's module suffix is found once per walk: no child
 * process per line.
 */
int status_walk(const struct dkms_ctx *ctx, const char *m, const char *v, const char *k,
		const char *a, unsigned walk_flags, status_fn fn, void *userdata);

/* One line exactly as `dkms status` prints it (no newline), allocated. */
char *status_format(const struct status_entry *e);
/* The suffixes alone (" (Original modules exist)" …), allocated; may be "". */
char *status_format_suffix(const struct status_entry *e);
const char *status_state_name(enum status_state s);

/* The installed copy of a module record: find_actual_dest_module_location. */
struct dkms_conf;
char *status_installed_location(const struct dkms_ctx *ctx, const char *m,
				const struct dkms_conf *conf, size_t i, const char *k,
				const char *a, const char *suffix);
