/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "context.h"

struct sign_plan;

/* One target: a kernel release and an architecture, with where its build tree is. */
struct dkms_kernel {
	char *version;    /* "6.1.0-56-amd64" */
	char *arch;       /* "x86_64" */
	char *source_dir; /* <install_tree>/<version>/build, or --kernelsourcedir */
	char *config;     /* include/config/auto.conf or .config, or --config */
	/* prepare_kernel_and_signing's result, made once per run (owned) */
	struct sign_plan *sign;
};

/* Fill in source_dir and config for version/arch as dkms does. */
void dkms_kernel_init(struct dkms_kernel *k, const struct dkms_ctx *ctx,
		      const char *version, const char *arch);
void dkms_kernel_release(struct dkms_kernel *k);

/* dkms exit 21 when false: <source_dir>/include must exist. */
bool dkms_kernel_has_headers(const struct dkms_kernel *k);

/*
 * Value of CONFIG_<name> in the kernel config, without quotes; NULL when
 * unset or the config is unreadable. name includes the CONFIG_ prefix.
 */
char *dkms_kernel_config_value(const struct dkms_kernel *k, const char *name);
/* True when "<name>=y" or "<name>=m" appears in the config. */
bool dkms_kernel_config_enabled(const struct dkms_kernel *k, const char *name);

/*
 * The module compression suffix the installed kernel uses ("", ".gz", ".xz",
 * ".zst"), found by scanning <install_tree>/<version> once (zst wins over xz
 * over gz, as dkms).
 */
const char *dkms_kernel_module_suffix(const struct dkms_ctx *ctx, const char *version);

/*
 * dkms_kernel_module_suffix for many lines over one tree: each kernel is
 * scanned once, on first use (the tree is trusted not to change meanwhile).
 */
struct kernel_suffix {
	char *version;
	const char *suffix;
};

struct kernel_suffixes {
	struct kernel_suffix *v; /* sorted by version */
	size_t n, alloc;
};

#define KERNEL_SUFFIXES_INIT { NULL, 0, 0 }

const char *kernel_suffixes_get(struct kernel_suffixes *cache, const struct dkms_ctx *ctx,
				const char *version);
void kernel_suffixes_release(struct kernel_suffixes *cache);

/*
 * framework.conf is read once, at startup, with $kernelver set to this
 * marker; a value that used it gets the kernel filled in per kernel. Values
 * from the environment are taken as they are, as dkms does. Allocated.
 */
#define DKMS_KERNELVER_MARK "\001kernelver\001"
#define DKMS_KERNELVER_MARK_SH "\\001kernelver\\001"
char *dkms_expand_kernelver(const char *s, const char *kernelver);
