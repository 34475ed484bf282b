/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "context.h"
#include "journal.h"
#include "kernel.h"
#include "util/strv.h"

/*
 * Each change of what is installed on a kernel, with the kernel's initrd
 * kept in line, as one journalled transaction (journal.h): install,
 * uninstall, remove, autoinstall (kernel_postinst) and match. Before the
 * first change the record holds the operation, m, v, kernel, arch, what
 * was installed on the kernel before, the image with its length and
 * SHA-256 and the initrd mode; then the tree is changed (dkms-core), the
 * generator configuration of the packages that changed is written
 * (modules-conf.h) and the image updated (remake.h) when a package says
 * REMAKE_INITRD=yes or has a MODULES_CONF_ALIAS_TYPE, or one of its modules
 * is in the image; then the record is removed. An install rebuilds, in the
 * same transaction, the packages built against another version of what it
 * installed (BUILD_DEPENDS_REBUILD): each is added to the record (rebuild=,
 * with what it had on k) before it changes, and its modules count as
 * changed like those of the package named.
 *
 * When the initrd cannot be updated: after an install, the packages just
 * installed are uninstalled again (as dkms 2.x did; a version they replaced
 * is put back) and the exit status is 6; after an uninstall, the package is
 * installed again (module and image agree, it stays installed) and the
 * exit status is 6. The image and the configuration are as before.
 *
 * Recovery (initrd_txn_recover) finds the records a crash left and, for each,
 * newest first:
 *   install, autoinstall, match  roll forward when the build is there: the
 *       install is completed (a module copy placed without the kernel link
 *       is taken over), a dependent whose rebuild was under way is built
 *       and installed again, and the image updated; when that fails, back
 *       to built.
 *   uninstall, remove  roll forward: the modules go, the image is updated;
 *       when the image cannot be, the package is installed again.
 *   ldtarball  roll back: what it had loaded (dirs it made) is removed, so
 *       a rerun loads it whole.
 * It prints one line per record on stderr ("dkms: recovered an interrupted
 * <op> of <m/v> for kernel <k> (<arch>): <what it did>."), with the first
 * error when it could not finish; such a record stays for the next run.
 *
 * Initrds are handled for the system's module tree (/lib/modules), or for
 * any tree once a boot directory is given (--bootdir, bootdir=); generator
 * configuration is written for the system's tree, or under
 * initrd_sysconfdir= when that is set. A private --installtree alone leaves
 * both alone, and so does --initrd-mode none.
 */

/* Each returns 0 or a dkms exit status, as the dkms-core call it wraps. */
int initrd_txn_install(const struct dkms_ctx *ctx, const char *m, const char *v, const struct dkms_kernel *k);
int initrd_txn_uninstall(const struct dkms_ctx *ctx, const char *m, const char *v, const struct dkms_kernel *k);
int initrd_txn_remove(const struct dkms_ctx *ctx, const char *m, const char *v, struct dkms_kernel *kernels,
		      size_t n_kernels);
int initrd_txn_autoinstall(const struct dkms_ctx *ctx, const struct dkms_kernel *k, int *ret_installed);

/* For a caller that makes several changes on k in one transaction (match). */
struct initrd_pkg;
struct initrd_txn {
	const char *op;
	bool enabled;              /* the initrd is kept in line */
	bool force;                /* --force on one package: a reinstall is a change */
	const struct dkms_kernel *k;
	char *module;              /* the package, or NULL for all */
	char *version;
	struct strv before;        /* "m/v" installed on k before the change */
	struct strv rebuilt;       /* "m/v" rebuilt for their BUILD_DEPENDS: changed at the same version */
	struct initrd_pkg *pkgs;   /* what they put on k, read before it goes */
	size_t n_pkgs;
	bool syncing;              /* the initrd step has begun: pkgs stays as it is */
	struct journal j;
};

/* 0, or a dkms exit status after saying why (an invalid --initrd-mode, no journal). */
int initrd_txn_begin(const struct dkms_ctx *ctx, const char *op, const struct dkms_kernel *k,
		     const char *module, const char *version, struct initrd_txn *t);
/*
 * dkms_maybe_install of m/v on t->k and, when it installed, the rebuild of
 * the packages built against another version of what is now installed
 * (BUILD_DEPENDS_REBUILD), each recorded in t before it changes. 0, or the
 * first failing status (as dkms 3.4.3: a failed rebuild fails the install).
 */
int initrd_txn_run_install(const struct dkms_ctx *ctx, struct initrd_txn *t, const char *m, const char *v);
/* r: the tree change's result. Returns r when not 0, else 0 or 6 as above. */
int initrd_txn_commit(const struct dkms_ctx *ctx, struct initrd_txn *t, int r);
void initrd_txn_release(struct initrd_txn *t);

/* Finish or roll back what crashed runs left; hold the tree's lock. Returns
 * how many records are left (that could not be finished). */
int initrd_txn_recover(const struct dkms_ctx *ctx);

/*
 * "<kernel>/<arch>/<module>" (module empty: every package on it) for every
 * pending record, "*" for one that does not read: what a reader without
 * write access must not show as installed.
 */
void initrd_txn_pending(const struct dkms_ctx *ctx, struct strv *ret);
