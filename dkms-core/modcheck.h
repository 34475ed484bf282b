/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "kernel.h"

/*
 * Is the module file at path (.ko, or compressed) made for kernel k? Its
 * ELF class, byte order and machine must be those of k->arch (when the arch
 * is one arch.h knows), and its vermagic must name k->version or the
 * release k's headers build for, ending in the arch's own word where the
 * arch has one (aarch64). A file that is not ELF is not judged.
 * Returns 0, or -EINVAL with *ret_why set ("ELF machine x86-64, 64-bit
 * little-endian, not aarch64's"; allocated), or another -errno.
 */
int module_check_target(const char *path, const struct dkms_kernel *k, char **ret_why);

/*
 * module_check_target for a step about to file or install the module: on a
 * mismatch prints one "Error! <path> is not for kernel <k> (<arch>): why."
 * and returns dkms's exit code 12 (nothing is done with it).
 */
int dkms_module_fits_kernel(const struct dkms_ctx *ctx, const char *path, const struct dkms_kernel *k);
