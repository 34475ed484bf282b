/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "context.h"
#include "util/strbuf.h"
#include "util/strv.h"

/* A kernel's config file, read once: dkms greps it, so do we, in memory. */
struct kernel_config {
	bool exists;      /* the file is there (an unreadable one matches nothing) */
	struct strbuf text;
};

#define KERNEL_CONFIG_INIT { false, STRBUF_INIT }

/* Read path into kc; false when it does not exist. kc is released first. */
bool kernel_config_load(struct kernel_config *kc, const char *path);
void kernel_config_release(struct kernel_config *kc);
/* CONFIG_<name>'s value without quotes, or NULL; name includes CONFIG_. */
char *kernel_config_get(const struct kernel_config *kc, const char *name);
/* "<name>=y" or "<name>=m" at a line start. */
bool kernel_config_is_set(const struct kernel_config *kc, const char *name);

/*
 * How the kernel's modules are compiled, as dkms finds it before a build:
 * CC from the headers' .kernelvariables, then CONFIG_CC_VERSION_TEXT's
 * compiler, clang for CONFIG_CC_IS_CLANG, ld.lld for CONFIG_LD_IS_LLD (each
 * only when on PATH). Children get it as environment entries of their own;
 * the process environment is never changed.
 */
struct machine;
struct kernel_toolchain {
	/* "CC=…", "KERNEL_CC=…", "LD=…", "KERNEL_LD=…"; a bare "CC" unsets it
	 * (the headers carry no .kernelvariables), as util/spawn reads env_set */
	struct strv env;
	bool clang;        /* CC is clang: strip with llvm-strip */
	const char *strip; /* "strip", "llvm-strip", or "<prefix>strip" for a cross build */
	/*
	 * A foreign target (-k kernel/aarch64 on x86_64): env holds ARCH= and
	 * CROSS_COMPILE=, the prefix from $CROSS_COMPILE, framework.conf's
	 * cross_compile, the kernel's CONFIG_CROSS_COMPILE, or Debian's
	 * triplet found on PATH, in that order.
	 */
	const struct machine *machine; /* the target, NULL when the arch is unknown */
	bool cross;
	bool cross_explicit;  /* the prefix was set (environment, framework.conf), not found */
	char *cross_compile;  /* the prefix, or NULL */
	char *missing;        /* cross with no compiler: the Debian package to install */
	char *strip_buf;      /* owns strip when allocated */
};

void kernel_toolchain_release(struct kernel_toolchain *tc);

/* What dkms's prepare_signing decided for one kernel (filled by sign.c). */
struct sign_plan {
	bool prepared; /* sign_prepare ran for this kernel */
	bool enabled;
	char *sign_file;
	char *hash;
	char *key;
	char *cert;
};

/*
 * Facts about one kernel that several steps need, each found at most once
 * per run, on first use, and kept on the kernel.
 */
enum {
	KERNEL_HAVE_CONFIG = 1 << 0,
	KERNEL_HAVE_SUFFIX = 1 << 1,
	KERNEL_HAVE_TOOLCHAIN = 1 << 2,
	KERNEL_HAVE_LLVM = 1 << 3,
};

struct kernel_facts {
	unsigned have;                /* KERNEL_HAVE_* bits: which parts are filled */
	struct kernel_config config;  /* the config k->config names */
	struct kernel_toolchain toolchain;
	const char *module_suffix;    /* "", ".gz", ".xz", ".zst" */
	bool llvm;                    /* make gets LLVM=1 */
	struct sign_plan sign;
};

/* One target: a kernel release and an architecture, with where its build tree is. */
struct dkms_kernel {
	char *version;    /* "6.1.0-56-amd64" */
	char *arch;       /* "x86_64" */
	char *source_dir; /* <install_tree>/<version>/build, or --kernelsourcedir */
	char *config;     /* include/config/auto.conf or .config, or --config */
	struct kernel_facts *facts; /* owned; filled lazily through the accessors below */
};

/* Fill in source_dir and config for version/arch as dkms does. */
void dkms_kernel_init(struct dkms_kernel *k, const struct dkms_ctx *ctx,
		      const char *version, const char *arch);
void dkms_kernel_release(struct dkms_kernel *k);

/* The kernel's config, read on first use. */
const struct kernel_config *dkms_kernel_config(const struct dkms_kernel *k);
/* The kernel's toolchain, found on first use. */
const struct kernel_toolchain *dkms_kernel_toolchain(const struct dkms_ctx *ctx,
						     const struct dkms_kernel *k);
/* make gets LLVM=1: vmlinux's .comment names clang, else the config says CC_IS_CLANG. */
bool dkms_kernel_llvm(const struct dkms_kernel *k);
/* dkms_kernel_module_suffix for k, scanned on first use. */
const char *dkms_kernel_suffix(const struct dkms_ctx *ctx, const struct dkms_kernel *k);
/* The kernel's sign plan; sign_prepare fills it once (plan->prepared). */
struct sign_plan *dkms_kernel_sign_plan(const struct dkms_kernel *k);

/* True when the kernel's initramfs unpacker reads zstd (CONFIG_RD_ZSTD=y). */
bool kernel_config_reads_zstd(const struct kernel_config *kc);

/* dkms exit 21 when false: <source_dir>/include must exist. */
bool dkms_kernel_has_headers(const struct dkms_kernel *k);

/* kernel_config_get / kernel_config_is_set on k's config. */
char *dkms_kernel_config_value(const struct dkms_kernel *k, const char *name);
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
