/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "context.h"

/*
 * SUSE's /etc/sysconfig/module-init-tools: dkms sources it when
 * ADDON_MODULES_DIR is not in the environment, and a value there is the
 * module destination of every package. Read natively: NAME=value lines
 * (optionally "export NAME=value"), one level of quotes, the last one
 * wins. A value the shell would expand ($, `) is refused with a warning
 * naming the file and line.
 *
 * The value of ADDON_MODULES_DIR in path (allocated), or NULL when the
 * file does not exist or does not set it.
 */
char *sysconfig_addon_modules_dir(const struct dkms_ctx *ctx, const char *path);
