/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "context.h"
#include "kernel.h"

/*
 * dkms's prepare_signing for kernel k, with its console messages: policy
 * (try_sign_modules), chroot detection, the kernel's CONFIG_MODULE_SIG_HASH,
 * the sign-file binary, and the MOK key pair (generated when missing).
 */
void sign_prepare(const struct dkms_ctx *ctx, const struct dkms_kernel *k, struct sign_plan *ret);

/*
 * dkms's prepare_mok / generate_mok: resolve key and certificate paths and
 * create them with openssl when either is missing. Returns 0, or -errno
 * with the message already printed.
 */
int sign_prepare_mok(const struct dkms_ctx *ctx, const char *kernelver, char **ret_key,
		     char **ret_cert);

/* Sign one module in place; a failure is a warning, as in dkms. */
void sign_module(const struct dkms_ctx *ctx, const struct sign_plan *plan, const char *path);

/* Port of the Linux part of Debian's ischroot (also true in a mount namespace). */
bool running_in_chroot(void);
