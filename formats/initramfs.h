/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "codec/payload.h"
#include "formats/format.h"

/*
 * The content of an initramfs fragment for k (see initramfs.c): k's modules
 * under lib/modules/<k>/<dest>/, and the module index files (modules.*, not
 * the old *map files) found in index_dir, a module dir depmod has written
 * for every module of the kernel and k's. Without a "lib" directory entry
 * (it would replace a merged-/usr initrd's lib -> usr/lib link:
 * cpio_drop_usr_link_dirs). 0 or -errno.
 */
int initramfs_fragment_payload(const struct dud_kernel *k, const char *index_dir, struct payload *out);
