/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "context.h"
#include "util/strv.h"

/*
 * The DKMS tree (<dkms_tree>/<m>/<v>/…) and the states dkms reads off it.
 * The tree is the only record: nothing is cached, so dkms and this program
 * can share one tree.
 */

/* broken: the source link dangles, or there is no link but <source_tree>/m-v exists. */
bool tree_is_broken(const struct dkms_ctx *ctx, const char *m, const char *v);
/* added: <m>/<v>/source is a symlink to a directory. */
bool tree_is_added(const struct dkms_ctx *ctx, const char *m, const char *v);
/* built: <m>/<v>/<k>/<a>/module/ exists. */
bool tree_is_built(const struct dkms_ctx *ctx, const char *m, const char *v, const char *k,
		   const char *a);
/* The kernel-<k>-<a> link resolves to <m>/<v>/<k>/<a> (built is not checked). */
bool tree_link_is_active(const struct dkms_ctx *ctx, const char *m, const char *v,
			 const char *k, const char *a);
bool tree_is_installed(const struct dkms_ctx *ctx, const char *m, const char *v,
		       const char *k, const char *a);

/* "m/v" pairs (m or v may be NULL for all), in glob order, links excluded. */
void tree_list_module_versions(const struct dkms_ctx *ctx, const char *m, const char *v,
			       struct strv *ret);

/* One built or installed <k>/<a> of m/v. */
struct tree_build {
	char *kernel;
	char *arch;
	bool installed;
};

struct tree_builds {
	struct tree_build *b;
	size_t n;
};

/*
 * module_status_built: the <k>/<a> dirs of m/v (k, a NULL for all; kernel
 * dirs must look like "<digits>.<anything>") that hold a module/ dir.
 */
void tree_list_builds(const struct dkms_ctx *ctx, const char *m, const char *v, const char *k,
		      const char *a, struct tree_builds *ret);
void tree_builds_release(struct tree_builds *tb);

/* Paths, allocated. */
char *tree_mv_dir(const struct dkms_ctx *ctx, const char *m, const char *v);
char *tree_build_dir(const struct dkms_ctx *ctx, const char *m, const char *v, const char *k,
		     const char *a);
char *tree_kernel_link(const struct dkms_ctx *ctx, const char *m, const char *k, const char *a);

/*
 * compressed_or_uncompressed: <dir>/<name>.ko if it exists, else
 * <dir>/<name>.ko<suffix>, else NULL.
 */
char *tree_find_module_file(const char *dir, const char *name, const char *suffix);

/* strcoll order, as bash sorts glob results. */
int tree_name_cmp(const char *a, const char *b);
