/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by transaction.c, txn-packages.c and recovery.c; not an interface. */

#include <stdio.h>

#include "initrd/modules-conf.h"
#include "initrd/remake.h"
#include "initrd/transaction.h"

/* What one installed package puts on a kernel, as the initrd sees it. */
struct initrd_pkg {
	char *module, *version;
	bool remake; /* REMAKE_INITRD=yes (any value starting with y or Y, as dkms 2.x) */
	struct remake_module *mods;
	size_t n_mods;
	struct modules_conf mc; /* kernels filled in at commit */
};

void txn_pkg_release(struct initrd_pkg *p);
/* Read m/v's dkms.conf for k and where its modules are on k (quietly). 0 or -errno. */
int txn_pkg_read(const struct dkms_ctx *ctx, const char *m, const char *v, const struct dkms_kernel *k,
		 struct initrd_pkg *ret);
/* Kernels any version of m is installed on (the generator configuration covers them). */
void txn_installed_kernels(const struct dkms_ctx *ctx, const char *m, struct strv *ret);

/* The same context with its messages held back: only the reason of a failure is kept. */
struct quiet {
	struct dkms_ctx ctx;
	char *error; /* the first "Error! ..." line said */
};

/* The first "Error! ..." line of what q was told so far, or NULL (allocated). */
char *txn_quiet_error(struct quiet *q);

const struct dkms_ctx *txn_quiet_ctx(const struct dkms_ctx *ctx, struct quiet *q);
void txn_quiet_done(struct quiet *q);
/* dkms_install of m/v on t->k, then the rebuild of its dependents (recorded in t), all quietly. */
int txn_install_quietly(const struct dkms_ctx *ctx, struct initrd_txn *t, const char *m, const char *v);

/* The package read at begin (or when its rebuild began) as "m/v", or NULL. */
const struct initrd_pkg *txn_captured(const struct initrd_txn *t, const char *mv);
/*
 * check_and_rebuild_dependent_modules inside t: each package
 * dkms_stale_dependents names is recorded in t (rebuild=, with what it has
 * on k), then rebuilt. 0, or the status of the first rebuild that failed.
 */
int txn_rebuild_dependents(const struct dkms_ctx *ctx, struct initrd_txn *t);
/* Recovery: install again each dependent t was rebuilding (built first when its build is gone), then the rest. */
void txn_finish_rebuilds(const struct dkms_ctx *ctx, struct initrd_txn *t);

/* begin's first half: op, k, module, version, whether the initrd is kept in line. */
int txn_setup(const struct dkms_ctx *ctx, const char *op, const struct dkms_kernel *k, const char *module,
	      const char *version, struct initrd_txn *t);
/* Read the packages of t->before (of t->module) that may go away. */
void txn_capture(const struct dkms_ctx *ctx, struct initrd_txn *t);
void txn_list_installed(const struct dkms_ctx *ctx, const struct dkms_kernel *k, const char *module,
			struct strv *ret);
/* m/v's own module bytes at their destination on k, without the kernel link. */
bool txn_has_stray_copy(const struct dkms_ctx *ctx, const char *m, const char *v, const struct dkms_kernel *k);
/* dkms_remove_with's uninstall: initrd_txn_uninstall. */
int txn_uninstall_cb(const struct dkms_ctx *ctx, const char *m, const char *v, const struct dkms_kernel *k,
		     void *userdata);
/* Put the relpaths recorded at begin (module_file=) on the packages read again. */
void txn_use_recorded_files(struct initrd_txn *t);
