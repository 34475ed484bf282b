/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "context.h"

/*
 * Fill ctx with defaults, the environment, the os-release and
 * framework.conf (+ framework.conf.d/ *.conf) under ctx->etc_dir, in the
 * order dkms applies them. Command-line options are applied afterwards by
 * cmd/. Returns 0 or a dkms exit status (4: no os-release).
 */
int dkms_framework_load(struct dkms_ctx *ctx);

/* Parse an os-release file into the distribution name dkms uses. */
char *dkms_os_release_distro(const char *path);
