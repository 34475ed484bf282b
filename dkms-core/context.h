/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "util/macro.h"
#include "util/strv.h"

#define DKMS_VERSION_STRING "dkms-3.4.3"

/*
 * A long step's progress, drawn by cmd/ on a terminal. invoke_command_watched
 * calls begin before the command, line with each line it prints (NULL when
 * a while passed without one) and end when it has finished.
 */
struct dkms_progress {
	void (*begin)(void *data, const char *desc, const char *subject);
	void (*line)(void *data, const char *line);
	void (*end)(void *data);
	void *data;
};

/*
 * What a message is. The core never writes to stdout or stderr itself
 * (DESIGN.md): it hands each message, as (kind, text), to the log function
 * cmd/ set, which picks the stream, dkms's words around it ("Error!",
 * "Warning:", "done.") and the colours. text has no final newline; for the
 * kinds that are lines, the writer ends them.
 */
enum dkms_log_kind {
	DKMS_LOG_INFO,        /* a line for the user: "Creating symlink ..." */
	DKMS_LOG_ERROR,       /* dkms's "Error!" message; may hold several lines */
	DKMS_LOG_WARNING,     /* dkms's "Warning:" */
	DKMS_LOG_DEPRECATED,  /* dkms's "Deprecated feature:" */
	DKMS_LOG_NOTE,        /* a plain line beside the errors: "dkms.conf: Error! ..." */
	DKMS_LOG_STEP,        /* a command starts: "<text>...", the line left open */
	DKMS_LOG_STEP_DONE,   /* it succeeded: ends the line with " done." (text "") */
	DKMS_LOG_STEP_FAILED, /* it failed: text is its exit status, the line ends */
};

typedef void (*dkms_log_fn)(void *data, enum dkms_log_kind kind, const char *text);

/*
 * Everything an operation needs to know about where it runs and how: the
 * trees, framework.conf settings and command-line flags. cmd/ fills one in;
 * the core only reads it. There are no globals below cmd/.
 */
struct dkms_ctx {
	/* trees */
	char *dkms_tree;    /* /var/lib/dkms */
	char *source_tree;  /* /usr/src */
	char *install_tree; /* /lib/modules */
	char *tmp_location; /* $TMPDIR or /tmp */
	char *etc_dir;      /* /etc/dkms: overrides, framework.conf, patches */
	char *os_release;   /* path of the os-release read, or NULL */
	char *distro;       /* ID (or ID_LIKE[0]) from os-release */
	char *addon_modules_dir;

	char *conf_file; /* -c: dkms.conf to read instead of the package's */

	/* kernel overrides from the command line */
	char *kernel_source_dir; /* --kernelsourcedir */
	char *kernel_config;     /* --config */

	/* framework.conf */
	char *parallel_jobs; /* "" means no limit (make -j) */
	char *compress_gzip_opts;
	char *compress_xz_opts;
	char *compress_zstd_opts;
	char *build_environment;
	char *post_transaction;
	char *sign_file;
	char *mok_signing_key;
	char *mok_certificate;
	char *try_sign_modules;
	char *cross_compile; /* framework.conf: the compiler prefix for foreign targets */
	bool autoinstall_all_kernels;
	/* initrd handling (REMAKE_INITRD): framework.conf or --initrd-mode/--bootdir */
	char *initrd_mode;      /* "regenerate", "fragment", "auto" (NULL: auto) */
	char *bootdir;          /* where the initrd images are (NULL: /boot) */
	char *initrd_generator; /* command that regenerates an initrd, NULL: detected */
	char *initrd_sysconfdir; /* where generators read their configuration (NULL: /etc) */

	/* flags */
	bool verbose;
	bool quiet;
	bool force;
	bool force_version_override;
	bool no_depmod;
	bool delayed_depmod;
	bool modprobe_on_install;
	bool symlink_modules;
	bool binaries_only;
	bool source_only;
	bool rpm_safe_upgrade;
	bool strict_conf; /* refuse dkms.conf files that need a shell */
	struct strv directives; /* --directive NAME=VALUE */

	/* output: every message goes through log_fn (dkms_set_log_fn), progress draws */
	dkms_log_fn log_fn; /* NULL: the core says nothing */
	void *log_data;
	const struct dkms_progress *progress; /* NULL: plain lines only */
};

void dkms_ctx_init(struct dkms_ctx *ctx);
void dkms_ctx_release(struct dkms_ctx *ctx);
/* As kmod_set_log_fn: where the messages of operations on ctx go. */
void dkms_set_log_fn(struct dkms_ctx *ctx, dkms_log_fn fn, void *data);

/* Format a message and hand it to ctx->log_fn. */
void dkms_log(const struct dkms_ctx *ctx, enum dkms_log_kind kind, const char *fmt, ...) _printf_(3, 4);
void dkms_vlog(const struct dkms_ctx *ctx, enum dkms_log_kind kind, const char *fmt, va_list ap)
	_printf_(3, 0);
/* The kinds by name: a line, an error, a warning, a deprecation, a line beside the errors. */
void dkms_info(const struct dkms_ctx *ctx, const char *fmt, ...) _printf_(2, 3);
void dkms_error(const struct dkms_ctx *ctx, const char *fmt, ...) _printf_(2, 3);
void dkms_warn(const struct dkms_ctx *ctx, const char *fmt, ...) _printf_(2, 3);
void dkms_deprecated(const struct dkms_ctx *ctx, const char *fmt, ...) _printf_(2, 3);
void dkms_errtext(const struct dkms_ctx *ctx, const char *fmt, ...) _printf_(2, 3);
