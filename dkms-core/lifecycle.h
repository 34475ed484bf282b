/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "context.h"
#include "exitcode.h"
#include "kernel.h"

/*
 * The module lifecycle: add → build → install and back. Each returns 0, a
 * dkms exit status (enum dkms_exit) after printing why, or a negative errno.
 * Messages follow dkms 3.4.3 byte for byte.
 */

/* add_module: register <source_tree>/m-v (dkms.conf checked strictly). */
int dkms_add(const struct dkms_ctx *ctx, const char *m, const char *v, const struct dkms_kernel *k);
/*
 * add_source_tree: copy a directory holding dkms.conf to <source_tree>/m-v
 * (unless it already is there) and return the package's name and version.
 */
int dkms_add_source_tree(const struct dkms_ctx *ctx, const char *dir, const struct dkms_kernel *k,
			 char **ret_m, char **ret_v);

/*
 * prepare_kernel_and_signing: the headers must be there (else 21), and the
 * signing decision is made and reported once per kernel per run.
 */
int dkms_prepare_kernel(const struct dkms_ctx *ctx, const struct dkms_kernel *k);

/* do_build (adds first when needed); maybe_build skips what is built. */
int dkms_build(const struct dkms_ctx *ctx, const char *m, const char *v, const struct dkms_kernel *k);
int dkms_maybe_build(const struct dkms_ctx *ctx, const char *m, const char *v,
		     const struct dkms_kernel *k);

/* A forced rebuild killed half-way left the previous build aside: put it back. */
void dkms_recover_previous_build(const struct dkms_ctx *ctx, const char *m, const char *v,
				 const struct dkms_kernel *k);

/*
 * do_install (builds first when needed) of m/v on k alone; maybe_install
 * skips what is installed. The dependents' rebuild dkms does after an
 * install is the caller's (autoinstall.h: dkms_stale_dependents).
 */
int dkms_install(const struct dkms_ctx *ctx, const char *m, const char *v, const struct dkms_kernel *k);
int dkms_maybe_install(const struct dkms_ctx *ctx, const char *m, const char *v,
		       const struct dkms_kernel *k);

/* do_uninstall, maybe_uninstall, do_unbuild, maybe_unbuild. */
int dkms_uninstall(const struct dkms_ctx *ctx, const char *m, const char *v, const struct dkms_kernel *k);
int dkms_maybe_uninstall(const struct dkms_ctx *ctx, const char *m, const char *v,
			 const struct dkms_kernel *k);
int dkms_unbuild(const struct dkms_ctx *ctx, const char *m, const char *v, const char *k, const char *a);
int dkms_maybe_unbuild(const struct dkms_ctx *ctx, const char *m, const char *v,
		       const struct dkms_kernel *k);
/* remove_module for the listed kernels; drops m/v when nothing is left. */
int dkms_remove(const struct dkms_ctx *ctx, const char *m, const char *v,
		struct dkms_kernel *kernels, size_t n_kernels);
/* The same, with each kernel's uninstall done by uninstall (a transaction: initrd/transaction.h). */
typedef int (*dkms_uninstall_fn)(const struct dkms_ctx *ctx, const char *m, const char *v,
				 const struct dkms_kernel *k, void *userdata);
int dkms_remove_with(const struct dkms_ctx *ctx, const char *m, const char *v,
		     struct dkms_kernel *kernels, size_t n_kernels, dkms_uninstall_fn uninstall,
		     void *userdata);

/* do_depmod, with the "Running depmod" step line. */
int dkms_depmod(const struct dkms_ctx *ctx, const char *kernelver);

/* run_build_script: a PRE_/POST_ hook; log for build-dir hooks. */
int dkms_run_hook(const struct dkms_ctx *ctx, const char *m, const char *v, const char *type,
		  const char *script, const char *log);

/* read_conf(_strict)_or_die: print dkms's message and give its exit status. */
struct dkms_conf;
int dkms_read_conf_or_die(const struct dkms_ctx *ctx, const char *m, const char *v,
			  const struct dkms_kernel *k, const char *path, bool strict,
			  struct dkms_conf *conf);
