/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "context.h"
#include "util/strv.h"

/*
 * kABI: the CRCs of the kernel symbols a module uses. A module built with
 * CONFIG_MODVERSIONS records, in its __versions section, the CRC of each
 * symbol it imports; a kernel's Module.symvers (RHEL: symvers.gz) lists the
 * CRC of each symbol it exports. The module loads unchanged into any kernel
 * whose CRCs match for all of them; that is what weak-modules and Red Hat's
 * kABI-tracking kmods rely on.
 */

struct kabi_sym {
	char *name;
	uint64_t crc;
};

/* Symbols sorted by name, each once. */
struct kabi_symset {
	struct kabi_sym *v;
	size_t n;
};

void kabi_symset_release(struct kabi_symset *s);
const struct kabi_sym *kabi_symset_find(const struct kabi_symset *s, const char *name);

/*
 * Load a Module.symvers (plain or gzip): "0x<crc>\t<symbol>\t<module>\t<export>[\t<ns>]"
 * lines. A line that is not that, or a symbol name that is not an
 * identifier: -EINVAL, after "<path>:<line>: …" on ctx.
 */
int kabi_symvers_load(const struct dkms_ctx *ctx, const char *path, struct kabi_symset *ret);

/*
 * Where kernelver's symbol list is: <install_tree>/<k>/build/Module.symvers
 * (the headers), <install_tree>/<k>/symvers.gz, /boot/symvers-<k>.gz (RHEL,
 * SUSE), /usr/src/kernels/<k>/Module.symvers, /usr/src/linux-headers-<k>/Module.symvers.
 * Allocated, or NULL when none exists.
 */
char *kabi_symvers_path(const struct dkms_ctx *ctx, const char *kernelver);

/*
 * The symbols the modules import (their __versions, compressed or not)
 * that the kernel exports (in kernel): what the modules need from the
 * kernel, with the CRC the modules were built with. Symbols another module
 * of the package or an other out-of-tree module provides are not the
 * kernel's and are left out, as find-requires.ksyms leaves them out.
 * A module with no __versions (no CONFIG_MODVERSIONS) gives nothing.
 */
int kabi_module_imports(const struct dkms_ctx *ctx, const struct strv *modules,
			const struct kabi_symset *kernel, struct kabi_symset *ret);

/* One symbol of imports that another kernel does not match. */
struct kabi_mismatch {
	const char *name;
	uint64_t want;
	uint64_t have;
	bool missing;
};

/*
 * Compare imports with a kernel's symbols; *ret_v (allocated, names borrowed
 * from imports) lists the mismatches in name order. Returns their number.
 */
size_t kabi_compare(const struct kabi_symset *imports, const struct kabi_symset *kernel,
		    struct kabi_mismatch **ret_v);

/* Is s a symbol name we pass on (into RPM specs, onto a terminal)? */
bool kabi_symbol_name_ok(const char *s);
