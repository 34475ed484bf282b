/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "context.h"
#include "kernel.h"
#include "util/strv.h"

/* How autoinstall installs one package (dkms_maybe_install, or that with more around it). */
typedef int (*dkms_install_fn)(const struct dkms_ctx *ctx, const char *m, const char *v,
			       const struct dkms_kernel *k, void *userdata);

/*
 * autoinstall for one kernel: the newest version (VER order) of every
 * AUTOINSTALL module, in BUILD_DEPENDS rounds, each installed by install
 * (NULL: dkms_maybe_install). Exit 77 from an install counts as skipped;
 * other failures give 11. A dependency dkms does not know defers the module
 * (exit 0). ret_installed counts what was installed.
 */
int dkms_autoinstall(const struct dkms_ctx *ctx, const struct dkms_kernel *k, dkms_install_fn install,
		     void *userdata, int *ret_installed);

/*
 * check_and_rebuild_dependent_modules, in two halves for whoever runs an
 * install (the core's install installs one package and nothing else):
 * stale_dependents lists ("m/v", status order) the packages built on k with
 * BUILD_DEPENDS_REBUILD whose BUILD_DEPENDS is now installed on k at another
 * version than they were built against; none under --force.
 * rebuild_dependent rebuilds one as dkms does ("Rebuilding module m/v due to
 * updated dependencies", uninstall, unbuild, build, install) and returns the
 * status of its build or install.
 */
void dkms_stale_dependents(const struct dkms_ctx *ctx, const struct dkms_kernel *k, struct strv *ret);
int dkms_rebuild_dependent(const struct dkms_ctx *ctx, const char *m, const char *v, const struct dkms_kernel *k);

/* kernel_preinst (AUTOINSTALL modules only) and kernel_prerm: unbuild for k, one depmod. */
int dkms_kernel_unbuild_all(const struct dkms_ctx *ctx, const struct dkms_kernel *k,
			    const char *action, bool autoinstall_only);
