/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "context.h"
#include "kernel.h"
#include "util/strv.h"

/*
 * dkms.conf as evaluated: every whitelisted directive with the indexes bash
 * gave it. Both evaluators (a child bash, and the native parser for files
 * made of plain assignments) produce this, and must produce the same thing.
 */
struct conf_item {
	unsigned index;
	char *value;
};

struct conf_var {
	char *name;
	struct conf_item *items; /* sorted by index, unique */
	size_t n;
};

struct conf_vars {
	struct conf_var *vars; /* sorted by name */
	size_t n;
};

/* The variables in scope while a dkms.conf is sourced. */
struct conf_scope {
	const char *module;         /* $module */
	const char *module_version; /* $module_version */
	const char *kernelver;      /* $kernelver */
	const char *arch;           /* $arch */
	const char *kernel_source_dir;
	const char *kernel_config;
	const char *dkms_tree;
	const char *source_tree;
	const char *install_tree;
	const char *parallel_jobs;
};

void conf_vars_release(struct conf_vars *vars);
/* NULL when the directive was never set. */
const struct conf_var *conf_vars_get(const struct conf_vars *vars, const char *name);
/* Value at index, or NULL. */
const char *conf_vars_value(const struct conf_vars *vars, const char *name, unsigned index);
/* Set (replace) one element; used by --directive and by the evaluators. */
void conf_vars_set(struct conf_vars *vars, const char *name, unsigned index, const char *value);
bool conf_vars_equal(const struct conf_vars *a, const struct conf_vars *b);
/* True when name is one of the whitelisted dkms.conf directives. */
bool conf_is_directive(const char *name);
/* The whitelisted directives in dkms's order (dkms_conf_variables). */
const char *const *conf_directives(size_t *ret_n);

/* Helpers for the evaluators. */
void conf_vars_unset(struct conf_vars *vars, const char *name);
void conf_vars_copy(struct conf_vars *dst, const struct conf_vars *src);
/* Per element: every element of src replaces the same element of dst. */
void conf_vars_merge(struct conf_vars *dst, const struct conf_vars *src);
/* Number of elements (bash ${#NAME[@]}); 0 when unset. */
size_t conf_vars_count(const struct conf_vars *vars, const char *name);
/* Debug/test aid: "NAME[i]=<value>" lines, values C-escaped. */
void conf_vars_dump(const struct conf_vars *vars, FILE *f);

/*
 * Evaluate files in order (later ones override per element) with bash, in a
 * child process, with scope variables set. Missing files are skipped.
 * Each file is sourced in its own subshell and its whitelisted directives are
 * taken over the way dkms's safe_source does it (one trailing CR stripped,
 * the value read back inside double quotes). out is replaced.
 * Returns 0, or -errno when bash could not run or died.
 */
int conf_eval_bash(const struct conf_scope *scope, const char *const *files, size_t n_files,
		   struct conf_vars *out);
/* The same, giving the state after each file: states[0..n_files-1] (replaced). */
int conf_eval_bash_states(const struct conf_scope *scope, const char *const *files,
			  size_t n_files, struct conf_vars *states);

/* One chain for conf_eval_bash_jobs: a scope, its files, the states after each. */
struct conf_job {
	const struct conf_scope *scope;
	const char *const *files;
	size_t n_files;
	struct conf_vars *states; /* n_files entries, replaced */
	int r;                    /* 0: states valid; else -errno (states empty) */
};

/*
 * conf_eval_bash_states for several chains in one bash child. Each job is
 * sourced in a subshell of its own, so nothing one leaves behind reaches
 * the next (as dkms, which reads dkms.conf in a subshell per status line).
 * Returns -errno when bash could not run (every job's r is that too), else
 * 0 with each job's own result in r (-EPROTO when its evaluation died).
 */
int conf_eval_bash_jobs(struct conf_job *jobs, size_t n_jobs);
/*
 * Parse one file natively into vars (on top of what vars holds). Returns
 * -ENOTSUP when the file uses anything beyond plain assignments, comments and
 * $var expansion of the scope and earlier directives; the caller then falls
 * back to bash. Other -errno on I/O errors. vars is unchanged on failure.
 */
int conf_parse_native(const struct conf_scope *scope, const char *file, struct conf_vars *vars);
/* The same on a buffer (no NUL inside; len bytes). */
int conf_parse_native_buf(const struct conf_scope *scope, const char *buf, size_t len,
			  struct conf_vars *vars);

/* One BUILT_MODULE_NAME/…/DEST_MODULE_LOCATION record. */
struct dkms_conf_module {
	char *built_name;          /* BUILT_MODULE_NAME (defaulted) */
	char *built_location;      /* BUILT_MODULE_LOCATION with trailing '/', or "" */
	char *dest_name;           /* DEST_MODULE_NAME (defaulted) */
	char *dest_location;       /* after the distro override */
	char *dest_location_raw;   /* as written in dkms.conf */
	bool strip;                /* strip[#] != "no" */
	/*
	 * BUILD_EXCLUSIVE_*[#] (3.3+), NULL when unset. As in bash, record 0's
	 * values are the global ones (NAME and NAME[0] are one variable).
	 */
	char *excl_kernel, *excl_kernel_min, *excl_kernel_max, *excl_arch, *excl_config;
	bool excluded; /* BUILD_EXCLUSIVE rules out this record for the kernel */
};

/*
 * A dkms.conf resolved for one kernel/arch, as read_conf leaves it.
 * package_name, package_version and make_command are never NULL (maybe "");
 * the other strings are NULL when the directive is unset or empty (dkms
 * tests them with [[ $x ]]). String lists hold every element in index order.
 */
struct dkms_conf {
	char *path; /* the main dkms.conf */
	char *package_name;
	char *package_version;
	/* hooks: "script args" as written */
	char *pre_build, *post_build, *post_add, *pre_install, *post_install, *post_remove;
	struct dkms_conf_module *modules;
	size_t n_modules;
	char *make_command;   /* selected by MAKE_MATCH, defaulted, LLVM=1 added */
	struct strv patches;  /* PATCH entries selected by PATCH_MATCH */
	struct strv build_depends;
	bool autoinstall;
	bool no_weak_modules;
	bool build_depends_rebuild;
	/* BUILD_EXCLUSIVE_*: element 0; KERNEL_MAX is OBSOLETE_BY when only that is set */
	char *excl_kernel, *excl_kernel_min, *excl_kernel_max, *excl_arch, *excl_config;
	char *obsolete_by;
	/* no record is buildable and some BUILD_EXCLUSIVE rule exists (dkms exit 77) */
	bool build_exclude;
	/* kept for the initrd work (dkms 3.x only warns about them) */
	char *remake_initrd;
	struct strv modules_conf;
	struct strv modules_conf_alias_type;
	struct strv modules_conf_obsoletes;
	struct strv modules_conf_obsolete_only;
	char *clean;
	char *cross_compile; /* CROSS_COMPILE: the compiler prefix for a foreign target, or NULL */
	/* --directive N=V pairs as given; dkms exports them to its environment */
	struct strv directive_env;
	bool llvm;   /* " LLVM=1" was appended to make_command (clang kernel) */
	bool make_default; /* no MAKE applies: make_command is dkms_conf_default_make's */
	bool native; /* evaluated without a shell */
	struct conf_vars vars; /* the raw evaluation, --directive values applied */
};

enum conf_read_flags {
	CONF_STRICT = 1 << 0,     /* read_conf_strict: duplicates, zero-module warning, deprecations */
	CONF_NO_NATIVE = 1 << 1,  /* always evaluate with bash */
	CONF_QUIET = 1 << 2,      /* do not print dkms.conf errors */
	/*
	 * dkms caches a successful read_conf per m/v/k/arch within one run: a
	 * second read prints no deprecation warnings and no DIRECTIVE lines, but
	 * read_conf_strict's zero-modules warning and duplicate errors again.
	 * Pass CONF_REPEAT for such a second read (e.g. install right after build).
	 */
	CONF_REPEAT = 1 << 3,
};

/*
 * read_conf: evaluate `conf_path` (or <dkms_tree>/m/v/source/dkms.conf when
 * NULL; pass ctx->conf_file for -c) and the <etc_dir> override chain for
 * module/version on kernel k (NULL: kernelver and arch empty, as dkms with
 * no kernel), apply --directive values (printing "DIRECTIVE: N="V"" to
 * ctx->out), and validate. Errors are printed in dkms's "dkms.conf: Error! …"
 * form to ctx->err (CONF_STRICT adds the deprecation warnings, the zero
 * modules warning and the duplicate checks). Returns 0, -ENOENT when the
 * file is not readable, without printing (caller says "Could not locate
 * dkms.conf file", exit 4), -EINVAL when it is not a valid dkms.conf (exit 8;
 * also when ctx->strict_conf and a file needs a shell), or another -errno.
 * module and module_version may be NULL (empty). out is valid (releasable)
 * whatever the result; after -EINVAL it holds what could be resolved, as the
 * variables dkms's uninstall/remove go on with after `read_conf || true`.
 * Nothing is cached: every call evaluates again.
 */
int dkms_conf_read(const struct dkms_ctx *ctx, const char *module, const char *module_version,
		   const struct dkms_kernel *k, const char *conf_path, unsigned flags,
		   struct dkms_conf *out);
void dkms_conf_release(struct dkms_conf *conf);

/*
 * dkms_conf_read of one module/version on several kernels, as `status`
 * needs: dkms_conf_batch_eval evaluates every kernel's chain up front,
 * natively where it can and all the others together in one bash child
 * (conf_eval_bash_jobs); it prints nothing. dkms_conf_batch_read(b, i)
 * then resolves kernels[i] and returns exactly what dkms_conf_read would,
 * printing the same messages at that moment, so they come in the caller's
 * order. A chain the batch could not evaluate (bash failed, strict mode) is
 * evaluated, and its failure reported, by its read. Each entry's evaluation
 * is used once; a second read of i evaluates again. kernels must outlive b.
 */
struct conf_batch_entry;
struct dkms_conf_batch {
	const struct dkms_ctx *ctx;
	char *module, *module_version, *conf_path;
	unsigned flags;
	const struct dkms_kernel *kernels;
	size_t n;
	struct conf_batch_entry *entries;
};

void dkms_conf_batch_eval(struct dkms_conf_batch *b, const struct dkms_ctx *ctx,
			  const char *module, const char *module_version,
			  const struct dkms_kernel *kernels, size_t n, const char *conf_path,
			  unsigned flags);
int dkms_conf_batch_read(struct dkms_conf_batch *b, size_t i, struct dkms_conf *out);
void dkms_conf_batch_release(struct dkms_conf_batch *b);

/*
 * dkms's default MAKE, "make -C <kernel source> M=<build dir>", its paths
 * shell-quoted where they need it (a tree with a blank still builds), and
 * " LLVM=1" for a clang kernel. Allocated.
 */
char *dkms_conf_default_make(const char *kernel_source_dir, const char *build_dir, bool llvm);

/*
 * check_build_exclusive_for_module: true when record i may be built for k
 * (the global and record i's rules; CONFIG rules only when k->config exists).
 */
bool dkms_conf_module_buildable(const struct dkms_conf *conf, size_t i, const struct dkms_kernel *k);
