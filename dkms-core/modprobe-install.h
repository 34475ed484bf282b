/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "context.h"

/*
 * modprobe_on_install, after an install for kernelver (dkms 3.4.3): when it
 * is the running kernel, load the modules every present device asks for
 * (modprobe -a -b -q of each /sys/devices modalias), then restart
 * systemd-modules-load.service when /lib/systemd/system has it, so the
 * modules-load.d lists (a package's own) are applied too. Other kernels:
 * nothing. Failures are not the install's.
 */
void dkms_modprobe_on_install(const struct dkms_ctx *ctx, const char *kernelver);
