/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "context.h"
#include "kernel.h"
#include "util/strv.h"

/*
 * dkms_run_hook (lifecycle.h) with env entries for the hook's environment
 * ("NAME=value", or "NAME" to unset): a build's hooks see the kernel and
 * its toolchain without this process's environment changing.
 */
int dkms_run_hook_env(const struct dkms_ctx *ctx, const char *m, const char *v, const char *type,
		      const char *script, const char *log, const struct strv *env);

/* An install's hook (console, no log): it sees $kernelver and $arch of k. */
int dkms_run_kernel_hook(const struct dkms_ctx *ctx, const char *m, const char *v,
			 const struct dkms_kernel *k, const char *type, const char *script);
