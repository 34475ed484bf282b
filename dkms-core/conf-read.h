/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The parts of dkms_conf_read that its neighbours share: conf.c reads,
 * conf-batch.c evaluates ahead for many kernels, conf-exclusive.c applies
 * BUILD_EXCLUSIVE. Not for use outside dkms-core/conf*.c.
 */
#include "conf.h"

/* A chain evaluated ahead of its read (dkms_conf_batch). */
struct conf_batch_entry {
	struct strv files;
	struct conf_vars *states; /* files.n states, NULL when not evaluated */
	bool native;
};

void conf_batch_entry_release(struct conf_batch_entry *e);
void conf_states_release(struct conf_vars *states, size_t n);

/* <dkms_tree>/<m>/<v>/source/dkms.conf, or conf_path. Allocated. */
char *conf_main_path(const struct dkms_ctx *ctx, const char *m, const char *v,
		     const char *conf_path);
/* The files read_conf sources: the main one, then the /etc overrides that exist. */
void conf_chain(const struct dkms_ctx *ctx, const char *m, const char *v,
		const struct dkms_kernel *k, const char *main_path, struct strv *files);
struct conf_scope conf_scope_of(const struct dkms_ctx *ctx, const char *m, const char *v,
				const struct dkms_kernel *k);

/* dkms_conf_read, taking pre's evaluation (and emptying it) when it has one. */
int conf_read_evaluated(const struct dkms_ctx *ctx, const char *module, const char *module_version,
			const struct dkms_kernel *k, const char *conf_path, unsigned flags,
			struct conf_batch_entry *pre, struct dkms_conf *out);

/*
 * Set conf's BUILD_EXCLUSIVE fields from its variables (OBSOLETE_BY acting
 * as the KERNEL_MAX), mark each record excluded or not for k, and set
 * build_exclude when none is left and some rule exists.
 */
void conf_resolve_exclusive(const struct dkms_kernel *k, struct dkms_conf *conf);
