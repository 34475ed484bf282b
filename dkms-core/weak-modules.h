/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "context.h"
#include "kernel.h"

struct dkms_conf;

/*
 * kABI tracking as dkms 3.4.3 does it: on RHEL clones (os-release ID_LIKE
 * beginning with "rhel") /usr/sbin/weak-modules --no-initramfs
 * --add-modules / --remove-modules, on SUSE (sles*, suse*, opensuse*)
 * /usr/lib/module-init-tools/weak-modules2 --add-kernel-modules <kernel> /
 * --remove-kernel-modules <kernel>, the installed module paths one a line
 * on stdin. Elsewhere nothing runs. $DKMS_WEAK_MODULES (or weak_modules in
 * framework.conf) names another script of the same contract (tests).
 */
enum weak_modules_op {
	WEAK_MODULES_ADD,
	WEAK_MODULES_REMOVE,
};

/*
 * After an install (ADD) or before an uninstall deletes the modules
 * (REMOVE) of m on k: run the distribution's script, unless dkms.conf says
 * NO_WEAK_MODULES or there is none. Its exit status is ignored, as dkms
 * ignores it; returns 0, or a negative errno when it could not be started.
 */
int weak_modules_run(const struct dkms_ctx *ctx, const char *m, const struct dkms_conf *conf,
		     const struct dkms_kernel *k, enum weak_modules_op op);

/*
 * The argv this ctx would run for op on kernel kver (the script first), or
 * false when the distribution has no weak-modules.
 */
bool weak_modules_argv(const struct dkms_ctx *ctx, enum weak_modules_op op, const char *kver,
		       struct strv *ret);
