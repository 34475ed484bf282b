/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "cmd.h"
#include "util/strv.h"

/*
 * Keeping a kernel's initrd in line with what install, uninstall, remove
 * and autoinstall change on it. Around each such change:
 *
 *   struct initrd_watch w;
 *   r = cmd_initrd_watch(c, k, c->module, &w);   before: which packages are on k
 *   ... install or uninstall on k ...
 *   r = cmd_initrd_sync(c, &w, r);               after: update the initrd
 *   cmd_initrd_watch_release(&w);
 *
 * The sync writes the generator configuration of the packages that changed
 * (modules-conf.h) and updates k's image (remake.h) when a package says
 * REMAKE_INITRD=yes or has a MODULES_CONF_ALIAS_TYPE, or one of its modules
 * is in the image. When that fails after an install, the packages just
 * installed are uninstalled again (as dkms 2.x did) and the exit status is
 * 6; the image and the configuration are as before.
 *
 * Initrds are handled for the system's module tree (/lib/modules), or for
 * any tree once a boot directory is given (--bootdir, bootdir=); generator
 * configuration is written for the system's tree, or under
 * initrd_sysconfdir= when that is set. A private --installtree alone leaves
 * both alone, and so does --initrd-mode none.
 */
struct initrd_pkg;

struct initrd_watch {
	bool enabled;
	const struct dkms_kernel *k;
	char *module;              /* the package watched, or NULL for all */
	struct strv before;        /* "m/v" installed on k before the change */
	struct initrd_pkg *pkgs;   /* what they put on k, read before it goes */
	size_t n_pkgs;
};

/* 0, or a dkms exit status after saying why (an invalid --initrd-mode). */
int cmd_initrd_watch(struct cmd *c, const struct dkms_kernel *k, const char *module,
		     struct initrd_watch *w);
/* Returns r when r is not 0 (the change failed: nothing more is done than for
 * what did change), else 0 or 6 as above. */
int cmd_initrd_sync(struct cmd *c, struct initrd_watch *w, int r);
void cmd_initrd_watch_release(struct initrd_watch *w);
