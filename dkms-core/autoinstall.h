/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "context.h"
#include "kernel.h"

/*
 * autoinstall for one kernel: the newest version (VER order) of every
 * AUTOINSTALL module, in BUILD_DEPENDS rounds. Exit 77 from an install
 * counts as skipped; other failures give 11. A dependency dkms does not know
 * defers the module (exit 0). ret_installed counts what was installed.
 */
int dkms_autoinstall(const struct dkms_ctx *ctx, const struct dkms_kernel *k, int *ret_installed);

/* kernel_preinst (AUTOINSTALL modules only) and kernel_prerm: unbuild for k, one depmod. */
int dkms_kernel_unbuild_all(const struct dkms_ctx *ctx, const struct dkms_kernel *k,
			    const char *action, bool autoinstall_only);
