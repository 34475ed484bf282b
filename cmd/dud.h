/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cmd.h"
#include "formats/format.h"
#include "mkdisk/medium.h"
#include "util/strv.h"

/*
 * What mkdriverdisk and checkdisk share: the kernels and modules a disk is
 * made of (cmd/dud-request.c), and the check of an image as its installer
 * would read it (cmd/dud-check.c).
 */

/*
 * For each -k kernel/arch of c (built already), read dkms.conf and find the
 * built file of every module record that is not ruled out by
 * BUILD_EXCLUSIVE. Returns 0 with *ret (n entries, dud_kernels_free), or a
 * dkms exit status after printing why.
 */
int dud_collect_kernels(struct cmd *c, struct dud_kernel **ret, size_t *ret_n);
void dud_kernels_free(struct dud_kernel *k, size_t n);

/* One kernel the disk was checked for, and what its installer would load. */
struct disk_check_kernel {
	char *kernelver; /* NULL: any kernel the disk serves */
	char *arch;      /* NULL: the format's default (x86_64) */
	struct strv drivers;
};

struct disk_check {
	struct medium_info info;
	const struct dud_format *format; /* NULL when no format recognised the tree */
	char *inner;                     /* "dd.iso" when the disk is an ISO inside a cpio */
	struct medium_info inner_info;
	struct strv problems; /* medium, label, format: each once, in that order */
	struct strv notes;
	struct disk_check_kernel *kernels;
	size_t n_kernels;
};

#define DISK_CHECK_INIT { 0 }

void disk_check_release(struct disk_check *dc);

/*
 * Unpack image into a private directory under ctx->tmp_location (removed
 * again), recognise the format, apply the medium and label rules of its
 * installer, and run the format's check for each kernelvers[i]/arches[i]
 * (NULL kernel: any the disk serves; NULL arch: the format's default; n == 0:
 * once, for any kernel and the default arch). A kernel the installer
 * would load nothing for is a problem. Returns 0 with dc filled (problems
 * or not), or -errno when the image could not be read at all
 * (-EMEDIUMTYPE: no known medium); the reason is printed then.
 */
int disk_check_image(const struct dkms_ctx *ctx, const char *image,
		     const char *const *kernelvers, const char *const *arches, size_t n,
		     struct disk_check *dc);
